"""Writes the sample legacy export in kc/imports/tests/data/export/ (run once, files kept):
`.venv/bin/python -m kc.imports.tests.make_sample`. Realistic rows of a small municipal
utility with deliberate bad rows; kunden.csv is Windows-1252, zaehlerstaende.csv uses
commas, the rest is UTF-8 with BOM and semicolons."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from kc.core.validators import malo_check_digit
from kc.imports import formats

OUT = Path(__file__).parent / "data" / "export"
PREFIX = {"strom": "ESY", "gas": "GAS", "wasser": "WAS"}
TARIFFS = {"strom": "strom-basis", "gas": "gas-komfort", "wasser": "wasser-standard"}
# Valid test IBANs (German check methods hold), as the payments tests use them.
IBANS = ["DE89370400440532013000", "DE02120300000000202051", "DE02100500000024290661"]
STREETS = ["Hauptstraße", "Bahnhofstraße", "Schulweg", "Am Markt", "Lindenallee", "Kirchgasse"]
FIRST = ["Anna", "Jörg", "Müge", "Peter", "Renate", "Lukas", "Sören", "Fatma", "Klaus", "Heike"]
LAST = ["Schmitz", "Müller", "Yilmaz", "Weiß", "Hoffmann", "Nowak", "Groß", "Becker", "Kaya"]


def malo(serial: int) -> str:
    first_ten = f"5{serial:09d}"
    return first_ten + str(malo_check_digit(first_ten))


def customers() -> list[dict[str, str]]:
    rows = []
    for n in range(1, 31):
        rows.append(
            {
                "kunde": f"K{1000 + n}",
                "art": "Person",
                "anrede": "Frau" if n % 2 else "Herr",
                "vorname": FIRST[n % len(FIRST)],
                "nachname": LAST[n % len(LAST)],
                "firma": "",
                "strasse": STREETS[n % len(STREETS)],
                "hausnummer": str(n),
                "plz": "50667" if n % 3 else "51103",
                "ort": "Köln",
                "geburtsdatum": f"{(n % 28) + 1:02d}.0{(n % 9) + 1}.19{50 + n}",
                "email": f"kunde{n}@example.org" if n % 4 else "",
                "telefon": "0221 12345" + str(n % 10),
                "versandweg": "E-Mail" if n % 4 else "Post",
                "werbung_email": "ja" if n % 5 == 0 else "nein",
                "umfragen": "j" if n % 7 == 0 else "",
            }
        )
    rows[24] |= {
        "art": "Organisation",
        "anrede": "Firma",
        "vorname": "",
        "nachname": "",
        "firma": "Stadtbäckerei Müller GmbH",
        "geburtsdatum": "",
    }
    rows[4]["plz"] = "4711"  # K1005: no German postal code
    rows[7]["nachname"] = ""  # K1008: no name
    rows[14]["geburtsdatum"] = "31.02.1980"  # K1015: no such day
    rows[19]["nachname"] = '=HYPERLINK("http://evil.example";"Klick")'  # stored as text
    rows[26]["email"] = "kein-at-zeichen"  # K1027
    rows.insert(12, dict(rows[2]))  # K1003 a second time
    return rows


def accounts() -> list[dict[str, str]]:
    rows = []
    for n in range(1, 31):
        debit = n % 3 != 0
        rows.append(
            {
                "konto": f"VK{1000 + n}",
                "kunde": f"K{1000 + n}",
                "zahlweise": "Lastschrift" if debit else "Überweisung",
                "iban": IBANS[n % 3] if debit else "",
                "bic": "",
                "kontoinhaber": f"{FIRST[n % len(FIRST)]} {LAST[n % len(LAST)]}" if debit else "",
            }
        )
    for index in (0, 1):  # SEPA mandates from the legacy system continue
        rows[index] |= {
            "mandatsreferenz": f"ALT-M-{1001 + index}",
            "mandat_datum": "15.03.2019",
            "mandat_zuletzt_genutzt": "02.11.2026",
        }
    rows[9]["iban"] = "DE89370400440532013001"  # VK1010: wrong check digits
    rows[10]["zahlweise"] = "Lastschrift"  # VK1011: direct debit without IBAN
    rows[10]["iban"] = ""
    rows.append(
        {
            "konto": "VK1099",
            "kunde": "K9999",
            "zahlweise": "Überweisung",
            "iban": "",
            "bic": "",
            "kontoinhaber": "",
        }
    )  # unknown customer
    return rows


def contracts() -> list[dict[str, str]]:
    rows = []
    for n in range(1, 31):
        division = ["strom", "gas", "wasser"][n % 3]
        rows.append(
            {
                "vertrag": f"V{1000 + n}",
                "konto": f"VK{1000 + n}",
                "sparte": division.capitalize(),
                "malo_id": malo(n),
                "tarif": TARIFFS[division],
                "beginn": f"01.0{(n % 9) + 1}.2023",
                "ende": "31.12.2025" if n == 29 else "",
                "strasse": STREETS[n % len(STREETS)],
                "hausnummer": str(n),
                "plz": "50667",
                "ort": "Köln",
                "lage": "Keller" if n % 2 else "",
                "netzgebiet": "KOELN-H" if division == "gas" else "",
            }
        )
    rows[1]["tarif"] = "strom-alt-2019"  # V1002: unknown tariff
    rows[3]["malo_id"] = malo(4)[:10] + str((int(malo(4)[10]) + 1) % 10)  # bad check digit
    rows[5]["beginn"] = "2023-13-01"  # V1006: no such month
    return rows


def meters() -> list[dict[str, str]]:
    rows = []
    for n in range(1, 31):
        division = ["strom", "gas", "wasser"][n % 3]
        unit = "kWh" if division == "strom" else "m3"
        base = {
            "zaehler": f"Z{1000 + n}",
            "zaehlernummer": f"1{PREFIX[division]}{700000 + n}",
            "vertrag": f"V{1000 + n}",
            "bauart": "modern" if division == "strom" else "konventionell",
            "eingebaut_am": "15.03.2020",
            "einheit": unit,
            "vorkommastellen": "6" if division != "wasser" else "5",
            "zustandszahl": "0,9531" if division == "gas" else "",
        }
        obis = {"strom": "1-1:1.8.0", "gas": "7-1:3.0.0", "wasser": "8-1:1.0.0"}[division]
        if division == "strom" and n % 2 == 0:  # double-tariff meters: HT and NT
            rows.append(
                base | {"zaehlwerk": f"ZW{1000 + n}-1", "obis": "1-1:1.8.1", "bezeichnung": "HT"}
            )
            rows.append(
                base | {"zaehlwerk": f"ZW{1000 + n}-2", "obis": "1-1:1.8.2", "bezeichnung": "NT"}
            )
        else:
            rows.append(base | {"zaehlwerk": f"ZW{1000 + n}-1", "obis": obis, "bezeichnung": ""})
    by_key = {row["zaehlwerk"]: row for row in rows}
    by_key["ZW1013-1"]["zustandszahl"] = ""  # gas without Zustandszahl
    by_key["ZW1017-1"]["vorkommastellen"] = "sechs"
    return rows


def readings(meter_rows: list[dict[str, str]]) -> list[dict[str, str]]:
    rows = []
    for index, meter in enumerate(meter_rows):
        register = meter["zaehlwerk"]
        first = 1000 + index * 37
        for year, value in ((2025, first), (2026, first + 2345)):
            rows.append(
                {
                    "ablesung": f"A-{register}-{year}",
                    "zaehlwerk": register,
                    "datum": f"01.01.{year}",
                    "stand": f"{value}".replace(".", ","),
                    "anlass": "Turnus",
                    "quelle": "Ableser",
                    "geschaetzt": "nein",
                    "schaetzgrund": "",
                }
            )
    rows.append(
        {
            "ablesung": "A-X1",
            "zaehlwerk": "ZW1001-1",
            "datum": "01.06.2026",
            "stand": "1234567",
            "anlass": "Zwischen",
            "quelle": "Kunde",
            "geschaetzt": "",
            "schaetzgrund": "",
        }
    )  # 7 digits on a 6-digit register
    rows.append(
        {
            "ablesung": "A-X2",
            "zaehlwerk": "ZW1001-1",
            "datum": "01.07.2026",
            "stand": "500,5",
            "anlass": "Zwischen",
            "quelle": "Kunde",
            "geschaetzt": "",
            "schaetzgrund": "",
        }
    )  # lower than the reading before
    rows.append(
        {
            "ablesung": "A-X3",
            "zaehlwerk": "ZW1001-1",
            "datum": "01.01.2099",
            "stand": "9999",
            "anlass": "Kontrolle",
            "quelle": "Ableser",
            "geschaetzt": "",
            "schaetzgrund": "",
        }
    )  # in the future
    rows.append(
        {
            "ablesung": "A-X4",
            "zaehlwerk": "ZW1003-1",
            "datum": "01.08.2026",
            "stand": "4000",
            "anlass": "Zwischen",
            "quelle": "Versorger",
            "geschaetzt": "ja",
            "schaetzgrund": "",
        }
    )  # estimate without a reason
    rows.append(
        {
            "ablesung": "A-X5",
            "zaehlwerk": "ZW1003-1",
            "datum": "01.09.2026",
            "stand": "4100,25",
            "anlass": "Zwischen",
            "quelle": "Versorger",
            "geschaetzt": "ja",
            "schaetzgrund": "Kein Zugang zum Zähler",
        }
    )  # fine
    rows.append(
        {
            "ablesung": "A-X6",
            "zaehlwerk": "ZW9999-1",
            "datum": "01.09.2026",
            "stand": "1",
            "anlass": "Zwischen",
            "quelle": "Kunde",
            "geschaetzt": "",
            "schaetzgrund": "",
        }
    )  # unknown register
    return rows


def open_items() -> list[dict[str, str]]:
    rows = []
    for n in range(1, 31):
        rows.append(
            {
                "posten": f"OP{5000 + n}",
                "konto": f"VK{1000 + n}",
                "vertrag": f"V{1000 + n}" if n % 2 else "",
                "belegnummer": f"R2026-{n:05d}",
                "art": "Rechnung" if n % 4 else "Abschlag",
                "buchungsdatum": "01.10.2026",
                "faellig_am": "15.10.2026",
                "betrag": f"{n * 17},{n % 10}0" if n != 12 else "1.234,56",
                "text": "",
            }
        )
    rows[20]["betrag"] = "12.5"  # OP5021: dot as decimal separator
    rows[21] |= {"art": "Gutschrift", "betrag": "25,00"}  # OP5022: credit must be negative
    rows[22] |= {"art": "Gutschrift", "betrag": "-25,00", "text": "Bonus Altsystem"}
    rows[23]["faellig_am"] = "morgen"  # OP5024
    rows.append(
        {
            "posten": "OP5999",
            "konto": "VK0000",
            "vertrag": "",
            "belegnummer": "R1",
            "art": "Rechnung",
            "buchungsdatum": "",
            "faellig_am": "01.11.2026",
            "betrag": "10,00",
            "text": "",
        }
    )  # unknown account
    return rows


def render(fmt: formats.FileFormat, rows: list[dict[str, str]], delimiter: str = ";") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(fmt.columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in fmt.columns])
    return out.getvalue()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    meter_rows = meters()
    (OUT / "kunden.csv").write_bytes(render(formats.CUSTOMERS, customers()).encode("cp1252"))
    utf8 = {
        formats.ACCOUNTS: (accounts(), ";"),
        formats.CONTRACTS: (contracts(), ";"),
        formats.METERS: (meter_rows, ";"),
        formats.READINGS: (readings(meter_rows), ","),
        formats.OPEN_ITEMS: (open_items(), ";"),
    }
    for fmt, (rows, delimiter) in utf8.items():
        (OUT / fmt.name).write_bytes(b"\xef\xbb\xbf" + render(fmt, rows, delimiter).encode())


if __name__ == "__main__":
    main()
