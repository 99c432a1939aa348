"""SEPA files: pain.008.001.08 direct debits and pain.001.001.09 transfers, and their XSD check.

Pure Python and lxml, no Django: a benchmark or a worker can import this without settings.

Files are streamed with `lxml.etree.xmlfile`, so memory stays flat however many transactions a
group yields. The group header needs NbOfTxs and CtrlSum before the first transaction, so each
group declares its count and total up front; the writer counts and sums what the iterables really
yield and raises `SepaFileError` when that differs (the half-written file is then unusable and
the caller deletes it).

Every transaction is written from a small element tree per shape (with or without BIC,
remittance, amendment details) whose leaf texts are replaced before each write: building ~20
elements per transaction costs several times as much as serialising them.

The tags are written without a namespace inside a root that declares the message namespace as
the default one, so every element of the file is in that namespace without a prefix (what banks
expect) and without the declaration repeated per transaction.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal

from lxml import etree

Message = Literal["pain.008.001.08", "pain.001.001.09"]
SequenceType = Literal["RCUR", "OOFF", "FRST", "FNAL"]
Instrument = Literal["CORE", "B2B"]

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
NAMESPACES: dict[str, str] = {
    "pain.008.001.08": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08",
    "pain.001.001.09": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09",
}

# EPC limits: party names 70 characters (ISO allows 140), unstructured remittance 140,
# identifiers 35, amounts 0.01 to 999,999,999.99 EUR.
NAME_MAX = 70
REMITTANCE_MAX = 140
ID_MAX = 35
AMOUNT_MIN_CENTS = 1
AMOUNT_MAX_CENTS = 99_999_999_999
NOT_PROVIDED = "NOTPROVIDED"

# The SEPA basic Latin character set every bank must accept (EPC "SEPA requirements for an
# extended character set", the common subset; DK Anlage 3 uses the same set for identifiers).
SEPA_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ "
_SEPA_TEXT = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]*")
_NOT_SEPA = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_BIC = re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
_CREDITOR_ID = re.compile(r"([A-Z]{2})([0-9]{2})[A-Z0-9]{3}([A-Z0-9]{1,28})")

# German spelling, done with str.replace: str.translate with a dict costs ten times as much.
_GERMAN = (
    ("ä", "ae"),
    ("ö", "oe"),
    ("ü", "ue"),
    ("Ä", "Ae"),
    ("Ö", "Oe"),
    ("Ü", "Ue"),
    ("ß", "ss"),
    ("ẞ", "SS"),
    ("&", "+"),
)
# For what is left outside ASCII: letters NFKD cannot take apart and typographic punctuation
# with a plain counterpart in the set.
_TRANSLITERATION = str.maketrans(
    {
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "Ø": "O",
        "ø": "o",
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Þ": "TH",
        "þ": "th",
        "‘": "'",
        "’": "'",
        "‚": "'",
        "´": "'",
        "`": "'",
        "–": "-",
        "—": "-",
        "‐": "-",
    }
)
# A capital umlaut next to another capital is spelt in capitals: "MÜLLER" -> "MUELLER".
_CAPITAL_UMLAUT = re.compile(r"[ÄÖÜ](?=[A-ZÄÖÜẞ])|(?<=[A-ZÄÖÜẞ])[ÄÖÜ]")
_CAPITAL_SPELLING = {"Ä": "AE", "Ö": "OE", "Ü": "UE"}
# Letters as numbers for ISO 7064 MOD 97-10 (A=10 ... Z=35).
_MOD97_DIGITS = str.maketrans({chr(code): str(code - 55) for code in range(65, 91)})


class SepaFileError(ValueError):
    """The data cannot make a valid SEPA file, or a file is not one (message in German)."""


@dataclass(frozen=True, slots=True)
class Creditor:
    name: str
    iban: str
    bic: str
    creditor_id: str


@dataclass(frozen=True, slots=True)
class DirectDebit:
    end_to_end_id: str
    amount_cents: int
    mandate_reference: str
    mandate_signed_on: date
    debtor_name: str
    debtor_iban: str
    debtor_bic: str
    remittance: str
    # Mandate amendments since the last collection (empty/False: unchanged).
    original_mandate_reference: str = ""
    original_debtor_iban: str = ""
    debtor_agent_changed: bool = False


@dataclass(frozen=True, slots=True)
class DebitGroup:
    payment_info_id: str
    collection_date: date
    sequence: SequenceType
    instrument: Instrument
    count: int
    total_cents: int
    debits: Callable[[], Iterable[DirectDebit]]


@dataclass(frozen=True, slots=True)
class Debtor:
    name: str
    iban: str
    bic: str


@dataclass(frozen=True, slots=True)
class CreditTransfer:
    end_to_end_id: str
    amount_cents: int
    creditor_name: str
    creditor_iban: str
    creditor_bic: str
    remittance: str


@dataclass(frozen=True, slots=True)
class TransferGroup:
    payment_info_id: str
    execution_date: date
    count: int
    total_cents: int
    transfers: Callable[[], Iterable[CreditTransfer]]


@dataclass(frozen=True, slots=True)
class GroupSummary:
    payment_info_id: str
    count: int
    total_cents: int


@dataclass(frozen=True, slots=True)
class FileSummary:
    message_id: str
    count: int
    total_cents: int
    groups: tuple[GroupSummary, ...]


# --- text and identifiers -------------------------------------------------------------------


def sepa_text(value: str, max_length: int) -> str:
    """`value` in the SEPA basic Latin set: umlauts spelt out, accents dropped, & as +, any other
    character a space, runs of spaces as one, cut to `max_length` (may return "")."""
    text = value
    if not text.isascii():
        if "Ä" in text or "Ö" in text or "Ü" in text:
            text = _CAPITAL_UMLAUT.sub(lambda match: _CAPITAL_SPELLING[match[0]], text)
        for umlaut, spelling in _GERMAN:
            if umlaut in text:
                text = text.replace(umlaut, spelling)
    elif "&" in text:
        text = text.replace("&", "+")
    # Most names and texts are in the set once the umlauts are spelt out.
    if _SEPA_TEXT.fullmatch(text) and "  " not in text:
        return text.strip()[:max_length].rstrip()
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATION))
        text = "".join(char for char in decomposed if not unicodedata.combining(char))
    text = " ".join(_NOT_SEPA.sub(" ", text).split())
    return text[:max_length].rstrip()


def sepa_id_problem(value: str) -> str | None:
    """Why `value` cannot be a SEPA identifier (message, payment, end-to-end or mandate id), or
    None. EPC implementation guidelines and DK Anlage 3: 1-35 characters of the basic Latin set,
    not starting with a space, not starting or ending with "/" and without "//"."""
    if not value:
        return "ist leer"
    if len(value) > ID_MAX:
        return f"ist {len(value)} Zeichen lang (höchstens {ID_MAX})"
    if not _SEPA_TEXT.fullmatch(value):
        bad = "".join(dict.fromkeys(_NOT_SEPA.findall(value)))
        return f"enthält nicht erlaubte Zeichen: {', '.join(bad)}"
    if value[0] == " " or value[-1] == " ":
        return "beginnt oder endet mit einem Leerzeichen"
    if value[0] == "/" or value[-1] == "/" or "//" in value:
        return "beginnt oder endet mit „/“ oder enthält „//“"
    return None


def mod97_check_digits(body: str, country: str) -> str:
    """ISO 7064 MOD 97-10 check digits over `body` + country + "00" (IBAN and creditor id)."""
    numeric = (body + country + "00").translate(_MOD97_DIGITS)
    return f"{98 - int(numeric) % 97:02d}"


def creditor_id_ok(value: str) -> bool:
    """A normalised creditor identifier with matching check digits (business code ignored;
    a German national part is exactly 11 digits)."""
    match = _CREDITOR_ID.fullmatch(value)
    if match is None:
        return False
    country, digits, national = match.groups()
    if country == "DE" and not (len(national) == 11 and national.isdigit()):
        return False
    return mod97_check_digits(national, country) == digits


def iban_ok(value: str) -> bool:
    """Structure and ISO 13616 check digits only; national rules are identifiers.validate_iban's."""
    if _IBAN.fullmatch(value) is None:
        return False
    bban = value[4:]
    if bban.isdigit():  # German and most other IBANs: only the country is letters
        numeric = f"{bban}{ord(value[0]) - 55}{ord(value[1]) - 55}{value[2:4]}"
    else:
        numeric = (bban + value[:4]).translate(_MOD97_DIGITS)
    return int(numeric) % 97 == 1


