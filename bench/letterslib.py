"""Invoice letters for bench/letters.py: the corpus, one render loop per engine, the checks.

The engines' child processes import this module too, the peers' in the throwaway venv under
var/bench-peers/ that has neither Django nor ReportLab: so nothing third-party is imported at
module level (kc.letters.document is plain dataclasses), only inside the function that needs it.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from kc.core.money import format_eur
from kc.letters.document import Column, LetterDocument, Paragraph, Sender, Table

ROOT = Path(__file__).resolve().parent.parent
FONT_DIR = ROOT / "kc" / "letters" / "fonts"
PEER_DIR = ROOT / "bench" / "peers" / "letters"
PEER_ROOT = ROOT / "var" / "bench-peers"
PEER_VENV = PEER_ROOT / "letters-venv"
WORK_DIR = PEER_ROOT / "letters-run"

# Pinned peers: engine -> (distribution whose version is shown, pip requirements).
PEER_PINS: dict[str, tuple[str, tuple[str, ...]]] = {
    "typst": ("typst", ("typst==0.15.2",)),
    "weasyprint": ("weasyprint", ("weasyprint==70.0", "Jinja2==3.1.6")),
}
PANGO_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0")

# --- the corpus -------------------------------------------------------------------------

CENT = Decimal("0.01")
CREDITOR_ID = "DE98ZZZ09999999999"

SENDER = Sender(
    name="Stadtwerke Bärenfels GmbH",
    street_line="Mühlenstraße 14",
    city_line="01744 Bärenfels",
    phone="03504 6170-0",
    email="service@sw-baerenfels.de",
    web="www.sw-baerenfels.de",
    bank_name="Commerzbank Dresden",
    iban="DE89 3704 0044 0532 0130 00",
    bic="COBADEFFXXX",
    creditor_id=CREDITOR_ID,
    register_line="Amtsgericht Dresden HRB 4711",
    management_line="Geschäftsführer: Jörg Weißgerber",
    vat_id="DE812345678",
)

COLUMNS = (
    Column("Position", 50.0),
    Column("Zeitraum", 38.0),
    Column("Menge", 24.0, "right"),
    Column("Preis", 28.0, "right"),
    Column("Betrag", 25.0, "right"),
)

FIRST_NAMES_F = (
    "Käthe", "Jördis", "Änne", "Lisa-Marie", "Ursula", "Gülşen", "Anna", "Hannelore",
    "Birgit", "Sophie", "Dörte", "Zoë", "Ilse", "Małgorzata", "Renée", "Sünje",
)  # fmt: skip
FIRST_NAMES_M = (
    "Jürgen", "Jörg", "Björn", "Sören", "Günther", "Hans-Jürgen", "Ömer", "Maximilian",
    "Klaus", "Uwe", "Rüdiger", "Mehmet", "José", "Hartmut", "Götz", "Lukas",
)  # fmt: skip
LAST_NAMES = (
    "Müller", "Schröder", "Weiß", "Groß", "Böhm", "Krüger", "Jäger", "Köhler", "Fuß",
    "Straßburger", "Öztürk", "Müßig", "Spieß", "Hoß", "Schäfer", "Bäcker", "Löffler",
    "Grünewald", "Süßmuth", "Meißner", "Wöhrle", "Kühn", "Dürr", "Nußbaum", "Schmidt",
    "Yılmaz", "Kowalczyk", "Lüdenscheidt", "Heß", "Pfeiffer",
)  # fmt: skip
COMPANIES = (
    "Bäckerei Groß GmbH", "Metzgerei Süß & Söhne", "Hausverwaltung Weiß KG",
    "Gaststätte Zur Mühle", "Autohaus Köhler GmbH", "Wohnungsbau Bärenfels eG",
    "Kita Sonnenkäfer e. V.", "Praxis Dr. Jäger", "Blumen Grünewald", "Schlüsseldienst Fuß",
)  # fmt: skip
STREETS = (
    "Hauptstraße", "Am Mühlbach", "Lößweg", "Königsallee", "Gartenstraße", "Brückenstraße",
    "Schloßberg", "Grüner Weg", "Rosenstraße", "Über der Aue", "Jägerstraße", "Bahnhofstraße",
    "Tännichtweg", "An der Weißeritz", "Südstraße", "Friedrich-Ebert-Straße",
)  # fmt: skip
CITIES = (
    "01744 Bärenfels", "01067 Dresden", "97070 Würzburg", "66111 Saarbrücken", "50667 Köln",
    "80331 München", "90403 Nürnberg", "37073 Göttingen", "72070 Tübingen", "35390 Gießen",
    "21335 Lüneburg", "49074 Osnabrück", "23552 Lübeck", "40213 Düsseldorf", "90762 Fürth",
    "01796 Pirna", "01705 Freital", "01737 Tharandt", "79098 Freiburg im Breisgau",
)  # fmt: skip
CONTACTS = ("Frau Weiß", "Herr Böhm", "Frau Jäger", "Herr Öztürk", "Frau Müller-Groß")
MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
    "Oktober", "November", "Dezember",
)  # fmt: skip


@dataclass(frozen=True)
class Item:
    label: str
    unit: str  # of the quantity; the price is per this unit
    kind: str  # "energy" (scaled by consumption), "days", "flat"
    low: str  # price range, Decimal text
    high: str


COMMODITIES: dict[str, dict[str, Any]] = {
    "Strom": {
        "vat": Decimal("19"),
        "monthly": (
            Item("Arbeitspreis Strom", "kWh", "energy", "0.2790", "0.3390"),
            Item("Grundpreis Strom", "Tage", "days", "0.3800", "0.5200"),
            Item("Messstellenbetrieb (iMSys)", "Tage", "days", "0.0550", "0.0830"),
        ),
        "extras": (
            Item("Stromsteuer", "kWh", "energy", "0.0205", "0.0205"),
            Item("Konzessionsabgabe", "kWh", "energy", "0.0132", "0.0239"),
            Item("Umlage nach § 19 StromNEV", "kWh", "energy", "0.0150", "0.0160"),
            Item("Offshore-Netzumlage", "kWh", "energy", "0.0081", "0.0082"),
            Item("KWKG-Umlage", "kWh", "energy", "0.0027", "0.0028"),
            Item("Arbeitspreis Wärmepumpe (NT)", "kWh", "energy", "0.2190", "0.2490"),
            Item("Netzentgelt Leistungspreis", "Tage", "days", "0.0900", "0.1200"),
            Item("Mahngebühr", "Stück", "flat", "2.5000", "5.0000"),
            Item("Zählerwechsel (Sperrung/Öffnung)", "Stück", "flat", "45.0000", "65.0000"),
        ),
        "per_day": (4, 14),
    },
    "Erdgas": {
        "vat": Decimal("19"),
        "monthly": (
            Item("Arbeitspreis Erdgas", "kWh", "energy", "0.0890", "0.1190"),
            Item("Grundpreis Erdgas", "Tage", "days", "0.3900", "0.5500"),
            Item("Messstellenbetrieb Gaszähler G4", "Tage", "days", "0.0300", "0.0420"),
        ),
        "extras": (
            Item("CO₂-Preis nach BEHG", "kWh", "energy", "0.0110", "0.0130"),
            Item("Energiesteuer Erdgas", "kWh", "energy", "0.0055", "0.0055"),
            Item("Gasspeicherumlage", "kWh", "energy", "0.0029", "0.0030"),
            Item("Konzessionsabgabe", "kWh", "energy", "0.0003", "0.0009"),
            Item("Mahngebühr", "Stück", "flat", "2.5000", "5.0000"),
        ),
        "per_day": (12, 60),
    },
    "Trinkwasser": {
        "vat": Decimal("7"),
        "monthly": (
            Item("Mengenpreis Trinkwasser", "m³", "energy", "1.8900", "2.4500"),
            Item("Grundgebühr Zähler Qn 2,5", "Tage", "days", "0.2200", "0.3100"),
            Item("Schmutzwasser", "m³", "energy", "2.7000", "3.4000"),
        ),
        "extras": (
            Item("Niederschlagswasser (m² versiegelt)", "m²", "flat", "0.4500", "0.6800"),
            Item("Zählermiete", "Tage", "days", "0.0150", "0.0250"),
            Item("Mahngebühr", "Stück", "flat", "2.5000", "5.0000"),
        ),
        "per_day": (0.1, 0.4),
    },
}


def _grouped(text: str) -> str:
    """'1,234.56' (Python's grouping) as German '1.234,56'."""
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def unit_price(price: Decimal, unit: str) -> str:
    per = {"Tage": "Tag", "Stück": "Stück"}.get(unit, unit)
    return f"{_grouped(f'{price:,.4f}')} €/{per}"


def quantity(amount: Decimal, unit: str) -> str:
    places = 1 if unit == "m³" else 0
    return f"{_grouped(f'{amount:,.{places}f}')} {unit}"


def _date(day: datetime.date) -> str:
    return day.strftime("%d.%m.%Y")


def _period(start: datetime.date, end: datetime.date) -> str:
    if start.year == end.year:
        return f"{start:%d.%m.}–{end:%d.%m.%Y}"
    return f"{_date(start)}–{_date(end)}"


def _months(first: datetime.date, count: int) -> Iterator[tuple[datetime.date, datetime.date]]:
    year, month = first.year, first.month
    for _ in range(count):
        start = datetime.date(year, month, 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        yield start, datetime.date(year, month, 1) - datetime.timedelta(days=1)


def _price(rng: random.Random, item: Item) -> Decimal:
    low, high = Decimal(item.low), Decimal(item.high)
    steps = int((high - low) / Decimal("0.0001"))
    return low + Decimal(rng.randint(0, steps)) * Decimal("0.0001")


def _line(
    rng: random.Random, item: Item, start: datetime.date, end: datetime.date, per_day: float
) -> tuple[tuple[str, ...], Decimal]:
    days = (end - start).days + 1
    if item.kind == "days":
        amount = Decimal(days)
    elif item.kind == "flat":
        amount = Decimal(rng.choice((1, 1, 1, 2))) if item.unit == "Stück" else Decimal(180)
    elif item.unit == "kWh":
        amount = Decimal(round(days * per_day * rng.uniform(0.6, 1.5)))
    else:
        amount = Decimal(round(days * per_day * rng.uniform(0.6, 1.5) * 10)) / 10
    price = _price(rng, item)
    total = (amount * price).quantize(CENT, rounding=ROUND_HALF_UP)
    row = (
        item.label,
        _period(start, end),
        quantity(amount, item.unit),
        unit_price(price, item.unit),
    )
    return (*row, format_eur(total)), total


def _recipient(rng: random.Random) -> tuple[tuple[str, ...], str]:
    """Window address lines and the salutation."""
    street = f"{rng.choice(STREETS)} {rng.randint(1, 148)}{rng.choice(('', '', '', 'a', 'b'))}"
    city = rng.choice(CITIES)
    last = rng.choice(LAST_NAMES)
    if rng.random() < 0.12:
        last = f"{last}-{rng.choice(LAST_NAMES)}"
    female = rng.random() < 0.5
    first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
    title = "Dr. " if rng.random() < 0.08 else ""
    person = f"{'Frau' if female else 'Herrn'} {title}{first} {last}"
    dear = f"Sehr geehrte Frau {title}{last}," if female else f"Sehr geehrter Herr {title}{last},"
    roll = rng.random()
    if roll < 0.15:
        company = rng.choice(COMPANIES)
        lines: tuple[str, ...] = (company, f"z. Hd. {person}", street, city)
        return lines, "Sehr geehrte Damen und Herren,"
    if roll < 0.22:
        return (person, f"c/o {rng.choice(LAST_NAMES)}", street, city), dear
    if roll < 0.27:
        box = f"Postfach {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
        return (rng.choice(COMPANIES), box, city), "Sehr geehrte Damen und Herren,"
    return (person, street, city), dear


def build_letter(index: int, seed: int = 1) -> LetterDocument:
    """Invoice letter number `index`; the same for every N, engine and run."""
    rng = random.Random(seed * 1_000_003 + index)
    commodity = rng.choice(("Strom", "Strom", "Erdgas", "Trinkwasser"))
    spec = COMMODITIES[commodity]
    per_day = rng.uniform(*spec["per_day"])
    recipient, salutation = _recipient(rng)
    while any(len(line) > 34 for line in recipient):  # the window is 77 mm wide
        recipient, salutation = _recipient(rng)
    date = datetime.date(2026, 1, 5) + datetime.timedelta(days=rng.randint(0, 60))
    rows: list[tuple[str, ...]] = []
    net = Decimal(0)
    annual = rng.random() < 0.46
    if annual:  # Jahres- or Schlussrechnung: one row per month and price, 14-45 rows
        months = rng.randint(7, 12)
        monthly = spec["monthly"][: rng.choice((2, 3))]
        first = datetime.date(2025, 13 - months, 1)
        extras = rng.randint(0, min(len(spec["extras"]), 45 - months * len(monthly)))
        periods = list(_months(first, months))
        kind = "Jahresabrechnung" if months == 12 else "Schlussrechnung"
    else:  # Monatsrechnung: 4-12 rows for one month
        monthly = spec["monthly"][: rng.choice((2, 3))]
        extras = rng.randint(4 - len(monthly), min(len(spec["extras"]), 12 - len(monthly)))
        periods = list(_months(datetime.date(2025, rng.randint(1, 12), 1), 1))
        kind = "Rechnung"
    for start, end in periods:
        for item in monthly:
            row, total = _line(rng, item, start, end, per_day)
            rows.append(row)
            net += total
    whole = (periods[0][0], periods[-1][1])
    for item in rng.sample(spec["extras"], extras):
        row, total = _line(rng, item, *whole, per_day)
        rows.append(row)
        net += total
    vat = (net * spec["vat"] / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    gross = net + vat
    paid = (gross * Decimal(rng.uniform(0.7, 1.2))).quantize(Decimal(1)) if annual else Decimal(0)
    due = gross - paid
    totals: list[tuple[str, ...]] = [
        ("Summe netto", "", "", "", format_eur(net)),
        (f"Umsatzsteuer {spec['vat']} %", "", "", "", format_eur(vat)),
        ("Rechnungsbetrag", "", "", "", format_eur(gross)),
    ]
    if annual:
        totals.append(("abzüglich Abschläge", "", "", "", format_eur(-paid)))
        totals.append(("Nachzahlung" if due >= 0 else "Guthaben", "", "", "", format_eur(abs(due))))
    customer = f"{rng.randint(1_000_000, 9_999_999)}"
    account = f"{rng.randint(100_000_000_000, 999_999_999_999)}"
    invoice = f"RE-2026-{index + 1:06d}"
    contact = rng.choice(CONTACTS)
    site = f"{recipient[-2]}, {recipient[-1]}" if not recipient[-2].startswith("Postfach") else ""
    meter = f"1ESY{rng.randint(10**9, 10**10 - 1)}"
    place = f" für Ihre Lieferstelle {site}" if site else ""
    intro = (
        f"für den Zeitraum {_period(*whole)} berechnen wir Ihnen die Lieferung von {commodity}"
        f"{place} (Zählernummer {meter}) wie folgt:"
    )
    pay_day = _date(date + datetime.timedelta(days=14))
    if due < 0:
        payment = (
            f"Ihr Guthaben von {format_eur(-due)} überweisen wir in den nächsten Tagen "
            "auf Ihr Konto."
        )
    elif rng.random() < 0.6:
        payment = (
            f"Den Betrag von {format_eur(due)} ziehen wir am {pay_day} per SEPA-Lastschrift von "
            f"Ihrem Konto ein (Mandatsreferenz MR-{customer}, Gläubiger-ID {CREDITOR_ID})."
        )
    else:
        payment = (
            f"Bitte überweisen Sie {format_eur(due)} bis zum {pay_day} auf unser Konto "
            f"IBAN {SENDER.iban} unter Angabe der Rechnungsnummer {invoice}."
        )
    blocks: list[Paragraph | Table] = [
        Paragraph(salutation),
        Paragraph(intro),
        Table(COLUMNS, tuple(rows), tuple(totals)),
        Paragraph(payment),
    ]
    if annual:
        instalment = (gross / 12).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        month = MONTHS[(date.month + 1) % 12]
        blocks.append(
            Paragraph(
                f"Ihr neuer monatlicher Abschlag ab {month} beträgt {format_eur(instalment)}."
            )
        )
    blocks.append(
        Paragraph(
            f"Fragen beantwortet Ihnen {contact} gern unter {SENDER.phone} oder "
            f"{SENDER.email}.\n\nMit freundlichen Grüßen\n\nIhre {SENDER.name}"
        )
    )
    return LetterDocument(
        sender=SENDER,
        recipient=recipient,
        subject=f"{kind} {commodity} Nr. {invoice}",
        date=date,
        blocks=tuple(blocks),
        references=(
            ("Kundennummer", customer),
            ("Vertragskonto", account),
            ("Rechnungsnummer", invoice),
            ("Ansprechpartner", contact),
        ),
        endorsement=("Persönlich",) if rng.random() < 0.05 else (),
        title=f"{kind} {invoice}",
        letter_number=f"KC-L-{index + 1:07d}",
    )


def build_letters(count: int, seed: int = 1) -> list[LetterDocument]:
    return [build_letter(index, seed) for index in range(count)]


# --- the letter as JSON (the peers' input; ours reads it back into a LetterDocument) ----


def letter_to_json(doc: LetterDocument) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            blocks.append({"kind": "paragraph", "text": block.text, "bold": block.bold})
        else:
            blocks.append(
                {
                    "kind": "table",
                    "columns": [asdict(column) for column in block.columns],
                    "rows": [list(row) for row in block.rows],
                    "totals": [list(row) for row in block.totals],
                }
            )
    return {
        "sender": {**asdict(doc.sender), "return_line": doc.sender.return_line},
        "recipient": list(doc.recipient),
        "endorsement": list(doc.endorsement),
        "subject": doc.subject,
        "date": doc.date.isoformat(),
        "date_text": _date(doc.date),
        "references": [list(pair) for pair in doc.references],
        "blocks": blocks,
        "title": doc.title,
        "letter_number": doc.letter_number,
        "extra_meta": dict(doc.extra_meta),
    }


def letter_from_json(data: dict[str, Any]) -> LetterDocument:
    sender = {key: value for key, value in data["sender"].items() if key != "return_line"}
    blocks: list[Paragraph | Table] = []
    for block in data["blocks"]:
        if block["kind"] == "paragraph":
            blocks.append(Paragraph(block["text"], block["bold"]))
        else:
            blocks.append(
                Table(
                    tuple(Column(**column) for column in block["columns"]),
                    tuple(tuple(row) for row in block["rows"]),
                    tuple(tuple(row) for row in block["totals"]),
                )
            )
    return LetterDocument(
        sender=Sender(**sender),
        recipient=tuple(data["recipient"]),
        subject=data["subject"],
        date=datetime.date.fromisoformat(data["date"]),
        blocks=tuple(blocks),
        references=tuple((label, value) for label, value in data["references"]),
        endorsement=tuple(data["endorsement"]),
        title=data["title"],
        letter_number=data["letter_number"],
        extra_meta=dict(data["extra_meta"]),
    )


def printed_texts(data: dict[str, Any]) -> Iterator[str]:
    """Every text of the letter that each engine must print (the input of the text check)."""
    yield from data["recipient"]
    yield from data["endorsement"]
    yield data["subject"]
    yield data["date_text"]
    for pair in data["references"]:
        yield from pair
    for block in data["blocks"]:
        if block["kind"] == "paragraph":
            yield block["text"]
        else:
            yield from (column["title"] for column in block["columns"])
            for row in (*block["rows"], *block["totals"]):
                yield from row
    yield from (value for key, value in data["sender"].items() if key != "return_line")


# --- the engines: each child process renders every letter with one of them -------------

# A prepared letter (what the engine takes) -> PDF bytes. Preparing is not timed.
Prepare = Callable[[dict[str, Any]], Any]
Render = Callable[[Any], bytes]


def _ours() -> tuple[str, Prepare, Render]:
    from reportlab import Version

    from kc.letters.pdf import render_letter

    return f"ReportLab {Version}", letter_from_json, render_letter


def _typst() -> tuple[str, Prepare, Render]:
    typst = importlib.import_module("typst")
    compiler = typst.Compiler(
        str(PEER_DIR / "letter.typ"), font_paths=[str(FONT_DIR)], ignore_system_fonts=True
    )

    def render(data: dict[str, Any]) -> bytes:
        letter = json.dumps(data, ensure_ascii=False)
        pdf: bytes = compiler.compile(sys_inputs={"letter": letter}, format="pdf")
        return pdf

    return f"typst {_version('typst')}", dict, render


def _weasyprint() -> tuple[str, Prepare, Render]:
    jinja2 = importlib.import_module("jinja2")
    weasyprint = importlib.import_module("weasyprint")
    fonts = importlib.import_module("weasyprint.text.fonts")
    template = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PEER_DIR), autoescape=True
    ).get_template("letter.html")
    font_config = fonts.FontConfiguration()
    css = weasyprint.CSS(filename=str(PEER_DIR / "letter.css"), font_config=font_config)
    base_url = f"{PEER_DIR}/"

    def render(data: dict[str, Any]) -> bytes:
        html = weasyprint.HTML(string=template.render(letter=data), base_url=base_url)
        pdf: bytes = html.write_pdf(stylesheets=[css], font_config=font_config)
        return pdf

    version = f"WeasyPrint {weasyprint.__version__} (Jinja2 {jinja2.__version__})"
    return version, dict, render


ENGINES: dict[str, Callable[[], tuple[str, Prepare, Render]]] = {
    "ours": _ours,
    "typst": _typst,
    "weasyprint": _weasyprint,
}


def _version(distribution: str) -> str:
    from importlib.metadata import version

    return version(distribution)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pin_to_one_core() -> int:
    """Run this process (and its threads) on one CPU, the last one it may use."""
    cpu = max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def run_engine(engine: str, work: Path) -> dict[str, Any]:
    """Render every letter of work/letters.json to work/<engine>/NNNNN.pdf (the child's job)."""
    cpu = pin_to_one_core()
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    version, prepare, render = ENGINES[engine]()
    letters = json.loads((work / "letters.json").read_text(encoding="utf-8"))
    prepared = [prepare(data) for data in letters]
    setup = time.perf_counter() - start
    out = work / engine
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    rss_before = _rss_mb()
    times: list[float | None] = []
    cpu_times: list[float | None] = []
    failures: list[str] = []
    wall = time.perf_counter()
    for index, letter in enumerate(prepared):
        try:
            begin, begin_cpu = time.perf_counter(), time.process_time()
            pdf = render(letter)
            times.append(time.perf_counter() - begin)
            cpu_times.append(time.process_time() - begin_cpu)
        except Exception as error:  # noqa: BLE001 (a failing letter is a figure, not a crash)
            times.append(None)
            cpu_times.append(None)
            failures.append(f"letter {index}: {type(error).__name__}: {error}"[:300])
            continue
        (out / f"{index:05d}.pdf").write_bytes(pdf)
        if (index + 1) % 250 == 0:
            print(f"    {engine}: {index + 1:,}/{len(prepared):,} letters", file=sys.stderr)
    return {
        "engine": engine,
        "version": version,
        "cpu": cpu,
        "setup_s": setup,
        "wall_s": time.perf_counter() - wall,
        "times": times,
        "cpu_times": cpu_times,
        "failures": failures,
        "rss_before_mb": rss_before,
        "rss_peak_mb": _rss_mb(),
        "load": [load_before, os.getloadavg()[0]],
    }


def run_merge(work: Path) -> dict[str, Any]:
    """Merge work/ours/*.pdf into one PDF for the print room with pypdf (the child's job)."""
    from pypdf import PdfWriter
    from pypdf import __version__ as pypdf_version

    cpu = pin_to_one_core()
    files = sorted((work / "ours").glob("*.pdf"))
    target = work / "ours-merged.pdf"
    start = time.perf_counter()
    writer = PdfWriter()
    for path in files:
        writer.append(path)
    with target.open("wb") as stream:
        writer.write(stream)
    seconds = time.perf_counter() - start
    return {
        "version": f"pypdf {pypdf_version}",
        "cpu": cpu,
        "files": len(files),
        "pages": len(writer.pages),
        "seconds": seconds,
        "bytes_in": sum(path.stat().st_size for path in files),
        "bytes_out": target.stat().st_size,
        "rss_peak_mb": _rss_mb(),
    }


# --- the peers' throwaway venv ------------------------------------------------------------


def _run(command: list[str], timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, timeout=timeout, check=False
    )


def _tail(text: str, limit: int = 600) -> str:
    return " | ".join(text.strip().splitlines())[-limit:]


def peer_python() -> Path:
    return PEER_VENV / "bin" / "python"


def _venv_from_our_python() -> bool:
    config = PEER_VENV / "pyvenv.cfg"
    if not peer_python().exists() or not config.exists():
        return False
    wanted = f"version = {sys.version_info.major}.{sys.version_info.minor}."
    wanted += f"{sys.version_info.micro}"
    return any(line.strip() == wanted for line in config.read_text().splitlines())


def ensure_peer_venv() -> str | None:
    """None when var/bench-peers/letters-venv exists (made from this Python), else why not."""
    if _venv_from_our_python():
        return None
    shutil.rmtree(PEER_VENV, ignore_errors=True)
    PEER_ROOT.mkdir(parents=True, exist_ok=True)
    # From inside .venv, `-m venv` bases the new venv on the interpreter .venv was made from.
    made = _run([sys.executable, "-m", "venv", str(PEER_VENV)])
    if made.returncode != 0:
        return f"python -m venv failed: {_tail(made.stderr)}"
    return None


def _installed(requirements: tuple[str, ...]) -> bool:
    probe = "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))"
    for requirement in requirements:
        name, _, pinned = requirement.partition("==")
        shown = _run([str(peer_python()), "-c", probe, name], timeout=60)
        if shown.stdout.strip() != pinned:
            return False
    return True


def _pango_missing() -> list[str]:
    import ctypes.util

    libraries = {"libpango-1.0-0": "pango-1.0", "libpangoft2-1.0-0": "pangoft2-1.0"}
    return [package for package, lib in libraries.items() if not ctypes.util.find_library(lib)]


def ensure_pango() -> str | None:
    """None when Pango is there (installing it from Debian when root), else why not."""
    missing = _pango_missing()
    if not missing:
        return None
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return f"needs Debian's {' '.join(missing)} (apt-get install, as root)"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    command = ["apt-get", "install", "-y", "-q", *PANGO_PACKAGES]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if done.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env, check=False)  # noqa: S607
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if done.returncode != 0 or _pango_missing():
        return f"apt-get install {' '.join(PANGO_PACKAGES)} failed: {_tail(done.stderr)}"
    print(f"  installed {' '.join(PANGO_PACKAGES)} with apt-get")
    return None


