"""Read bank files (camt.053 statements, camt.054 notifications, pain.002 status reports).

Pure: no Django, no database. The reader turns one file into a header and plain ``BankEntry``
records; what they mean for open items is the import service's business.

Detection is by the root namespace (``urn:iso:std:iso:20022:tech:xsd:camt.053.001.08`` ...).
Inside, elements are looked up by their local names in that namespace, so any version of
camt.053/054 and pain.002 reads the same way (.02 and .08 differ only where handled below).

``read_bank_file`` streams with ``iterparse`` and frees every entry once it is read, so memory
stays flat for big statements; its ``entries`` iterator yields while it parses, and an error
late in the file raises only when the iterator gets there. ``read_all`` parses everything first,
so a truncated or corrupt file raises before a single entry is handed out: importers that post
bookings use ``read_all``.

``BankEntry.key`` is the id an importer stores to import each booking once:
1. the bank's ``AcctSvcrRef`` of the transaction (``TxDtls/Refs/AcctSvcrRef``), else
2. the ``AcctSvcrRef`` of the entry (``Ntry/AcctSvcrRef``); if that entry is a batch with several
   transactions, ``"<ref>/<n>"`` with the transaction's 1-based place in the entry, else
3. SHA-256 (hex) over kind, message id, the record's position in the file, amount and end-to-end
   id. Stable across reads of the same file; a bank that re-sends with a new message id gives
   new keys, so such files need the importer's amount/reference matching.
``NONREF``/``NOTPROVIDED`` placeholders never count as a reference. Bank references are unique
per account servicer only: store keys together with ``account_iban``. Keys are ≤ 64 characters.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO, Literal, cast
from zoneinfo import ZoneInfo

from lxml import etree

Kind = Literal["camt.053", "camt.054", "pain.002"]
Direction = Literal["credit", "debit"]

_NAMESPACE = re.compile(
    r"^urn:iso:std:iso:20022:tech:xsd:(camt\.053|camt\.054|pain\.002)\.(\d{3}\.\d{2})$"
)
_AMOUNT = re.compile(r"^\+?(\d+(\.\d*)?|\.\d+)$")
# Timestamps without an offset are the sending bank's local time; ours are German banks.
_BANK_TIME = ZoneInfo("Europe/Berlin")
_NO_VALUE = {"", "NONREF", "NOTPROVIDED"}

# German Geschäftsvorfallcodes (DK, in BkTxCd/Prtry/Cd as "NRTI+109+..."): 108 and 109 are the
# Rückbelastung of a SEPA direct debit (Core and B2B), 159 the Retoure of a SEPA transfer.
_RETURN_GVC = frozenset({"108", "109", "159"})
# ISO bank transaction code sub-families that undo a payment: returned/unpaid direct debit,
# direct debit reversal, reversal after a cancellation request; returned credit transfer.
_RETURN_SUBFAMILIES = {
    "IDDT": frozenset({"UPDD", "PRDD", "RCDD"}),
    "RDDT": frozenset({"UPDD", "PRDD", "RCDD"}),
    "ICDT": frozenset({"RRTN", "ARET"}),
    "RCDT": frozenset({"RRTN", "ARET"}),
}
_GVC = re.compile(r"^(?:[A-Z]{4}\+)?(\d{3})(?:\+.*)?$")


class BankFileError(ValueError):
    """The file cannot be read; the message says why (German, for the person importing)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"Zeile {line}: {message}" if line else message)


@dataclass(frozen=True, slots=True)
class BankEntry:
    key: str
    direction: Direction
    # A payment undone: debit = our collection came back (or was rejected, pain.002);
    # credit = a transfer we sent came back.
    is_return: bool
    amount_cents: int
    currency: str
    booking_date: date | None
    value_date: date | None
    end_to_end_id: str
    mandate_reference: str
    creditor_reference: str
    remittance: str
    counterparty_name: str
    counterparty_iban: str
    return_reason: str
    return_fee_cents: int
    original_message_id: str
    original_payment_info_id: str
    status: str
    # The original instructed amount (AmtDtls/InstdAmt) when given in the same currency, else
    # amount_cents less fees the bank says it included: the amount of the returned collection.
    original_amount_cents: int
    # camt: the entry is booked (Sts BOOK), not pending/info. pain.002: always False.
    booked: bool
    # The account the entry was booked on (a statement file may carry several accounts).
    account_iban: str
    # pain.002: the message the status is about ("pain.008.001.08"); "" for camt.
    original_message_type: str = ""