def format_cents(cents: int) -> str:
    """Cents as the decimal string of a SEPA amount ("0.01", "999999999.99"), without float."""
    if type(cents) is not int or not AMOUNT_MIN_CENTS <= cents <= AMOUNT_MAX_CENTS:
        raise SepaFileError(
            f"Betrag {cents!r} Cent liegt nicht zwischen 0,01 und 999.999.999,99 EUR."
        )
    return f"{cents // 100}.{cents % 100:02d}"


def _sum_text(cents: int) -> str:
    # Control sums may exceed the single-amount limit.
    return f"{cents // 100}.{cents % 100:02d}"


# The checks run per transaction: messages are only put together when one fails.


def _error(context: str, label: str, value: str, problem: str) -> SepaFileError:
    return SepaFileError(
        f"{context}: {label} „{value}“ {problem}." if context else f"{label} „{value}“ {problem}."
    )


def _check_id(value: str, label: str, context: str = "") -> str:
    problem = sepa_id_problem(value)
    if problem is not None:
        raise _error(context, label, value, problem)
    return value


def _check_iban(value: str, label: str, context: str = "") -> str:
    if not iban_ok(value):
        raise _error(context, label, value, "ist keine gültige IBAN")
    return value


def _check_bic(value: str, label: str, context: str = "") -> str:
    if value and _BIC.fullmatch(value) is None:
        raise _error(context, label, value, "ist keine gültige BIC")
    return value


