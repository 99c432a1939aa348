"""SEPA files: pain.008.001.08 direct debits and pain.001.001.09 transfers, and their XSD check.

Pure Python and lxml, no Django: a benchmark or a worker can import this without settings.

Files are streamed to `out` in blocks, so memory stays flat however many transactions a group
yields. The group header needs NbOfTxs and CtrlSum before the first transaction, so each group
declares its count and total up front; the writer counts and sums what the iterables really
yield and raises `SepaFileError` when that differs (the half-written file is then unusable and
the caller deletes it).

Every transaction is one f-string, a line of its own. No text needs XML escaping: every value
written has passed a whitelist first - identifiers, IBAN, BIC and creditor id their patterns,
names and remittance `sepa_text` (the SEPA set has no "<", ">", "&" or '"'), amounts and dates
are formatted here, sequence and instrument are checked against their codes. Filling an lxml
element tree per transaction and serialising it cost twice as much as the checks.

The tags are written without a namespace inside a root that declares the message namespace as
the default one, so every element of the file is in that namespace without a prefix (what banks
expect) and without the declaration repeated per transaction.

Validation (`validate_file` for a file on disk, `StreamValidator` or `validate=True` while
writing) is explained above `_Check`.
"""

import queue
import re
import threading
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
# sepa_id_problem's rules but "//" in one match, for the per-transaction check: 1-35 characters
# of the set, the first and last neither a space nor "/".
_ID = re.compile(
    r"[A-Za-z0-9\-?:().,'+](?:[A-Za-z0-9/\-?:().,'+ ]{0,33}[A-Za-z0-9\-?:().,'+])?"
).fullmatch
_BIC_MATCH = _BIC.fullmatch

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


class SchemaError(SepaFileError):
    """The bytes do not conform to the message's XSD (or are no complete XML document)."""


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
    if _ID(value) is not None and "//" not in value:
        return value
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


_NO_TEXT = "ergibt im SEPA-Zeichensatz keinen Text"


def _name(value: str, label: str, context: str = "") -> str:
    text = sepa_text(value, NAME_MAX)
    if not text:
        raise _error(context, label, value, _NO_TEXT)
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

# Transactions per block handed to `out` (about 270 KB of debits).
_BLOCK = 512
_SEQUENCES = frozenset(("RCUR", "OOFF", "FRST", "FNAL"))
_INSTRUMENTS = frozenset(("CORE", "B2B"))
_NO_AGENT = f"<Othr><Id>{NOT_PROVIDED}</Id></Othr>"


def _agent(tag: str, bic: str) -> str:
    inner = f"<BICFI>{bic}</BICFI>" if bic else _NO_AGENT
    return f"<{tag}><FinInstnId>{inner}</FinInstnId></{tag}>"


def _account(tag: str, iban: str) -> str:
    return f"<{tag}><Id><IBAN>{iban}</IBAN></Id></{tag}>"


def _prologue(root: str, message: Message, header: str) -> str:
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        f'<Document xmlns="{NAMESPACES[message]}"><{root}>{header}\n'
    )


def _group_header(message_id: str, created: str, count: int, total: int, party: str) -> str:
    return (
        f"<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>{created}</CreDtTm>"
        f"<NbOfTxs>{count}</NbOfTxs><CtrlSum>{_sum_text(total)}</CtrlSum>"
        f"<InitgPty><Nm>{party}</Nm></InitgPty></GrpHdr>"
    )


