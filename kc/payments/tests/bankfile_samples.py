"""Realistic bank files for tests: camt.053 and camt.054 (.001.08 and .001.02) and pain.002.

Describe each booking with a ``Tx`` (one transaction: a transfer, a collection, a return) or a
``Batch`` (one booking with several transactions, e.g. a collection file booked as one sum) and
build the file::

    data = camt054([Tx(5200, "debit", kind="direct_debit", return_reason="AM04",
                       return_fee_cents=300, end_to_end_id="E2E-1")])
    data = camt053([Tx(11900, remittance="Rechnung 2026-000123"), Batch([Tx(5000), Tx(7000)])])
    data = pain002([TxStatus("E2E-1", 5200, reason="AC04")])

Every camt file these builders write validates against its ISO schema (``validate_camt``).
Amounts are integer cents. The file owner is ``OWN_IBAN`` unless given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal

from lxml import etree

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
OWN_IBAN = "DE89370400440532013000"
OWN_NAME = "Stadtwerke Musterstadt GmbH"
CUSTOMER_IBAN = "DE02120300000000202051"
CUSTOMER_NAME = "Erika Mustermann"
CREATED_AT = datetime.fromisoformat("2026-03-03T06:15:00+01:00")
BOOKING_DATE = date(2026, 3, 2)

Direction = Literal["credit", "debit"]


@dataclass(frozen=True)
class Tx:
    """One transaction. For a return (``return_reason`` set), ``amount_cents`` is the original
    amount; the bank books it plus ``return_fee_cents`` when ``fee_included`` (German practice)."""

    amount_cents: int
    direction: Direction = "credit"
    kind: Literal["transfer", "direct_debit"] = "transfer"
    end_to_end_id: str = "NOTPROVIDED"
    mandate_reference: str = ""
    creditor_reference: str = ""
    remittance: str | tuple[str, ...] = ""
    counterparty_name: str = CUSTOMER_NAME
    counterparty_iban: str = CUSTOMER_IBAN
    return_reason: str = ""
    return_fee_cents: int = 0
    fee_included: bool = True
    reversal: bool = False
    tx_ref: str | None = None  # TxDtls/Refs/AcctSvcrRef
    entry_ref: str | None = None  # Ntry/AcctSvcrRef; a Batch has its own
    booking_date: date = BOOKING_DATE
    value_date: date | None = None
    status: str = "BOOK"
    original_message_id: str = ""
    original_payment_info_id: str = ""
    gvc: str | None = None  # Geschäftsvorfallcode; None derives it from kind/direction/return
    bank_code: tuple[str, str, str] | None = None  # ISO domain, family, sub-family; None derives
    with_details: bool = True  # False: an entry without TxDtls (only booking data)
    currency: str = "EUR"

    @property
    def is_return(self) -> bool:
        return bool(self.return_reason)

    @property
    def booked_cents(self) -> int:
        fee = self.return_fee_cents if self.is_return and self.fee_included else 0
        return self.amount_cents + fee


@dataclass(frozen=True)
class Batch:
    """One booking over several transactions (all in one direction)."""

    transactions: Sequence[Tx]
    entry_ref: str | None = None
    booking_date: date = BOOKING_DATE
    value_date: date | None = None
    status: str = "BOOK"
    message_id: str = ""  # Btch/MsgId: our pain.008 message
    payment_info_id: str = ""  # Btch/PmtInfId
    with_details: bool = True  # False: a Sammlerbuchung, details come in a separate camt.054
    gvc: str = "192"  # SEPA Sammler Haben (Core collections)

    @property
    def direction(self) -> Direction:
        directions = {tx.direction for tx in self.transactions}
        assert len(directions) == 1, "a batch books one direction"
        return directions.pop()

    @property
    def booked_cents(self) -> int:
        return sum(tx.booked_cents for tx in self.transactions)


Spec = Tx | Batch


@dataclass(frozen=True)
class TxStatus:
    """One transaction in a pain.002 (a rejected or accepted collection)."""

    end_to_end_id: str
    amount_cents: int
    status: str = "RJCT"
    reason: str = "AC04"
    mandate_reference: str = "MANDAT-0001"
    debtor_name: str = CUSTOMER_NAME
    debtor_iban: str = CUSTOMER_IBAN
    remittance: str = ""
    payment_info_id: str = "PMTINF-2026-03-01"
    with_reference: bool = True  # False: no OrgnlTxRef (no amount, mandate, debtor)


@dataclass
class _Builder:
    namespace: str
    version: str

    @property
    def v08(self) -> bool:
        return self.version >= "08"

    def el(self, name: str, *children: Any, **attrs: str) -> Any:
        """An element; str children become text, None children are left out."""
        element = etree.Element(f"{{{self.namespace}}}{name}", attrs)
        for child in children:
            if child is None:
                continue
            if isinstance(child, str):
                element.text = child
            elif isinstance(child, list | tuple):
                element.extend(c for c in child if c is not None)
            else:
                element.append(child)
        return element

    def amount(self, name: str, cents: int, currency: str = "EUR") -> Any:
        return self.el(name, str(Decimal(cents).scaleb(-2)), Ccy=currency)

    def day(self, name: str, value: date) -> Any:
        return self.el(name, self.el("Dt", value.isoformat()))

    def party(self, name: str, nm: str) -> Any:
        inner = self.el("Nm", nm)
        return self.el(name, self.el("Pty", inner) if self.v08 else inner)

    def account(self, name: str, iban: str) -> Any:
        return self.el(name, self.el("Id", self.el("IBAN", iban)))

    def bank_code(self, codes: tuple[str, str, str], gvc: str) -> Any:
        domain, family, sub = codes
        swift = "NRTI" if gvc in ("108", "109", "159") else "NDDT" if family.endswith("DT") else ""
        swift = swift or "NTRF"
        return self.el(
            "BkTxCd",
            self.el(
                "Domn",
                self.el("Cd", domain),
                self.el("Fmly", self.el("Cd", family), self.el("SubFmlyCd", sub)),
            ),
            self.el("Prtry", self.el("Cd", f"{swift}+{gvc}"), self.el("Issr", "DK")),
        )

    def charges(self, cents: int, included: bool) -> Any:
        if self.v08:
            record = self.el(
                "Rcrd",
                self.amount("Amt", cents),
                self.el("CdtDbtInd", "DBIT"),
                self.el("ChrgInclInd", "true" if included else "false"),
            )
            return self.el("Chrgs", record)
        return self.el("Chrgs", self.amount("Amt", cents))

    def status(self, value: str) -> Any:
        return self.el("Sts", self.el("Cd", value) if self.v08 else value)


def _codes(tx: Tx) -> tuple[tuple[str, str, str], str]:
    """ISO bank transaction code and German GVC as a bank would send them for ``tx``."""
    if tx.is_return:
        derived = (
            (("PMNT", "IDDT", "UPDD"), "109")
            if tx.kind == "direct_debit"
            else (("PMNT", "ICDT", "RRTN"), "159")
        )
    elif tx.kind == "direct_debit":
        derived = (
            (("PMNT", "IDDT", "ESDD"), "171")
            if tx.direction == "credit"
            else (("PMNT", "RDDT", "ESDD"), "105")
        )
    else:
        derived = (
            (("PMNT", "RCDT", "ESCT"), "166")
            if tx.direction == "credit"
            else (("PMNT", "ICDT", "ESCT"), "116")
        )
    return tx.bank_code or derived[0], tx.gvc or derived[1]


def _tx_details(b: _Builder, tx: Tx, *, batched: bool) -> Any:
    codes, gvc = _codes(tx)
    refs = b.el(
        "Refs",
        b.el("MsgId", tx.original_message_id) if tx.original_message_id else None,
        b.el("AcctSvcrRef", tx.tx_ref) if tx.tx_ref else None,
        b.el("PmtInfId", tx.original_payment_info_id) if tx.original_payment_info_id else None,
        b.el("EndToEndId", tx.end_to_end_id),
        b.el("MndtId", tx.mandate_reference) if tx.mandate_reference else None,
    )
    instructed = b.amount("Amt", tx.amount_cents, tx.currency)
    amount_details = b.el(
        "AmtDtls",
        b.el("InstdAmt", instructed) if tx.is_return else None,
        b.el("TxAmt", b.amount("Amt", tx.booked_cents, tx.currency)),
    )
    # The customer is the debtor of a credit and of a returned collection, else the creditor.
    customer_is_debtor = (tx.direction == "credit") != tx.is_return
    customer = (tx.counterparty_name, tx.counterparty_iban)
    own = (OWN_NAME, OWN_IBAN)
    debtor, creditor = (customer, own) if customer_is_debtor else (own, customer)
    parties = b.el(
        "RltdPties",
        b.party("Dbtr", debtor[0]),
        b.account("DbtrAcct", debtor[1]),
        b.party("Cdtr", creditor[0]),
        b.account("CdtrAcct", creditor[1]),
    )
    lines = (tx.remittance,) if isinstance(tx.remittance, str) else tx.remittance
    structured = None
    if tx.creditor_reference:
        kind = b.el("Tp", b.el("CdOrPrtry", b.el("Cd", "SCOR")), b.el("Issr", "ISO"))
        structured = b.el("Strd", b.el("CdtrRefInf", kind, b.el("Ref", tx.creditor_reference)))
    remittance = None
    if any(lines) or structured is not None:
        remittance = b.el("RmtInf", [b.el("Ustrd", line) for line in lines if line], structured)
    return b.el(
        "TxDtls",
        refs,
        b.amount("Amt", tx.booked_cents, tx.currency) if b.v08 else None,
        b.el("CdtDbtInd", "CRDT" if tx.direction == "credit" else "DBIT") if b.v08 else None,
        amount_details,
        b.bank_code(codes, gvc) if batched else None,
        b.charges(tx.return_fee_cents, tx.fee_included) if tx.return_fee_cents else None,
        parties,
        remittance,
        b.el("RtrInf", b.el("Rsn", b.el("Cd", tx.return_reason))) if tx.is_return else None,
    )


def _entry(b: _Builder, spec: Spec) -> Any:
    if isinstance(spec, Batch):
        txs = list(spec.transactions)
        codes, gvc = ("PMNT", "IDDT", "ESDD"), spec.gvc
        if spec.transactions and spec.transactions[0].kind == "transfer":
            codes, gvc = _codes(spec.transactions[0])
        batch = b.el(
            "Btch",
            b.el("MsgId", spec.message_id) if spec.message_id else None,
            b.el("PmtInfId", spec.payment_info_id) if spec.payment_info_id else None,
            b.el("NbOfTxs", str(len(txs))),
        )
        details = b.el(
            "NtryDtls",
            batch,
            [_tx_details(b, tx, batched=True) for tx in txs] if spec.with_details else None,
        )
        reversal, charges = False, None
    else:
        codes, gvc = _codes(spec)
        details = (
            b.el("NtryDtls", _tx_details(b, spec, batched=False)) if spec.with_details else None
        )
        reversal = spec.reversal
        charges = None
        if not spec.with_details and spec.return_fee_cents:
            charges = b.charges(spec.return_fee_cents, spec.fee_included)
    return b.el(
        "Ntry",
        b.amount("Amt", spec.booked_cents, "EUR" if isinstance(spec, Batch) else spec.currency),
        b.el("CdtDbtInd", "CRDT" if spec.direction == "credit" else "DBIT"),
        b.el("RvslInd", "true") if reversal else None,
        b.status(spec.status),
        b.day("BookgDt", spec.booking_date),
        b.day("ValDt", spec.value_date or spec.booking_date),
        b.el("AcctSvcrRef", spec.entry_ref) if spec.entry_ref else None,
        b.bank_code(codes, gvc),
        charges,
        details,
    )


def _balance(b: _Builder, code: str, cents: int, day: date) -> Any:
    return b.el(
        "Bal",
        b.el("Tp", b.el("CdOrPrtry", b.el("Cd", code))),
        b.amount("Amt", abs(cents)),
        b.el("CdtDbtInd", "CRDT" if cents >= 0 else "DBIT"),
        b.day("Dt", day),
    )


def _camt(
    message: Literal["053", "054"],
    accounts: Mapping[str, Sequence[Spec]],
    *,
    version: str,
    message_id: str,
    created_at: datetime,
    opening_balance_cents: int,
) -> bytes:
    namespace = f"urn:iso:std:iso:20022:tech:xsd:camt.{message}.001.{version}"
    b = _Builder(namespace, version)
    stamp = created_at.isoformat()
    reports = []
    for number, (iban, specs) in enumerate(accounts.items(), start=1):
        report = b.el(
            "Stmt" if message == "053" else "Ntfctn",
            b.el("Id", f"{message_id}-{number}"),
            b.el("ElctrncSeqNb", str(number)),
            b.el("CreDtTm", stamp),
            b.el("Acct", b.el("Id", b.el("IBAN", iban)), b.el("Ccy", "EUR")),
        )
        if message == "053":
            closing = opening_balance_cents + sum(
                s.booked_cents if s.direction == "credit" else -s.booked_cents
                for s in specs
                if s.status == "BOOK"
            )
            day = max((s.booking_date for s in specs), default=BOOKING_DATE)
            report.append(_balance(b, "PRCD", opening_balance_cents, day))
            report.append(_balance(b, "CLBD", closing, day))
        report.extend(_entry(b, spec) for spec in specs)
        reports.append(report)
    root_name = "BkToCstmrStmt" if message == "053" else "BkToCstmrDbtCdtNtfctn"
    header = b.el("GrpHdr", b.el("MsgId", message_id), b.el("CreDtTm", stamp))
    document = etree.Element(f"{{{namespace}}}Document", nsmap={None: namespace})
    document.append(b.el(root_name, header, reports))
    return bytes(
        etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    )


def camt053(
    entries: Sequence[Spec],
    *,
    version: Literal["08", "02"] = "08",
    account_iban: str = OWN_IBAN,
    more_accounts: Mapping[str, Sequence[Spec]] | None = None,
    message_id: str = "STMT-2026-03-02-001",
    created_at: datetime = CREATED_AT,
    opening_balance_cents: int = 1_000_000,
) -> bytes:
    """A camt.053 statement; ``more_accounts`` adds further statements (IBAN → entries)."""
    accounts = {account_iban: entries, **(more_accounts or {})}
    return _camt(
        "053",
        accounts,
        version=version,
        message_id=message_id,
        created_at=created_at,
        opening_balance_cents=opening_balance_cents,
    )


def camt054(
    entries: Sequence[Spec],
    *,
    version: Literal["08", "02"] = "08",
    account_iban: str = OWN_IBAN,
    message_id: str = "NTFCTN-2026-03-02-001",
    created_at: datetime = CREATED_AT,
) -> bytes:
    """A camt.054 debit/credit notification (German banks send returns this way)."""
    return _camt(
        "054",
        {account_iban: entries},
        version=version,
        message_id=message_id,
        created_at=created_at,
        opening_balance_cents=0,
    )


def pain002(
    transactions: Sequence[TxStatus] = (),
    *,
    group_status: str = "PART",
    group_reason: str = "",
    payment_infos: Sequence[tuple[str, str, str]] = (),
    original_message_id: str = "PAIN008-2026-03-01-001",
    original_message_type: str = "pain.008.001.08",
    original_control_sum_cents: int | None = None,
    message_id: str = "STATUS-2026-03-02-001",
    created_at: datetime = CREATED_AT,
    version: str = "10",
) -> bytes:
    """A pain.002 status report on our collection file.

    ``transactions`` are grouped by payment info id; ``payment_infos`` adds blocks without
    transactions as (payment info id, status, reason). Versions "03" and "10" differ in Dbtr.
    """
    namespace = f"urn:iso:std:iso:20022:tech:xsd:pain.002.001.{version}"
    b = _Builder(namespace, version)
    group = b.el(
        "OrgnlGrpInfAndSts",
        b.el("OrgnlMsgId", original_message_id),
        b.el("OrgnlMsgNmId", original_message_type),
        b.el("OrgnlNbOfTxs", str(len(transactions))) if transactions else None,
        b.el("OrgnlCtrlSum", str(Decimal(original_control_sum_cents).scaleb(-2)))
        if original_control_sum_cents is not None
        else None,
        b.el("GrpSts", group_status) if group_status else None,
        _reason(b, group_reason),
    )
    blocks: dict[str, list[Any]] = {}
    for tx in transactions:
        blocks.setdefault(tx.payment_info_id, []).append(_tx_status(b, tx))
    payments = [
        b.el("OrgnlPmtInfAndSts", b.el("OrgnlPmtInfId", pmt_id), statuses)
        for pmt_id, statuses in blocks.items()
    ]
    payments += [
        b.el(
            "OrgnlPmtInfAndSts",
            b.el("OrgnlPmtInfId", pmt_id),
            b.el("PmtInfSts", status),
            _reason(b, reason),
        )
        for pmt_id, status, reason in payment_infos
    ]
    header = b.el("GrpHdr", b.el("MsgId", message_id), b.el("CreDtTm", created_at.isoformat()))
    document = etree.Element(f"{{{namespace}}}Document", nsmap={None: namespace})
    document.append(b.el("CstmrPmtStsRpt", header, group, payments))
    return bytes(
        etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    )


def _reason(b: _Builder, code: str) -> Any:
    return b.el("StsRsnInf", b.el("Rsn", b.el("Cd", code))) if code else None


def _tx_status(b: _Builder, tx: TxStatus) -> Any:
    reference = None
    if tx.with_reference:
        reference = b.el(
            "OrgnlTxRef",
            b.el("Amt", b.amount("InstdAmt", tx.amount_cents)),
            b.el("ReqdColltnDt", BOOKING_DATE.isoformat()),
            b.el("MndtRltdInf", b.el("MndtId", tx.mandate_reference)),
            b.el("RmtInf", b.el("Ustrd", tx.remittance)) if tx.remittance else None,
            b.party("Dbtr", tx.debtor_name),
            b.account("DbtrAcct", tx.debtor_iban),
            b.party("Cdtr", OWN_NAME),
            b.account("CdtrAcct", OWN_IBAN),
        )
    return b.el(
        "TxInfAndSts",
        b.el("OrgnlEndToEndId", tx.end_to_end_id),
        b.el("TxSts", tx.status) if tx.status else None,
        _reason(b, tx.reason),
        reference,
    )


@cache
def _schema(namespace: str) -> Any:
    name = namespace.rsplit(":", 1)[-1]
    return etree.XMLSchema(etree.parse(str(SCHEMAS / f"{name}.xsd")))


def validate_camt(data: bytes) -> None:
    """Raise AssertionError with the schema's complaints unless ``data`` is a valid camt file."""
    document = etree.fromstring(data)
    schema = _schema(etree.QName(document).namespace)
    if not schema.validate(document):
        raise AssertionError(str(schema.error_log))