def install_peer(engine: str) -> str | None:
    """None when the pinned engine is importable in the peer venv, else why not."""
    why = ensure_peer_venv()
    if why:
        return why
    if engine == "weasyprint":
        why = ensure_pango()
        if why:
            return why
    requirements = PEER_PINS[engine][1]
    if not _installed(requirements):
        pip = [str(PEER_VENV / "bin" / "pip"), "install", "-q", "--disable-pip-version-check"]
        done = _run([*pip, *requirements])
        if done.returncode != 0:
            return f"pip install {' '.join(requirements)} failed: {_tail(done.stderr)}"
    module = "weasyprint" if engine == "weasyprint" else "typst"
    imported = _run([str(peer_python()), "-c", f"import {module}"], timeout=120)
    if imported.returncode != 0:
        return f"import {module} failed: {_tail(imported.stderr)}"
    return None


# --- what the PDFs say: pdfplumber and pypdf over a sample ---------------------------------

PT_PER_MM = 72 / 25.4
LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
MARK_TOLERANCE_MM = 0.3
MARKS_MM = (105.0, 148.5, 210.0)


@dataclass
class Fidelity:
    address: tuple[float, float] | None = None  # first recipient line: x0, top in mm
    address_ok: bool = False
    marks_ok: bool = False
    mark_offsets: list[float] = field(default_factory=list)  # mm, worst page per mark
    pages: int = 0
    fonts: list[str] = field(default_factory=list)  # BaseFont without subset tag
    fonts_missing: list[str] = field(default_factory=list)  # not embedded
    missing_text: str = ""  # characters of the input not found in the extracted text