def _amendment(debit: DirectDebit, e2e: str) -> str:
    """AmdmntInd and, when the mandate changed, its details (EPC order)."""
    original = debit.original_mandate_reference
    new_reference = bool(original) and original != debit.mandate_reference
    # A move to another bank is signalled by SMNDA alone (EPC: the original account is only
    # given for a change within the same bank).
    new_bank = debit.debtor_agent_changed
    old_iban = debit.original_debtor_iban
    new_iban = not new_bank and bool(old_iban) and old_iban != debit.debtor_iban
    if not (new_reference or new_iban or new_bank):
        return "<AmdmntInd>false</AmdmntInd>"
    details = ["<AmdmntInd>true</AmdmntInd><AmdmntInfDtls>"]
    if new_reference:
        details.append(
            f"<OrgnlMndtId>{_check_id(original, 'Die ursprüngliche Mandatsreferenz', e2e)}"
            "</OrgnlMndtId>"
        )
    if new_iban:
        details.append(
            _account("OrgnlDbtrAcct", _check_iban(old_iban, "Die ursprüngliche IBAN", e2e))
        )
    if new_bank:
        details.append("<OrgnlDbtrAgt><FinInstnId><Othr><Id>SMNDA</Id></Othr></FinInstnId>")
        details.append("</OrgnlDbtrAgt>")
    details.append("</AmdmntInfDtls>")
    return "".join(details)


def _debit_xml(debit: DirectDebit, collection_date: date, dates: dict[date, str]) -> str:
    """One DrctDbtTxInf on a line of its own, after checking every field."""
    e2e = debit.end_to_end_id
    if _ID(e2e) is None or "//" in e2e:
        _check_id(e2e, "Die End-to-End-Referenz")
    cents = debit.amount_cents
    if type(cents) is not int or not AMOUNT_MIN_CENTS <= cents <= AMOUNT_MAX_CENTS:
        format_cents(cents)  # raises
    mandate = debit.mandate_reference
    if _ID(mandate) is None or "//" in mandate:
        _check_id(mandate, "Die Mandatsreferenz", e2e)
    signed_on = debit.mandate_signed_on
    if signed_on > collection_date:
        raise SepaFileError(f"{e2e}: Das Mandat ist nach dem Einzugstag unterschrieben.")
    signed = dates.get(signed_on)
    if signed is None:
        signed = dates[signed_on] = signed_on.isoformat()
    if debit.original_mandate_reference or debit.original_debtor_iban or debit.debtor_agent_changed:
        amendment = _amendment(debit, e2e)
    else:
        amendment = "<AmdmntInd>false</AmdmntInd>"
    bic = debit.debtor_bic
    if not bic:
        agent = _NO_AGENT
    elif _BIC_MATCH(bic) is not None:
        agent = f"<BICFI>{bic}</BICFI>"
    else:
        raise _error(e2e, "Die BIC", bic, "ist keine gültige BIC")
    name = sepa_text(debit.debtor_name, NAME_MAX)
    if not name:
        raise _error(e2e, "Der Name des Zahlungspflichtigen", debit.debtor_name, _NO_TEXT)
    iban = debit.debtor_iban
    if not iban_ok(iban):
        raise _error(e2e, "Die IBAN", iban, "ist keine gültige IBAN")
    text = sepa_text(debit.remittance, REMITTANCE_MAX)
    return (
        f"<DrctDbtTxInf><PmtId><EndToEndId>{e2e}</EndToEndId></PmtId>"
        f'<InstdAmt Ccy="EUR">{cents // 100}.{cents % 100:02d}</InstdAmt>'
        f"<DrctDbtTx><MndtRltdInf><MndtId>{mandate}</MndtId><DtOfSgntr>{signed}</DtOfSgntr>"
        f"{amendment}</MndtRltdInf></DrctDbtTx><DbtrAgt><FinInstnId>{agent}</FinInstnId>"
        f"</DbtrAgt><Dbtr><Nm>{name}</Nm></Dbtr><DbtrAcct><Id><IBAN>{iban}</IBAN></Id>"
        f"</DbtrAcct>{f'<RmtInf><Ustrd>{text}</Ustrd></RmtInf>' if text else ''}"
        "</DrctDbtTxInf>\n"
    )