@dataclass(frozen=True, slots=True)
class BankFileHeader:
    kind: Kind
    version: str
    message_id: str
    created_at: datetime | None
    account_iban: str


@dataclass(frozen=True, slots=True)
class BankFile(BankFileHeader):
    entries: Iterator[BankEntry]

    @property
    def header(self) -> BankFileHeader:
        return BankFileHeader(
            self.kind, self.version, self.message_id, self.created_at, self.account_iban
        )


Source = str | Path | BinaryIO


def read_bank_file(source: Source) -> BankFile:
    """Header now, entries while they are parsed. ``str`` is a file path, not XML text."""
    reader = _Reader(source)
    try:
        walk = reader.walk()
        next(walk)  # the walk yields None once the header is complete
    except BaseException:
        reader.close()
        raise
    h = reader.header()
    return BankFile(
        h.kind, h.version, h.message_id, h.created_at, h.account_iban, _entries(walk, reader)
    )


def read_all(source: Source) -> tuple[BankFileHeader, list[BankEntry]]:
    """Parse the whole file first: a broken file raises before any entry is returned."""
    bank_file = read_bank_file(source)
    return bank_file.header, list(bank_file.entries)


def _entries(walk: Iterator[BankEntry | None], reader: _Reader) -> Iterator[BankEntry]:
    try:
        for entry in walk:
            if entry is not None:
                yield entry
    finally:
        reader.close()


class _Reader:
    """One pass over the file: header fields first, then entries."""

    doc: _Doc

    def __init__(self, source: Source) -> None:
        if isinstance(source, str | Path):
            try:
                self._stream: BinaryIO = Path(source).open("rb")  # noqa: SIM115 - closed by close()
            except OSError as exc:
                raise BankFileError(f"Datei nicht lesbar: {exc.strerror}") from exc
            self._owned = True
        else:
            self._stream, self._owned = source, False
        self.kind: Kind = "camt.053"
        self.version = ""
        self.message_id = ""
        self.created_at: datetime | None = None
        self.account_iban = ""
        self._position = 0
        self._started = False

    def close(self) -> None:
        if self._owned:
            self._stream.close()

    def header(self) -> BankFileHeader:
        if not self.message_id:
            raise BankFileError("Nachrichtenkennung (GrpHdr/MsgId) fehlt")
        return BankFileHeader(
            self.kind, self.version, self.message_id, self.created_at, self.account_iban
        )

    def walk(self) -> Iterator[BankEntry | None]:
        """None once when the header is complete, then the entries."""
        events = self._events()
        self._root(events)
        if self.kind == "pain.002":
            yield from _Pain002(self).walk(events)
        else:
            yield from _Camt(self).walk(events)

    def _events(self) -> Iterator[tuple[str, Any]]:
        parser = etree.iterparse(
            self._stream,
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            remove_comments=True,
            remove_pis=True,
        )
        try:
            for event, element in parser:
                self._started = True
                yield event, element
        except etree.XMLSyntaxError as exc:
            line = exc.lineno or None
            if not self._started:
                raise BankFileError("Keine gültige XML-Datei", line) from exc
            raise BankFileError(
                f"XML-Datei unvollständig oder beschädigt ({exc.msg})", line
            ) from exc

    def _root(self, events: Iterator[tuple[str, Any]]) -> None:
        try:
            _event, root = next(events)
        except StopIteration:
            raise BankFileError("Die Datei ist leer") from None
        namespace = etree.QName(root).namespace or ""
        match = _NAMESPACE.match(namespace)
        if not match:
            raise BankFileError(
                f"Unbekannte Nachricht (Namensraum „{namespace or 'keiner'}“): erwartet wird "
                "camt.053, camt.054 oder pain.002",
                root.sourceline,
            )
        self.kind = cast(Kind, match.group(1))  # the pattern admits only these three
        self.version = match.group(2)
        self.doc = _Doc(namespace)

    def next_key(self, ref: str, amount_cents: int, end_to_end_id: str) -> str:
        position = self._position
        self._position += 1
        if ref:
            return ref
        seed = f"{self.kind}|{self.message_id}|{position}|{amount_cents}|{end_to_end_id}"
        return hashlib.sha256(seed.encode()).hexdigest()

    def read_group_header(self, element: Any) -> None:
        d = self.doc
        self.message_id = d.text(element, "MsgId")
        created = d.text(element, "CreDtTm")
        self.created_at = _datetime(created, element.sourceline) if created else None