def _name(value: str, label: str, context: str = "") -> str:
    text = sepa_text(value, NAME_MAX)
    if not text:
        raise _error(context, label, value, "ergibt im SEPA-Zeichensatz keinen Text")
    return text


def _check_group(payment_info_id: str, count: int, total_cents: int) -> None:
    _check_id(payment_info_id, "Die Sammler-Referenz (PmtInfId)")
    if type(count) is not int or count < 1:
        raise SepaFileError(f"Gruppe {payment_info_id}: Anzahl {count!r} ist nicht positiv.")
    if type(total_cents) is not int or total_cents < count:
        raise SepaFileError(
            f"Gruppe {payment_info_id}: Summe {total_cents!r} Cent passt nicht zu {count} Posten."
        )


def _check_yield(payment_info_id: str, group: tuple[int, int], seen: tuple[int, int]) -> None:
    if group != seen:
        raise SepaFileError(
            f"Gruppe {payment_info_id}: angekündigt {group[0]} Posten über "
            f"{_sum_text(group[1])} EUR, geliefert {seen[0]} über {_sum_text(seen[1])} EUR; "
            f"die Datei ist unbrauchbar."
        )


def _created(created_at: datetime) -> str:
    if created_at.tzinfo is None or created_at.utcoffset() is None:
        raise SepaFileError("Der Erstellungszeitpunkt braucht eine Zeitzone.")
    return created_at.isoformat(timespec="seconds")


# --- writing --------------------------------------------------------------------------------


def _leaf(xf: Any, tag: str, text: str, **attrs: str) -> None:
    with xf.element(tag, attrs):
        xf.write(text)


def _agent(xf: Any, tag: str, bic: str) -> None:
    with xf.element(tag), xf.element("FinInstnId"):
        if bic:
            _leaf(xf, "BICFI", bic)
        else:
            with xf.element("Othr"):
                _leaf(xf, "Id", NOT_PROVIDED)


def _party(xf: Any, tag: str, name: str) -> None:
    with xf.element(tag):
        _leaf(xf, "Nm", name)