def write_direct_debits(
    out: BinaryIO,
    *,
    message_id: str,
    created_at: datetime,
    initiating_party: str,
    creditor: Creditor,
    groups: Sequence[DebitGroup],
    validate: bool = False,
) -> FileSummary:
    """Stream a pain.008.001.08 file with one PmtInf per group into `out`.

    Raises SepaFileError for data no bank would take and when a group yields other transactions
    than it declared; `out` then holds a broken file that must not be sent. With `validate`,
    the bytes are checked against the XSD while they are written (`StreamValidator`) and the
    call returns only once the whole file passed; SepaFileError when it does not."""
    if validate:
        with StreamValidator(out, "pain.008.001.08") as validator:
            summary = write_direct_debits(
                validator,  # type: ignore[arg-type]
                message_id=message_id,
                created_at=created_at,
                initiating_party=initiating_party,
                creditor=creditor,
                groups=groups,
            )
        return summary
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
        if group.sequence not in _SEQUENCES or group.instrument not in _INSTRUMENTS:
            raise SepaFileError(
                f"Gruppe {group.payment_info_id}: Sequenz {group.sequence!r} oder Verfahren "
                f"{group.instrument!r} gibt es nicht."
            )
    count = sum(group.count for group in groups)
    total = sum(group.total_cents for group in groups)
    header = _group_header(message_id, created, count, total, party)
    out.write(_prologue("CstmrDrctDbtInitn", "pain.008.001.08", header).encode())
    creditor_part = (
        f"<Cdtr><Nm>{creditor_name}</Nm></Cdtr>{_account('CdtrAcct', creditor_iban)}"
        f"{_agent('CdtrAgt', creditor_bic)}<ChrgBr>SLEV</ChrgBr><CdtrSchmeId><Id><PrvtId>"
        f"<Othr><Id>{creditor.creditor_id}</Id><SchmeNm><Prtry>SEPA</Prtry></SchmeNm></Othr>"
        "</PrvtId></Id></CdtrSchmeId>\n"
    )
    dates: dict[date, str] = {}
    summaries = []
    for group in groups:
        day = group.collection_date
        out.write(
            (
                f"<PmtInf><PmtInfId>{group.payment_info_id}</PmtInfId><PmtMtd>DD</PmtMtd>"
                f"<NbOfTxs>{group.count}</NbOfTxs><CtrlSum>{_sum_text(group.total_cents)}"
                f"</CtrlSum><PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl><LclInstrm>"
                f"<Cd>{group.instrument}</Cd></LclInstrm><SeqTp>{group.sequence}</SeqTp>"
                f"</PmtTpInf><ReqdColltnDt>{day.isoformat()}</ReqdColltnDt>{creditor_part}"
            ).encode()
        )
        seen, seen_cents = 0, 0
        block: list[str] = []
        for debit in group.debits():
            block.append(_debit_xml(debit, day, dates))
            seen += 1
            seen_cents += debit.amount_cents
            if len(block) == _BLOCK:
                out.write("".join(block).encode())
                block.clear()
        out.write("".join(block).encode())
        _check_yield(group.payment_info_id, (group.count, group.total_cents), (seen, seen_cents))
        out.write(b"</PmtInf>\n")
        summaries.append(GroupSummary(group.payment_info_id, seen, seen_cents))
    out.write(b"</CstmrDrctDbtInitn></Document>")
    return FileSummary(message_id, count, total, tuple(summaries))