class _Doc:
    """Child lookups by local-name paths ("NtryDtls/TxDtls") in the document's namespace."""

    def __init__(self, namespace: str) -> None:
        self._ns = namespace
        self._paths: dict[str, str] = {}

    def tag(self, name: str) -> str:
        return f"{{{self._ns}}}{name}"

    def _path(self, path: str) -> str:
        if (found := self._paths.get(path)) is None:
            found = self._paths[path] = "/".join(self.tag(part) for part in path.split("/"))
        return found

    def find(self, element: Any, path: str) -> Any:
        return None if element is None else element.find(self._path(path))

    def all(self, element: Any, path: str) -> list[Any]:
        return [] if element is None else list(element.iterfind(self._path(path)))

    def text(self, element: Any, *paths: str) -> str:
        """Stripped text of the first path that has some, else ""."""
        for path in paths:
            found = self.find(element, path)
            if found is not None and found.text and (value := found.text.strip()):
                return str(value)
        return ""


def _free(element: Any) -> None:
    """Drop a processed element and its processed siblings so memory stays flat."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    while element.getprevious() is not None:
        del parent[0]


def _ref(value: str) -> str:
    return "" if value.upper() in _NO_VALUE else value


def _cents(text: str, line: int | None, what: str = "Betrag") -> int:
    """ "123.45" → 12345, exact: Decimal, never float; more than 2 decimals is an error."""
    if not _AMOUNT.match(text):
        raise BankFileError(f"{what} „{text}“ ist keine gültige Zahl", line)
    try:
        value = Decimal(text) * 100
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise BankFileError(f"{what} „{text}“ ist keine gültige Zahl", line) from exc
    if value != value.to_integral_value():
        raise BankFileError(f"{what} „{text}“ hat mehr als zwei Nachkommastellen", line)
    return int(value)


def _date(text: str, line: int | None) -> date:
    try:
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise BankFileError(f"Datum „{text}“ ist ungültig", line) from exc


def _datetime(text: str, line: int | None) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BankFileError(f"Zeitpunkt „{text}“ ist ungültig", line) from exc
    return value if value.tzinfo else value.replace(tzinfo=_BANK_TIME)


def _gvc(code: str, issuer: str) -> str:
    match = _GVC.match(code)
    if not match or ("+" not in code and issuer.upper() != "DK"):
        return ""
    return match.group(1)


class _Camt:
    """camt.053 / camt.054: one BankEntry per TxDtls, or per Ntry when it has none."""

    def __init__(self, reader: _Reader) -> None:
        self.r = reader
        self.d = reader.doc
        d = self.d
        self.group_header = d.tag("GrpHdr")
        self.entry = d.tag("Ntry")
        self.account = d.tag("Acct")
        self.reports = {d.tag("Stmt"), d.tag("Ntfctn"), d.tag("Rpt")}

    def walk(self, events: Iterator[tuple[str, Any]]) -> Iterator[BankEntry | None]:
        header_done = False
        account = ""
        for event, element in events:
            tag = element.tag
            if event == "start":
                if tag == self.entry and not header_done:
                    header_done = True
                    yield None
                continue
            if tag == self.group_header:
                self.r.read_group_header(element)
            elif tag == self.account and element.getparent().tag in self.reports:
                account = self.d.text(element, "Id/IBAN", "Id/Othr/Id").replace(" ", "")
                self.r.account_iban = self.r.account_iban or account
            elif tag == self.entry:
                yield from self._entry(element, account)
                _free(element)
            elif tag in self.reports:
                if not header_done:
                    header_done = True
                    yield None
                _free(element)
        if not header_done:
            yield None

    def _entry(self, ntry: Any, account: str) -> list[BankEntry]:
        d, line = self.d, ntry.sourceline
        amount_el = d.find(ntry, "Amt")
        if amount_el is None or not (amount_el.text or "").strip():
            raise BankFileError("Betrag der Buchung (Ntry/Amt) fehlt", line)
        _cents(amount_el.text.strip(), amount_el.sourceline)  # checked even when TxDtls have own
        direction = _direction(d.text(ntry, "CdtDbtInd"), line, "Ntry/CdtDbtInd")
        status = d.text(ntry, "Sts/Cd", "Sts/Prtry", "Sts")
        entry = _EntryFacts(
            amount=amount_el,
            direction=direction,
            reversal=d.text(ntry, "RvslInd").lower() in ("true", "1"),
            booked=status in ("", "BOOK"),
            booking_date=self._date(ntry, "BookgDt"),
            value_date=self._date(ntry, "ValDt"),
            ref=_ref(d.text(ntry, "AcctSvcrRef")),
            account=account,
        )
        transactions = d.all(ntry, "NtryDtls/TxDtls")
        batch = d.find(ntry, "NtryDtls/Btch")
        if not transactions:
            return [self._transaction(ntry, None, entry, batch, 0, single=True)]
        single = len(transactions) == 1
        return [
            self._transaction(ntry, tx, entry, batch, index, single=single)
            for index, tx in enumerate(transactions)
        ]

    def _date(self, element: Any, name: str) -> date | None:
        value = self.d.text(element, f"{name}/Dt", f"{name}/DtTm")
        return _date(value, element.sourceline) if value else None

    def _transaction(
        self, ntry: Any, tx: Any, entry: _EntryFacts, batch: Any, index: int, *, single: bool
    ) -> BankEntry:
        d = self.d
        line = (tx if tx is not None else ntry).sourceline
        amount_el = d.find(tx, "Amt")
        if amount_el is None:
            amount_el = d.find(tx, "AmtDtls/TxAmt/Amt")
        if amount_el is None:
            if not single:
                raise BankFileError("Betrag des Einzelumsatzes (TxDtls/Amt) fehlt", line)
            amount_el = entry.amount
        amount = _cents((amount_el.text or "").strip(), amount_el.sourceline)
        currency = str(amount_el.get("Ccy", "")).strip()
        tx_direction = d.text(tx, "CdtDbtInd")
        direction = _direction(tx_direction, line) if tx_direction else entry.direction
        is_return = (
            d.find(tx, "RtrInf") is not None or entry.reversal or self._return_code(tx, ntry)
        )
        end_to_end = _ref(d.text(tx, "Refs/EndToEndId"))
        fee = self._fees(tx if tx is not None else ntry) if is_return else 0
        if is_return and fee == 0 and single and tx is not None:
            fee = self._fees(ntry)
        tx_ref = _ref(d.text(tx, "Refs/AcctSvcrRef"))
        ref = tx_ref or (entry.ref if single or not entry.ref else f"{entry.ref}/{index + 1}")
        name, iban = self._counterparty(tx, direction, is_return, entry.account)
        return BankEntry(
            key=self.r.next_key(ref, amount, end_to_end),
            direction=direction,
            is_return=is_return,
            amount_cents=amount,
            currency=currency,
            booking_date=entry.booking_date,
            value_date=entry.value_date,
            end_to_end_id=end_to_end,
            mandate_reference=_ref(d.text(tx, "Refs/MndtId")),
            creditor_reference=d.text(tx, "RmtInf/Strd/CdtrRefInf/Ref"),
            remittance=" ".join(
                text for el in d.all(tx, "RmtInf/Ustrd") if (text := (el.text or "").strip())
            ),
            counterparty_name=name,
            counterparty_iban=iban,
            return_reason=d.text(tx, "RtrInf/Rsn/Cd", "RtrInf/Rsn/Prtry") if is_return else "",
            return_fee_cents=fee,
            original_message_id=_ref(d.text(tx, "Refs/MsgId") or d.text(batch, "MsgId")),
            original_payment_info_id=_ref(d.text(tx, "Refs/PmtInfId") or d.text(batch, "PmtInfId")),
            status="",
            original_amount_cents=self._original_amount(tx, amount, currency, fee, is_return),
            booked=entry.booked,
            account_iban=entry.account,
        )

    def _return_code(self, tx: Any, ntry: Any) -> bool:
        d = self.d
        code = d.find(tx, "BkTxCd")
        if code is None or not len(code):
            code = d.find(ntry, "BkTxCd")
        family = d.text(code, "Domn/Fmly/Cd")
        if d.text(code, "Domn/Cd") == "PMNT" and d.text(code, "Domn/Fmly/SubFmlyCd") in (
            _RETURN_SUBFAMILIES.get(family, ())
        ):
            return True
        return _gvc(d.text(code, "Prtry/Cd"), d.text(code, "Prtry/Issr")) in _RETURN_GVC

    def _fees(self, element: Any) -> int:
        """Charges of a return: .08 Chrgs/Rcrd/Amt, .02 repeated Chrgs/Amt."""
        d, total = self.d, 0
        for charges in d.all(element, "Chrgs"):
            amounts = d.all(charges, "Rcrd/Amt") or d.all(charges, "Amt")
            if not amounts:
                amounts = d.all(charges, "TtlChrgsAndTaxAmt")
            for amount in amounts:
                total += _cents((amount.text or "").strip(), amount.sourceline, "Gebühr")
        return total

    def _original_amount(
        self, tx: Any, amount: int, currency: str, fee: int, is_return: bool
    ) -> int:
        d = self.d
        instructed = d.find(tx, "AmtDtls/InstdAmt/Amt")
        if instructed is not None and instructed.get("Ccy", currency) == currency:
            return _cents((instructed.text or "").strip(), instructed.sourceline)
        included = any(
            el.text and el.text.strip().lower() in ("true", "1")
            for el in d.all(tx, "Chrgs/Rcrd/ChrgInclInd")
        )
        return amount - fee if is_return and included else amount

    def _counterparty(
        self, tx: Any, direction: Direction, is_return: bool, own_iban: str
    ) -> tuple[str, str]:
        """Debtor for credits, creditor for debits; a return turns it round: for a returned
        collection the counterparty is the debtor of the original debit."""
        sides = ("Dbtr", "Cdtr") if (direction == "credit") != is_return else ("Cdtr", "Dbtr")
        for side in sides:
            name = self.d.text(tx, f"RltdPties/{side}/Nm", f"RltdPties/{side}/Pty/Nm")
            iban = self.d.text(tx, f"RltdPties/{side}Acct/Id/IBAN").replace(" ", "").upper()
            if (name or iban) and (iban != own_iban or not iban):
                return name, iban
        return "", ""


@dataclass(frozen=True, slots=True)
class _EntryFacts:
    amount: Any
    direction: Direction
    reversal: bool
    booked: bool
    booking_date: date | None
    value_date: date | None
    ref: str
    account: str


def _direction(code: str, line: int | None, where: str = "CdtDbtInd") -> Direction:
    if code == "CRDT":
        return "credit"
    if code == "DBIT":
        return "debit"
    if not code:
        raise BankFileError(f"Soll/Haben-Kennzeichen ({where}) fehlt", line)
    raise BankFileError(f"Soll/Haben-Kennzeichen „{code}“ ist ungültig", line)


class _Pain002:
    """pain.002: one BankEntry per transaction status; without those, one per payment
    information block; without those, one for the whole original message."""

    def __init__(self, reader: _Reader) -> None:
        self.r = reader
        self.d = d = reader.doc
        self.group_header = d.tag("GrpHdr")
        self.group = d.tag("OrgnlGrpInfAndSts")
        self.payment = d.tag("OrgnlPmtInfAndSts")
        self.transaction = d.tag("TxInfAndSts")
        self.original_message_id = ""
        self.original_type = ""
        self.group_status = ""
        self.group_reason = ""
        self.group_sum: Any = None

    def walk(self, events: Iterator[tuple[str, Any]]) -> Iterator[BankEntry | None]:
        header_done, produced, payment_has_tx = False, 0, False
        for event, element in events:
            if event == "start":
                continue
            tag = element.tag
            if tag == self.group_header:
                self.r.read_group_header(element)
                header_done = True
                yield None
            elif tag == self.group:
                self._read_group(element)
            elif tag == self.transaction:
                payment_has_tx = True
                produced += 1
                yield self._status(element, element.getparent())
                element.clear(keep_tail=True)
                while (prev := element.getprevious()) is not None and prev.tag == tag:
                    element.getparent().remove(prev)
            elif tag == self.payment:
                if not payment_has_tx:
                    produced += 1
                    yield self._status(None, element)
                payment_has_tx = False
                _free(element)
        if not header_done:
            yield None
        if not produced:
            yield self._status(None, None)

    def _read_group(self, element: Any) -> None:
        d = self.d
        self.original_message_id = d.text(element, "OrgnlMsgId")
        self.original_type = d.text(element, "OrgnlMsgNmId")
        self.group_status = d.text(element, "GrpSts")
        self.group_reason = d.text(element, "StsRsnInf/Rsn/Cd", "StsRsnInf/Rsn/Prtry")
        self.group_sum = d.find(element, "OrgnlCtrlSum")

    def _status(self, tx: Any, payment: Any) -> BankEntry:
        d = self.d
        status = (d.text(tx, "TxSts") or d.text(payment, "PmtInfSts") or self.group_status).upper()
        reason = (
            d.text(tx, "StsRsnInf/Rsn/Cd", "StsRsnInf/Rsn/Prtry")
            or d.text(payment, "StsRsnInf/Rsn/Cd", "StsRsnInf/Rsn/Prtry")
            or self.group_reason
        )
        amount_el = d.find(tx, "OrgnlTxRef/Amt/InstdAmt")
        if amount_el is None and tx is None:
            amount_el = d.find(payment, "OrgnlCtrlSum")
            if amount_el is None and payment is None:
                amount_el = self.group_sum
        amount = (
            0 if amount_el is None else _cents((amount_el.text or "").strip(), amount_el.sourceline)
        )
        # SEPA is euro-only; control sums carry no currency.
        currency = "EUR" if amount_el is None else str(amount_el.get("Ccy", "EUR"))
        end_to_end = _ref(d.text(tx, "OrgnlEndToEndId"))
        ref = d.find(tx, "OrgnlTxRef")
        return BankEntry(
            key=self.r.next_key("", amount, end_to_end),
            direction="debit",
            is_return=status == "RJCT",
            amount_cents=amount,
            currency=currency,
            booking_date=None,
            value_date=None,
            end_to_end_id=end_to_end,
            mandate_reference=d.text(ref, "MndtRltdInf/MndtId"),
            creditor_reference=d.text(ref, "RmtInf/Strd/CdtrRefInf/Ref"),
            remittance=" ".join(
                text for el in d.all(ref, "RmtInf/Ustrd") if (text := (el.text or "").strip())
            ),
            counterparty_name=d.text(ref, "Dbtr/Nm", "Dbtr/Pty/Nm"),
            counterparty_iban=d.text(ref, "DbtrAcct/Id/IBAN").replace(" ", "").upper(),
            return_reason=reason,
            return_fee_cents=0,
            original_message_id=self.original_message_id,
            original_payment_info_id=d.text(payment, "OrgnlPmtInfId"),
            status=status,
            original_amount_cents=amount,
            booked=False,
            account_iban=d.text(ref, "CdtrAcct/Id/IBAN").replace(" ", "").upper(),
            original_message_type=self.original_type,
        )