def _account(xf: Any, tag: str, iban: str) -> None:
    with xf.element(tag), xf.element("Id"):
        _leaf(xf, "IBAN", iban)


def _group_header(
    xf: Any, message_id: str, created: str, count: int, total: int, party: str
) -> None:
    with xf.element("GrpHdr"):
        _leaf(xf, "MsgId", message_id)
        _leaf(xf, "CreDtTm", created)
        _leaf(xf, "NbOfTxs", str(count))
        _leaf(xf, "CtrlSum", _sum_text(total))
        _party(xf, "InitgPty", party)
    xf.write("\n")


class _Shape:
    """One transaction layout: a reusable element tree and its leaves to fill, in order."""

    __slots__ = ("root", "slots")

    def __init__(self, tag: str) -> None:
        self.root: Any = etree.Element(tag)
        self.root.tail = "\n"  # a line per transaction: readable, and errors name the line
        self.slots: list[Any] = []

    def node(self, parent: Any, *path: str, **attrs: str) -> Any:
        element = parent
        for tag in path:
            element = etree.SubElement(element, tag, attrs if tag == path[-1] else {})
        return element

    def slot(self, parent: Any, *path: str, **attrs: str) -> None:
        self.slots.append(self.node(parent, *path, **attrs))

    def fixed(self, parent: Any, *path: str, text: str) -> None:
        self.node(parent, *path).text = text

    def fill(self, values: Sequence[str]) -> Any:
        for element, value in zip(self.slots, values, strict=True):
            element.text = value
        return self.root


# (debtor BIC known, remittance, new mandate reference, new IBAN at the same bank, new bank)
_DebitKey = tuple[bool, bool, bool, bool, bool]


def _debit_shape(key: _DebitKey) -> _Shape:
    has_bic, has_text, new_reference, new_iban, new_bank = key
    shape = _Shape("DrctDbtTxInf")
    root = shape.root
    shape.slot(root, "PmtId", "EndToEndId")
    shape.slot(root, "InstdAmt", Ccy="EUR")
    mandate = shape.node(root, "DrctDbtTx", "MndtRltdInf")
    shape.slot(mandate, "MndtId")
    shape.slot(mandate, "DtOfSgntr")
    amended = new_reference or new_iban or new_bank
    shape.fixed(mandate, "AmdmntInd", text="true" if amended else "false")
    if amended:
        details = shape.node(mandate, "AmdmntInfDtls")
        if new_reference:
            shape.slot(details, "OrgnlMndtId")
        if new_iban:
            shape.slot(details, "OrgnlDbtrAcct", "Id", "IBAN")
        if new_bank:
            shape.fixed(details, "OrgnlDbtrAgt", "FinInstnId", "Othr", "Id", text="SMNDA")
    if has_bic:
        shape.slot(root, "DbtrAgt", "FinInstnId", "BICFI")
    else:
        shape.fixed(root, "DbtrAgt", "FinInstnId", "Othr", "Id", text=NOT_PROVIDED)
    shape.slot(root, "Dbtr", "Nm")
    shape.slot(root, "DbtrAcct", "Id", "IBAN")
    if has_text:
        shape.slot(root, "RmtInf", "Ustrd")
    return shape


def _debit_values(debit: DirectDebit, collection_date: date) -> tuple[_DebitKey, list[str]]:
    """The shape and leaf texts of one debit, after checking every field."""
    e2e = _check_id(debit.end_to_end_id, "Die End-to-End-Referenz")
    values = [e2e, format_cents(debit.amount_cents)]
    values.append(_check_id(debit.mandate_reference, "Die Mandatsreferenz", e2e))
    if debit.mandate_signed_on > collection_date:
        raise SepaFileError(f"{e2e}: Das Mandat ist nach dem Einzugstag unterschrieben.")
    values.append(debit.mandate_signed_on.isoformat())
    original = debit.original_mandate_reference
    new_reference = bool(original) and original != debit.mandate_reference
    if new_reference:
        values.append(_check_id(original, "Die ursprüngliche Mandatsreferenz", e2e))
    # A move to another bank is signalled by SMNDA alone (EPC: the original account is only
    # given for a change within the same bank).
    new_bank = debit.debtor_agent_changed
    old_iban = debit.original_debtor_iban
    new_iban = not new_bank and bool(old_iban) and old_iban != debit.debtor_iban
    if new_iban:
        values.append(_check_iban(old_iban, "Die ursprüngliche IBAN", e2e))
    bic = _check_bic(debit.debtor_bic, "Die BIC", e2e)
    if bic:
        values.append(bic)
    values.append(_name(debit.debtor_name, "Der Name des Zahlungspflichtigen", e2e))
    values.append(_check_iban(debit.debtor_iban, "Die IBAN", e2e))
    text = sepa_text(debit.remittance, REMITTANCE_MAX)
    if text:
        values.append(text)
    return (bool(bic), bool(text), new_reference, new_iban, new_bank), values