def _transfer_xml(transfer: CreditTransfer) -> str:
    e2e = _check_id(transfer.end_to_end_id, "Die End-to-End-Referenz")
    amount = format_cents(transfer.amount_cents)
    bic = _check_bic(transfer.creditor_bic, "Die BIC", e2e)
    agent = f"<CdtrAgt><FinInstnId><BICFI>{bic}</BICFI></FinInstnId></CdtrAgt>" if bic else ""
    name = _name(transfer.creditor_name, "Der Name des Empfängers", e2e)
    iban = _check_iban(transfer.creditor_iban, "Die IBAN", e2e)
    text = sepa_text(transfer.remittance, REMITTANCE_MAX)
    return (
        f"<CdtTrfTxInf><PmtId><EndToEndId>{e2e}</EndToEndId></PmtId>"
        f'<Amt><InstdAmt Ccy="EUR">{amount}</InstdAmt></Amt>{agent}<Cdtr><Nm>{name}</Nm></Cdtr>'
        f"{_account('CdtrAcct', iban)}"
        f"{f'<RmtInf><Ustrd>{text}</Ustrd></RmtInf>' if text else ''}</CdtTrfTxInf>\n"
    )


def write_credit_transfers(
    out: BinaryIO,
    *,
    message_id: str,
    created_at: datetime,
    initiating_party: str,
    debtor: Debtor,
    groups: Sequence[TransferGroup],
    validate: bool = False,
) -> FileSummary:
    """Stream a pain.001.001.09 file (payouts and refunds) with one PmtInf per group into `out`;
    errors and `validate` as for `write_direct_debits`."""
    if validate:
        with StreamValidator(out, "pain.001.001.09") as validator:
            summary = write_credit_transfers(
                validator,  # type: ignore[arg-type]
                message_id=message_id,
                created_at=created_at,
                initiating_party=initiating_party,
                debtor=debtor,
                groups=groups,
            )
        return summary
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
    header = _group_header(message_id, created, count, total, party)
    out.write(_prologue("CstmrCdtTrfInitn", "pain.001.001.09", header).encode())
    debtor_part = (
        f"<Dbtr><Nm>{debtor_name}</Nm></Dbtr>{_account('DbtrAcct', debtor_iban)}"
        f"{_agent('DbtrAgt', debtor_bic)}<ChrgBr>SLEV</ChrgBr>\n"
    )
    summaries = []
    for group in groups:
        out.write(
            (
                f"<PmtInf><PmtInfId>{group.payment_info_id}</PmtInfId><PmtMtd>TRF</PmtMtd>"
                f"<NbOfTxs>{group.count}</NbOfTxs><CtrlSum>{_sum_text(group.total_cents)}"
                "</CtrlSum><PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>"
                f"<ReqdExctnDt><Dt>{group.execution_date.isoformat()}</Dt></ReqdExctnDt>"
                f"{debtor_part}"
            ).encode()
        )
        seen, seen_cents = 0, 0
        block: list[str] = []
        for transfer in group.transfers():
            block.append(_transfer_xml(transfer))
            seen += 1
            seen_cents += transfer.amount_cents
            if len(block) == _BLOCK:
                out.write("".join(block).encode())
                block.clear()
        out.write("".join(block).encode())
        _check_yield(group.payment_info_id, (group.count, group.total_cents), (seen, seen_cents))
        out.write(b"</PmtInf>\n")
        summaries.append(GroupSummary(group.payment_info_id, seen, seen_cents))
    out.write(b"</CstmrCdtTrfInitn></Document>")
    return FileSummary(message_id, count, total, tuple(summaries))


# --- validation -----------------------------------------------------------------------------
#
# The XSD check runs inside libxml2's push parser: the schema is plugged into the parser's SAX
# events, and a parser target without callbacks (`_Discard`) means no tree is built and no
# Python runs per element. So memory stays flat and `feed` works without the GIL, which lets
# `StreamValidator` check a file in a second thread while it is being written.
#
# lxml does not turn the schema's verdict into an exception for a target parser: the errors are
# in the parser's `feed_error_log`, which `_Check` reads after every block. Whether that still
# holds is tried once per process on a small broken document (`_fast_check_works`); if not,
# the check falls back to the slower event parser that builds and clears the tree.