def page_count(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def _locate(chars: list[dict[str, Any]], target: str) -> tuple[float, float] | None:
    """x0 and top (mm) of the first line of text that spells `target`, spaces ignored."""
    want = "".join(LIGATURES.get(ch, ch) for ch in target if not ch.isspace())
    glyphs = sorted(
        (c for c in chars if c["text"].strip()), key=lambda c: (round(c["top"], 1), c["x0"])
    )
    lines: list[list[dict[str, Any]]] = []
    for glyph in glyphs:
        if lines and abs(glyph["top"] - lines[-1][0]["top"]) <= 1.0:
            lines[-1].append(glyph)
        else:
            lines.append([glyph])
    for line in lines:
        line.sort(key=lambda c: c["x0"])
        texts = [LIGATURES.get(c["text"], c["text"]) for c in line]
        joined = "".join(texts)
        at = joined.find(want)
        if at < 0:
            continue
        offset, first = 0, 0
        while offset < at:
            offset += len(texts[first])
            first += 1
        hit = line[first:]
        return hit[0]["x0"] / PT_PER_MM, min(c["top"] for c in hit[:3]) / PT_PER_MM
    return None


def _mark_tops(page: Any) -> list[float]:
    """Centre lines (mm from the top) of short horizontal strokes in the left margin."""
    tops = []
    for shape in (*page.lines, *page.rects):
        width = (shape["x1"] - shape["x0"]) / PT_PER_MM
        height = (shape["bottom"] - shape["top"]) / PT_PER_MM
        if shape["x1"] / PT_PER_MM <= 15 and width >= 3 and height <= 1:
            tops.append((shape["top"] + shape["bottom"]) / 2 / PT_PER_MM)
    return tops


def _fonts(path: Path) -> tuple[list[str], list[str]]:
    """Every font's name and those without an embedded font file (FontFile, 2 or 3)."""
    from pypdf import PdfReader

    names: set[str] = set()
    missing: set[str] = set()
    seen: set[int] = set()  # form XObjects visited

    def check(font: Any) -> None:
        name = str(font.get("/BaseFont", font.get("/Name", "?"))).lstrip("/")
        name = name.split("+", 1)[1] if name[6:7] == "+" else name
        names.add(name)
        if font.get("/Subtype") == "/Type3":
            return  # glyphs are drawn by the font's own content streams
        if font.get("/Subtype") == "/Type0":
            font = font["/DescendantFonts"].get_object()[0].get_object()
        descriptor = font.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else {}
        if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
            missing.add(name)

    def visit(resources: Any) -> None:
        if resources is None:
            return
        resources = resources.get_object()
        for ref in (resources.get("/Font") or {}).values():
            check(ref.get_object())
        for ref in (resources.get("/XObject") or {}).values():
            xobject = ref.get_object()
            if xobject.get("/Subtype") == "/Form" and id(xobject) not in seen:
                seen.add(id(xobject))
                visit(xobject.get("/Resources"))

    for page in PdfReader(path).pages:
        visit(page.get("/Resources"))
    return sorted(names), sorted(missing)


def missing_characters(data: dict[str, Any], extracted: str) -> str:
    """Characters of the input that the extracted text has fewer of (spaces aside)."""
    text = "".join(LIGATURES.get(ch, ch) for ch in extracted)
    need = Counter(ch for part in printed_texts(data) for ch in part if not ch.isspace())
    have = Counter(ch for ch in text if not ch.isspace())
    return "".join(sorted(ch for ch, count in need.items() if have[ch] < count))


def check_letter(path: Path, data: dict[str, Any]) -> Fidelity:
    import pdfplumber

    result = Fidelity()
    offsets = dict.fromkeys(MARKS_MM, 0.0)
    marks_ok = True
    texts = []
    with pdfplumber.open(path) as pdf:
        result.pages = len(pdf.pages)
        for number, page in enumerate(pdf.pages):
            if number == 0:
                result.address = _locate(page.chars, data["recipient"][0])
            tops = _mark_tops(page)
            for mark in MARKS_MM:
                offset = min((abs(top - mark) for top in tops), default=99.0)
                offsets[mark] = max(offsets[mark], offset)
                marks_ok &= offset <= MARK_TOLERANCE_MM
            texts.append(page.extract_text() or "")
    if result.address:
        x, top = result.address
        result.address_ok = 20 <= x <= 105 and 45 + 17.7 <= top <= 90
    result.marks_ok = marks_ok
    result.mark_offsets = [offsets[mark] for mark in MARKS_MM]
    result.fonts, result.fonts_missing = _fonts(path)
    result.missing_text = missing_characters(data, "\n".join(texts))
    return result