def write_direct_debits(
    out: BinaryIO,
    *,
    message_id: str,
    created_at: datetime,
    initiating_party: str,
    creditor: Creditor,
    groups: Sequence[DebitGroup],
) -> FileSummary:
    """Stream a pain.008.001.08 file with one PmtInf per group into `out`.

    Raises SepaFileError for data no bank would take and when a group yields other transactions
    than it declared; `out` then holds a broken file that must not be sent."""
    _check_id(message_id, "Die Nachrichten-Referenz (MsgId)")
    created = _created(created_at)
    party = _name(initiating_party, "Der Einreicher")
    creditor_name = _name(creditor.name, "Der Name des Gläubigers")
    creditor_iban = _check_iban(creditor.iban, "Die IBAN des Gläubigers")
    creditor_bic = _check_bic(creditor.bic, "Die BIC des Gläubigers")
    if not creditor_id_ok(creditor.creditor_id):
        raise SepaFileError(f"Die Gläubiger-ID „{creditor.creditor_id}“ ist ungültig.")
    if not groups:
        raise SepaFileError("Eine Lastschriftdatei braucht mindestens eine Gruppe.")
    for group in groups:
        _check_group(group.payment_info_id, group.count, group.total_cents)
    count = sum(group.count for group in groups)
    total = sum(group.total_cents for group in groups)
    shapes: dict[_DebitKey, _Shape] = {}
    summaries = []
    with etree.xmlfile(out, encoding="UTF-8") as xf:
        xf.write_declaration()
        with (
            xf.element("Document", nsmap={None: NAMESPACES["pain.008.001.08"]}),
            xf.element("CstmrDrctDbtInitn"),
        ):
            _group_header(xf, message_id, created, count, total, party)
            for group in groups:
                with xf.element("PmtInf"):
                    _leaf(xf, "PmtInfId", group.payment_info_id)
                    _leaf(xf, "PmtMtd", "DD")
                    _leaf(xf, "NbOfTxs", str(group.count))
                    _leaf(xf, "CtrlSum", _sum_text(group.total_cents))
                    with xf.element("PmtTpInf"):
                        with xf.element("SvcLvl"):
                            _leaf(xf, "Cd", "SEPA")
                        with xf.element("LclInstrm"):
                            _leaf(xf, "Cd", group.instrument)
                        _leaf(xf, "SeqTp", group.sequence)
                    _leaf(xf, "ReqdColltnDt", group.collection_date.isoformat())
                    _party(xf, "Cdtr", creditor_name)
                    _account(xf, "CdtrAcct", creditor_iban)
                    _agent(xf, "CdtrAgt", creditor_bic)
                    _leaf(xf, "ChrgBr", "SLEV")
                    with (
                        xf.element("CdtrSchmeId"),
                        xf.element("Id"),
                        xf.element("PrvtId"),
                        xf.element("Othr"),
                    ):
                        _leaf(xf, "Id", creditor.creditor_id)
                        with xf.element("SchmeNm"):
                            _leaf(xf, "Prtry", "SEPA")
                    xf.write("\n")
                    seen, seen_cents = 0, 0
                    for debit in group.debits():
                        key, values = _debit_values(debit, group.collection_date)
                        shape = shapes.get(key)
                        if shape is None:
                            shape = shapes[key] = _debit_shape(key)
                        xf.write(shape.fill(values))
                        seen += 1
                        seen_cents += debit.amount_cents
                    _check_yield(
                        group.payment_info_id, (group.count, group.total_cents), (seen, seen_cents)
                    )
                xf.write("\n")
                summaries.append(GroupSummary(group.payment_info_id, seen, seen_cents))
    return FileSummary(message_id, count, total, tuple(summaries))