_SCHEMAS: dict[str, Any] = {}
_ERRORS_SHOWN = 5
# Above this size a refused file is not parsed a second time as a tree for line numbers.
_TREE_CHECK_MAX_BYTES = 32 * 2**20
# Bytes per feed of the parser (file blocks, and what StreamValidator hands to its thread).
_FEED_BYTES = 1 << 20
# Blocks StreamValidator lets wait for its thread before the writer waits too.
_QUEUE_BLOCKS = 4
_TRANSACTION_TAG = {"pain.008.001.08": "DrctDbtTxInf", "pain.001.001.09": "CdtTrfTxInf"}


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


class _Discard:
    """Parser target without element callbacks: nothing is built, nothing calls back."""

    def close(self) -> None:
        return None


_FAST_CHECK: list[bool] = []


def _fast_check_works() -> bool:
    """Does a target parser still report schema errors in its feed_error_log? (once)"""
    if not _FAST_CHECK:
        namespace = NAMESPACES["pain.008.001.08"]
        parser = etree.XMLParser(
            schema=_schema("pain.008.001.08"), huge_tree=True, target=_Discard()
        )
        parser.feed(f'<Document xmlns="{namespace}"><Unbekannt/></Document>'.encode())
        try:
            parser.close()
        except etree.XMLSyntaxError:
            _FAST_CHECK.append(True)  # an error raised is fine too
        else:
            _FAST_CHECK.append(bool(parser.feed_error_log.filter_from_errors()))
    return _FAST_CHECK[0]


class _Check:
    """One streaming XSD check of a file fed in blocks; `errors` is None while it passes."""

    def __init__(self, message: Message) -> None:
        schema = _schema(message)
        self.fast = _fast_check_works()
        self.parser: Any
        if self.fast:
            self.parser = etree.XMLParser(schema=schema, huge_tree=True, target=_Discard())
        else:
            tag = f"{{{NAMESPACES[message]}}}{_TRANSACTION_TAG[message]}"
            # Not resolve_entities=False: together with a schema, lxml 6.1 then reports no error
            # for a file cut off in the middle (tested). Only internal entities resolve anyway.
            self.parser = etree.XMLPullParser(
                events=("end",), tag=tag, schema=schema, huge_tree=True
            )
        self.errors: list[str] | None = None
        # Bytes fed until the refusal was noticed (validity errors surface per block).
        self.noticed_at = 0

    def feed(self, data: bytes) -> bool:
        """False once the file is refused; later blocks are ignored."""
        if self.errors is not None:
            return False
        self.noticed_at += len(data)
        try:
            self.parser.feed(data)
            if self.fast:
                log = self.parser.feed_error_log.filter_from_errors()
                if log:
                    self.errors = _error_lines(log) or ["?"]
                    return False
            else:
                for _event, element in self.parser.read_events():
                    element.clear(keep_tail=True)
                    parent = element.getparent()
                    while element.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as exc:
            self.errors = _error_lines(exc.error_log) or [str(exc)]
            return False
        return True

    def close(self) -> list[str] | None:
        """The errors, or None for a valid file (a file cut short is an error here)."""
        if self.errors is None:
            try:
                self.parser.close()
            except etree.XMLSyntaxError as exc:
                self.errors = _error_lines(exc.error_log) or [str(exc)]
            else:
                if self.fast:
                    log = self.parser.feed_error_log.filter_from_errors()
                    if log:
                        self.errors = _error_lines(log) or ["?"]
        return self.errors


def _refusal(message: Message, errors: list[str], where: str) -> SchemaError:
    shown = "; ".join(errors[:_ERRORS_SHOWN])
    more = f" und {len(errors) - _ERRORS_SHOWN} weitere" if len(errors) > _ERRORS_SHOWN else ""
    return SchemaError(f"Die Datei entspricht nicht dem Schema {message}{where}: {shown}{more}")


