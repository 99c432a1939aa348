"""Rows of offene_posten.csv: each open item becomes one balanced posting by
kc.payments.ledger.post, with the legacy key as its source (posting it again finds it)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kc.customers.models import ContractAccount
from kc.imports import formats
from kc.imports.context import Context, Created
from kc.imports.csvfile import Row
from kc.imports.values import RowError, choice, optional_date, parse_date, parse_decimal, required
from kc.payments import ledger
from kc.payments.models import LedgerDocument, LedgerLine
from kc.supply.models import Contract

Kind = LedgerDocument.Kind
Offset = LedgerLine.Offset

# word -> (document kind, offset account, sign the amount must have on the customer account)
KINDS = {
    "rechnung": (Kind.INVOICE, Offset.REVENUE, 1),
    "abschlag": (Kind.INSTALMENT, Offset.INSTALMENT_CLAIMS, 1),
    "gebuehr": (Kind.FEE, Offset.FEES, 1),
    "gutschrift": (Kind.CREDIT_NOTE, Offset.REVENUE, -1),
    "zahlung": (Kind.PAYMENT, Offset.BANK, -1),
}
WORDS = {word: word for word in KINDS}


def source_of(system: str, key: str) -> str:
    return f"legacy:{system}:{key}"[:120]


class OpenItemHandler:
    fmt = formats.OPEN_ITEMS
    columns = {"reference": "belegnummer", "text": "text"}

    def create(self, ctx: Context, rows: list[Row]) -> Created:
        values = rows[0].values
        account = ContractAccount.objects.get(pk=ctx.resolve(values, "konto", "account"))
        contract_id = None
        if values["vertrag"]:
            contract_id = ctx.resolve(values, "vertrag", formats.CONTRACTS.entity)
            if not Contract.objects.filter(pk=contract_id, account=account).exists():
                raise RowError("vertrag", _("Der Vertrag gehört nicht zu diesem Vertragskonto."))
        kind, offset, sign = KINDS[choice(values, "art", WORDS)]
        amount = parse_decimal(values, "betrag", places=2)
        if amount == 0 or (amount > 0) != (sign > 0):
            raise RowError(
                "betrag",
                _("Für „%(kind)s“ muss der Betrag %(sign)s sein (aus Sicht des Kunden).")
                % {"kind": values["art"], "sign": _("positiv") if sign > 0 else _("negativ")},
            )
        reference = required(values, "belegnummer")
        if len(reference) > 35:
            raise RowError("belegnummer", _("Die Belegnummer ist länger als 35 Zeichen."))
        text = values["text"] or _("Übernahme Beleg %(number)s") % {"number": reference}
        if ("ledger_range", 0) not in ctx.cache:
            ledger.ensure_number_range()
            ctx.cache[("ledger_range", 0)] = True
        document = ledger.post(
            account=account,
            kind=kind,
            source=source_of(ctx.system, values["posten"]),
            text=text,
            entries=[
                ledger.Entry(
                    amount=amount,
                    text=text,
                    due_on=parse_date(values, "faellig_am"),
                    contract_id=contract_id,
                )
            ],
            offset=offset,
            booking_date=optional_date(values, "buchungsdatum"),
            reference=reference,
            actor=ctx.actor,
        )
        if sign < 0:
            ledger.settle_account(account, document)
        return Created(document)

    def update(self, ctx: Context, rows: list[Row], object_id: int) -> None:
        raise RowError(
            "",
            _(
                "Der Posten wurde schon übernommen und hat sich im Altsystem geändert; "
                "Buchungen sind unveränderlich (Korrektur durch Storno im Kundencenter)."
            ),
        )