# (creditor BIC known, remittance)
_TransferKey = tuple[bool, bool]


def _transfer_shape(key: _TransferKey) -> _Shape:
    has_bic, has_text = key
    shape = _Shape("CdtTrfTxInf")
    root = shape.root
    shape.slot(root, "PmtId", "EndToEndId")
    shape.slot(root, "Amt", "InstdAmt", Ccy="EUR")
    if has_bic:
        shape.slot(root, "CdtrAgt", "FinInstnId", "BICFI")
    shape.slot(root, "Cdtr", "Nm")
    shape.slot(root, "CdtrAcct", "Id", "IBAN")
    if has_text:
        shape.slot(root, "RmtInf", "Ustrd")
    return shape


def _transfer_values(transfer: CreditTransfer) -> tuple[_TransferKey, list[str]]:
    e2e = _check_id(transfer.end_to_end_id, "Die End-to-End-Referenz")
    values = [e2e, format_cents(transfer.amount_cents)]
    bic = _check_bic(transfer.creditor_bic, "Die BIC", e2e)
    if bic:
        values.append(bic)
    values.append(_name(transfer.creditor_name, "Der Name des Empfängers", e2e))
    values.append(_check_iban(transfer.creditor_iban, "Die IBAN", e2e))
    text = sepa_text(transfer.remittance, REMITTANCE_MAX)
    if text:
        values.append(text)
    return (bool(bic), bool(text)), values


def write_credit_transfers(
    out: BinaryIO,
    *,
    message_id: str,
    created_at: datetime,
    initiating_party: str,
    debtor: Debtor,
    groups: Sequence[TransferGroup],
) -> FileSummary:
    """Stream a pain.001.001.09 file (payouts and refunds) with one PmtInf per group into `out`;
    errors as for `write_direct_debits`."""
    _check_id(message_id, "Die Nachrichten-Referenz (MsgId)")
    created = _created(created_at)
    party = _name(initiating_party, "Der Einreicher")
    debtor_name = _name(debtor.name, "Der Name des Auftraggebers")
    debtor_iban = _check_iban(debtor.iban, "Die IBAN des Auftraggebers")
    debtor_bic = _check_bic(debtor.bic, "Die BIC des Auftraggebers")
    if not groups:
        raise SepaFileError("Eine Überweisungsdatei braucht mindestens eine Gruppe.")
    for group in groups:
        _check_group(group.payment_info_id, group.count, group.total_cents)
    count = sum(group.count for group in groups)
    total = sum(group.total_cents for group in groups)
    shapes: dict[_TransferKey, _Shape] = {}
    summaries = []
    with etree.xmlfile(out, encoding="UTF-8") as xf:
        xf.write_declaration()
        with (
            xf.element("Document", nsmap={None: NAMESPACES["pain.001.001.09"]}),
            xf.element("CstmrCdtTrfInitn"),
        ):
            _group_header(xf, message_id, created, count, total, party)
            for group in groups:
                with xf.element("PmtInf"):
                    _leaf(xf, "PmtInfId", group.payment_info_id)
                    _leaf(xf, "PmtMtd", "TRF")
                    _leaf(xf, "NbOfTxs", str(group.count))
                    _leaf(xf, "CtrlSum", _sum_text(group.total_cents))
                    with xf.element("PmtTpInf"), xf.element("SvcLvl"):
                        _leaf(xf, "Cd", "SEPA")
                    with xf.element("ReqdExctnDt"):
                        _leaf(xf, "Dt", group.execution_date.isoformat())
                    _party(xf, "Dbtr", debtor_name)
                    _account(xf, "DbtrAcct", debtor_iban)
                    _agent(xf, "DbtrAgt", debtor_bic)
                    _leaf(xf, "ChrgBr", "SLEV")
                    xf.write("\n")
                    seen, seen_cents = 0, 0
                    for transfer in group.transfers():
                        key, values = _transfer_values(transfer)
                        shape = shapes.get(key)
                        if shape is None:
                            shape = shapes[key] = _transfer_shape(key)
                        xf.write(shape.fill(values))
                        seen += 1
                        seen_cents += transfer.amount_cents
                    _check_yield(
                        group.payment_info_id, (group.count, group.total_cents), (seen, seen_cents)
                    )
                xf.write("\n")
                summaries.append(GroupSummary(group.payment_info_id, seen, seen_cents))
    return FileSummary(message_id, count, total, tuple(summaries))