class StreamValidator:
    """A write-only binary stream: the bytes go to `out` and, in a second thread, through the
    message's XSD check. Use as a context manager around the writing; leaving it without an
    exception waits for the check of the last byte and raises SepaFileError when the file is
    not valid (or not complete). An exception from the writing abandons the check.

    Memory stays flat: at most `_QUEUE_BLOCKS` blocks of `_FEED_BYTES` wait for the thread,
    which parses without the GIL while the writer runs. It only pays with a free second core:
    on busy cores the GIL hand-overs between the threads cost more than the overlap saves
    (bench/sepa.py measures both), so `files.write_validated` writes, then validates."""

    def __init__(self, out: BinaryIO, message: Message) -> None:
        self.out = out
        self.message = message
        _schema(message)  # a missing schema fails here, not in the thread
        _fast_check_works()
        self._blocks: queue.Queue[bytes | None] = queue.Queue(maxsize=_QUEUE_BLOCKS)
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._errors: list[str] | None = None
        self._noticed_at = 0
        self._crash: Exception | None = None
        self._thread = threading.Thread(target=self._run, name="sepa-xsd", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            etree.clear_error_log()
            check = _Check(self.message)
            while (block := self._blocks.get()) is not None:
                check.feed(block)
            self._errors = check.close()
            self._noticed_at = check.noticed_at
        except Exception as exc:  # noqa: BLE001 - raised again by finish()
            self._crash = exc
            while self._blocks.get() is not None:
                pass

    def write(self, data: bytes) -> int:
        block = bytes(data)
        self._pending.append(block)
        self._pending_size += len(block)
        if self._pending_size >= _FEED_BYTES:
            self._hand_over()
        self.out.write(block)
        return len(block)

    def _hand_over(self) -> None:
        if self._pending:
            pending = self._pending
            self._blocks.put(pending[0] if len(pending) == 1 else b"".join(pending))
            self._pending, self._pending_size = [], 0

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        self.out.flush()

    def finish(self) -> None:
        """Wait for the check of everything written; SepaFileError when it failed."""
        self._hand_over()
        self._blocks.put(None)
        self._thread.join()
        if self._crash is not None:
            raise self._crash
        if self._errors is not None:
            where = f" (gemeldet nach {self._noticed_at:,} Bytes)".replace(",", ".")
            raise _refusal(self.message, self._errors, where)

    def abandon(self) -> None:
        self._pending = []
        self._blocks.put(None)
        self._thread.join()

    def __enter__(self) -> "StreamValidator":
        return self

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        if kind is None:
            self.finish()
        else:
            self.abandon()


def validate_file(path: str | Path, message: Message) -> None:
    """Check a file against the message's ISO 20022 schema, in flat memory.

    The schema validates inside the parser while it reads blocks of the file; no tree is built.
    Streaming validation knows no line numbers: a refused file up to 32 MB is checked once more
    as a tree to name the lines (the writer puts every transaction on a line of its own)."""
    namespace = NAMESPACES[message]
    name = str(path)
    # Errors of the fallback parser come from lxml's per-thread log: no earlier file's there.
    etree.clear_error_log()
    try:
        root = _root_tag(name)
    except etree.XMLSyntaxError as exc:
        raise _refusal(message, _error_lines(exc.error_log) or [str(exc)], "") from exc
    if root != f"{{{namespace}}}Document":
        raise SepaFileError(f"Die Datei ist keine {message}-Nachricht (Wurzel {root}).")
    check = _Check(message)
    with open(name, "rb") as stream:
        while (block := stream.read(_FEED_BYTES)) and check.feed(block):
            pass
    errors = check.close()
    if errors is None:
        return
    # Validity errors surface per block, so this is where it was noticed, not found.
    end_tag = f"</{_TRANSACTION_TAG[message]}>".encode()
    checked, left = 0, check.noticed_at
    with open(name, "rb") as stream:
        while left > 0 and (block := stream.read(min(left, _FEED_BYTES))):
            checked += block.count(end_tag)  # a tag across two blocks is missed: "about"
            left -= len(block)
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
    raise _refusal(message, errors, where)
