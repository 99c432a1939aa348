"""What must stay, how long and why: blockers of an erasure and the retention of each area.

Blockers stop an erasure of the data they need (Art. 17 (1) (a) and (3) (e) GDPR: the data
are still needed for the contract or for claims): a running contract, open items or credits,
an open disconnection case, a legal dispute (a disputed claim or an open complaint).

Retained areas are kept, restricted, until the end of their period (kc.privacy.rules): the
latest document of an area decides; the latest area decides the day of the final purge.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kc.billing.models import (
    BillingDocument,
    BudgetBillingPlan,
    BudgetChangeRequest,
    Invoice,
    TariffOffer,
)
from kc.cases.models import Case, CaseType, Message
from kc.core.money import format_eur
from kc.customers.models import BusinessPartner, ContractAccount
from kc.disconnection.models import DisconnectionCase, PaymentProof
from kc.letters.models import Letter
from kc.payments import ledger
from kc.payments.models import LedgerDocument, LedgerLine, Payout, SepaMandate
from kc.privacy import rules
from kc.supply.models import Contract


@dataclass(frozen=True, slots=True)
class Blocker:
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class Retained:
    area: str
    category: str
    count: int
    last_made_on: datetime.date
    until: datetime.date

    @property
    def category_label(self) -> str:
        return rules.CATEGORY_LABELS[self.category]


def blockers(partner: BusinessPartner, today: datetime.date) -> list[Blocker]:
    found: list[Blocker] = []
    running = Contract.objects.filter(account__partner=partner).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )
    if numbers := list(running.values_list("number", flat=True)):
        found.append(Blocker("running_contract", _("Laufender Vertrag: %s") % ", ".join(numbers)))
    for account in ContractAccount.objects.filter(partner=partner).order_by("pk"):
        if ledger.open_items(account) or ledger.open_credits(account):
            found.append(
                Blocker(
                    "open_items",
                    _("Offene Posten auf Vertragskonto %(number)s (Saldo %(balance)s)")
                    % {"number": account.number, "balance": format_eur(ledger.balance(account))},
                )
            )
    open_disconnection = DisconnectionCase.objects.filter(
        account__partner=partner, status__in=DisconnectionCase.OPEN
    )
    if numbers := list(open_disconnection.values_list("number", flat=True)):
        found.append(
            Blocker("open_disconnection", _("Offener Sperrvorgang: %s") % ", ".join(numbers))
        )
    if LedgerLine.objects.filter(account__partner=partner, disputed=True).exists():
        found.append(Blocker("dispute", _("Bestrittene Forderung (Rechtsstreit möglich)")))
    open_complaints = Case.objects.filter(partner=partner, case_type=CaseType.COMPLAINT).exclude(
        status__in=[Case.Status.RESOLVED, Case.Status.CLOSED]
    )
    if numbers := list(open_complaints.values_list("number", flat=True)):
        found.append(Blocker("dispute", _("Offene Beschwerde: %s") % ", ".join(numbers)))
    return found


def _day(value: datetime.date | datetime.datetime | None) -> datetime.date | None:
    # The calendar year is Berlin's: a record made at 00:30 on 1 January (23:30 UTC on
    # 31 December) belongs to the new year, whose period ends a year later.
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value)
    return value


# (area, category, count and latest date of the partner's records)
StrOrPromise = str | Promise
_Probe = Callable[[BusinessPartner], tuple[int, datetime.date | datetime.datetime | None]]


def _latest(qs, field: str):  # type: ignore[no-untyped-def]
    result = qs.aggregate(latest=Max(field))
    return qs.count(), result["latest"]


def _contracts(p: BusinessPartner) -> tuple[int, datetime.date | None]:
    contracts = Contract.objects.filter(account__partner=p)
    ended = contracts.aggregate(latest=Max("end_date"))["latest"]
    return contracts.count(), ended


def _mandates(p: BusinessPartner) -> tuple[int, datetime.date | None]:
    mandates = SepaMandate.objects.filter(account__partner=p)
    dates = mandates.aggregate(
        used=Max("last_used_on"), ended=Max("ended_on"), signed=Max("signed_on")
    )
    known = [d for d in dates.values() if d is not None]
    return mandates.count(), max(known) if known else None


def _funding(p: BusinessPartner) -> tuple[int, datetime.datetime | None]:
    """Funding applications and their decisions are vouchers of a payment (when present)."""
    try:
        model = apps.get_model("funding", "FundingApplication")
    except LookupError:
        return 0, None
    return _latest(model._default_manager.filter(partner=p), "applied_at")  # type: ignore[no-any-return]


PROBES: tuple[tuple[StrOrPromise, str, _Probe], ...] = (
    (
        _l("Buchungen (Kontoauszug des Vertragskontos)"),
        rules.BOOK,
        lambda p: _latest(LedgerDocument.objects.filter(account__partner=p), "booking_date"),
    ),
    (
        _l("Rechnungen"),
        rules.VOUCHER,
        lambda p: _latest(Invoice.objects.filter(account__partner=p), "issue_date"),
    ),
    (
        _l("Abrechnungen"),
        rules.VOUCHER,
        lambda p: _latest(
            BillingDocument.objects.filter(contract__account__partner=p), "created_at"
        ),
    ),
    (
        _l("Zahlbelege"),
        rules.VOUCHER,
        lambda p: _latest(PaymentProof.objects.filter(account__partner=p), "received_at"),
    ),
    (_l("SEPA-Lastschriftmandate"), rules.VOUCHER, _mandates),
    (
        _l("Auszahlungen"),
        rules.VOUCHER,
        lambda p: _latest(Payout.objects.filter(account__partner=p), "created_at"),
    ),
    (_l("Förderanträge"), rules.VOUCHER, _funding),
    (_l("Verträge"), rules.BUSINESS_LETTER, _contracts),
    (
        _l("Briefe"),
        rules.BUSINESS_LETTER,
        lambda p: _latest(Letter.objects.filter(partner=p), "created_at"),
    ),
    (
        _l("E-Mails und Nachrichten der Vorgänge"),
        rules.BUSINESS_LETTER,
        lambda p: _latest(
            Message.objects.filter(case__partner=p).exclude(kind__in=["note", "status"]),
            "created_at",
        ),
    ),
    (
        _l("Abschlagspläne und -änderungen"),
        rules.BUSINESS_LETTER,
        lambda p: _latest(
            BudgetBillingPlan.objects.filter(contract__account__partner=p), "created_at"
        ),
    ),
    (
        _l("Abschlagsänderungswünsche"),
        rules.BUSINESS_LETTER,
        lambda p: _latest(
            BudgetChangeRequest.objects.filter(contract__account__partner=p), "requested_at"
        ),
    ),
    (
        _l("Tarifangebote"),
        rules.BUSINESS_LETTER,
        lambda p: _latest(TariffOffer.objects.filter(partner=p), "created_at"),
    ),
    (
        _l("Sperrvorgänge"),
        rules.BUSINESS_LETTER,
        lambda p: _latest(DisconnectionCase.objects.filter(account__partner=p), "created_at"),
    ),
)


def retained(partner: BusinessPartner, today: datetime.date) -> list[Retained]:
    """Each area that still holds records and the last day it must be kept."""
    found = []
    for area, category, probe in PROBES:
        count, latest = probe(partner)
        made_on = _day(latest) or today  # a running contract: its period has not begun
        if count:
            until = rules.retained_until(made_on, category, on=today)
            found.append(Retained(str(area), category, count, made_on, until))
    return found


def final_purge_on(kept: list[Retained]) -> datetime.date | None:
    """The first day on which nothing is left to keep (None: nothing is kept at all)."""
    if not kept:
        return None
    return max(item.until for item in kept) + datetime.timedelta(days=1)