# --- validation -----------------------------------------------------------------------------

_SCHEMAS: dict[str, Any] = {}
_ERRORS_SHOWN = 5
# Above this size a refused file is not parsed a second time as a tree for line numbers.
_TREE_CHECK_MAX_BYTES = 32 * 2**20


def _schema(message: Message) -> Any:
    schema = _SCHEMAS.get(message)
    if schema is None:
        document = etree.parse(str(SCHEMA_DIR / f"{message}.xsd"))
        schema = _SCHEMAS[message] = etree.XMLSchema(document)
    return schema


def _root_tag(path: str) -> str:
    for _event, element in etree.iterparse(path, events=("start",)):
        return str(element.tag)
    return ""


def _error_lines(log: Any) -> list[str]:
    return [
        (f"Zeile {entry.line}: " if entry.line else "") + entry.message
        for entry in log
        if entry.level_name != "WARNING"
    ]


def validate_file(path: str | Path, message: Message) -> None:
    """Check a file against the message's ISO 20022 schema, in flat memory.

    The schema validates inside the parser while it reads; only the transaction elements are
    reported back and dropped at once, so a big file never stands as a tree in memory. Streaming
    validation knows no line numbers: a refused file up to 32 MB is checked once more as a tree
    to name the lines (the writer puts every transaction on a line of its own)."""
    namespace = NAMESPACES[message]
    transaction = "DrctDbtTxInf" if message == "pain.008.001.08" else "CdtTrfTxInf"
    name = str(path)
    checked = 0
    # The parser's errors come from lxml's per-thread log, which still holds earlier files'.
    etree.clear_error_log()
    try:
        root = _root_tag(name)
        if root != f"{{{namespace}}}Document":
            raise SepaFileError(f"Die Datei ist keine {message}-Nachricht (Wurzel {root}).")
        for _event, element in etree.iterparse(
            name,
            events=("end",),
            tag=f"{{{namespace}}}{transaction}",
            schema=_schema(message),
            huge_tree=True,
            # Not resolve_entities=False: together with a schema, lxml 6.1 then reports no error
            # for a file cut off in the middle (tested). Only internal entities resolve anyway.
        ):
            checked += 1
            element.clear(keep_tail=True)
            parent = element.getparent()
            while element.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as exc:
        errors = _error_lines(exc.error_log)
        # Validity errors surface per parsed chunk, so this is where it was noticed, not found.
        where = f" (gemeldet nach {checked} gelesenen Transaktionen)"
        if Path(name).stat().st_size <= _TREE_CHECK_MAX_BYTES:
            schema = _schema(message)
            try:
                tree = etree.parse(name, etree.XMLParser(huge_tree=True))
            except etree.XMLSyntaxError:
                pass  # not well-formed: the parser's own message (with its line) stands
            else:
                if not schema.validate(tree):
                    errors, where = _error_lines(schema.error_log), ""
        shown = "; ".join(errors[:_ERRORS_SHOWN]) or str(exc)
        more = f" und {len(errors) - _ERRORS_SHOWN} weitere" if len(errors) > _ERRORS_SHOWN else ""
        raise SepaFileError(
            f"Die Datei entspricht nicht dem Schema {message}{where}: {shown}{more}"
        ) from exc
