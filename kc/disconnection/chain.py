"""The disconnection document: every step of the legal chain, checked against the rule set of
its date, and logged.

threat → (agreement offered on request, at the latest with the announcement) → announcement
(N Werktage before the date) → order to the field service → execution → reconnection.
The chain stops by an agent's decision with a reason (proportionality, e.g. danger to health)
or by itself when the arrears fall below the threshold; no step is taken against the rules.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.billing import plans
from kc.cases import services as case_services
from kc.cases.bulk import update_cases
from kc.cases.models import Case, CaseType
from kc.core import audit
from kc.core.business_calendar import public_holidays
from kc.core.models import NumberRange, User
from kc.core.money import format_eur
from kc.core.numbers import next_number
from kc.core.validation import Refusal
from kc.customers.models import ContractAccount
from kc.disconnection import rules
from kc.disconnection.models import (
    DisconnectionCase,
    DisconnectionEvent,
    FieldOrder,
    InstallmentPlan,
)
from kc.letters import services as letters
from kc.letters.document import Column, Table
from kc.payments import ledger
from kc.payments.models import LedgerDocument, LedgerLine
from kc.supply.models import Contract, Division

Status = DisconnectionCase.Status


class ChainError(Refusal):
    """The step is not allowed now; the message says why (German, for the agent)."""


def ensure_number_ranges() -> None:
    for key, prefix in (("disconnection", "SP"), ("field_order", "AU")):
        NumberRange.objects.get_or_create(
            key=key,
            defaults={"prefix": prefix, "next_value": 1, "max_value": 99_999_999, "width": 8},
        )


def holidays_around(day: datetime.date) -> frozenset[datetime.date]:
    """Public holidays of the utility's state around `day` (Werktage exclude them)."""
    return frozenset().union(
        *(public_holidays("DE", "NW", year) for year in (day.year - 1, day.year, day.year + 1))
    )


def latest_announcement(rule_set: rules.RuleSet, day: datetime.date) -> datetime.date:
    """The last posting day of an announcement for `day` (the day before it when the rule set
    names no period)."""
    latest = rules.announcement_due_by(rule_set, day, holidays_around(day))
    return latest if latest is not None else day - datetime.timedelta(days=1)


def first_announceable_day(
    rule_set: rules.RuleSet, earliest: datetime.date, on: datetime.date
) -> datetime.date:
    """The first disconnection day from `earliest` on that an announcement posted on `on`
    still reaches in time."""
    day = earliest
    while latest_announcement(rule_set, day) < on:
        day += datetime.timedelta(days=1)
    return day


@dataclass(frozen=True)
class Arrears:
    """What counts for the threshold on a day: overdue, undisputed receivables."""

    overdue: Decimal
    disputed: Decimal
    monthly_instalment: Decimal
    expected_annual_gross: Decimal


def arrears_of(account: ContractAccount, contract: Contract, on: datetime.date) -> Arrears:
    # The threshold is the contract's (its Abschlag): only its items count, not those of the
    # account's other contracts, nor dunning fees.
    items = [
        i for i in ledger.open_items(account, due_until=on) if i.line.contract_id == contract.pk
    ]
    overdue = sum(
        (i.open_amount for i in items if i.line.due_on and i.line.due_on < on), Decimal(0)
    )
    credits = sum((c.open_amount for c in ledger.open_credits(account)), Decimal(0))
    disputed = sum(
        (i.open_amount for i in items if i.line.disputed and i.line.due_on and i.line.due_on < on),
        Decimal(0),
    )
    plan = plans.active_plan(contract)
    monthly = plan.instalment if plan is not None else Decimal(0)
    annual = monthly * 12 if monthly else _expected_annual(contract)
    return Arrears(
        overdue=max(overdue + credits, Decimal(0)),
        disputed=disputed,
        monthly_instalment=monthly,
        expected_annual_gross=annual,
    )


def _expected_annual(contract: Contract) -> Decimal:
    last = contract.billing_documents.filter(status="billed").order_by("-period_end").first()
    if last is None:
        return Decimal(0)
    days = (last.period_end - last.period_start).days + 1
    return (last.gross_total * 365 / days).quantize(Decimal("0.01"))


def rules_of(contract: Contract, on: datetime.date) -> rules.RuleSet:
    """The rule set of the contract's division and kind (Grundversorgung or not) on `on`."""
    return rules.rules_for(contract.division, on, basic_supply=contract.tariff.is_default_supply)


def test_arrears(contract: Contract, on: datetime.date) -> tuple[rules.RuleSet, rules.ArrearsTest]:
    rule_set = rules_of(contract, on)
    arrears = arrears_of(contract.account, contract, on)
    try:
        result = rules.arrears_test(
            rule_set,
            arrears=arrears.overdue,
            disputed=arrears.disputed,
            monthly_instalment=arrears.monthly_instalment,
            expected_annual_gross=arrears.expected_annual_gross,
        )
    except ValueError as error:  # neither an Abschlag nor a bill to measure the arrears by
        result = rules.ArrearsTest(
            ok=False, relevant=arrears.overdue, threshold=Decimal(0), reason=str(error)
        )
    return rule_set, result


def log_event(
    case: DisconnectionCase,
    kind: str,
    text: str,
    actor: User | None = None,
    letter_number: str = "",
) -> None:
    DisconnectionEvent.objects.create(
        case=case, kind=kind, text=text[:500], actor=actor, letter_number=letter_number
    )


def meter_number(contract: Contract) -> str:
    meter = contract.market_location.meters.order_by("-installed_on").first()
    return meter.number if meter is not None else "–"


def _division(contract: Contract) -> str:
    return str(Division(contract.division).label)


def items_table(items: list[ledger.OpenItem], *, total: Decimal | None = None) -> Table:
    """The overdue items a reminder or threat letter lists, with their sum if given."""
    return Table(
        (Column("Posten", 75), Column("Fällig am", 35), Column("Betrag", 30, "right")),
        tuple(
            (item.line.text[:40], f"{item.line.due_on:%d.%m.%Y}", format_eur(item.open_amount))
            for item in items
        ),
        totals=(("Summe", "", format_eur(total)),) if total is not None else (),
    )


@transaction.atomic
def threaten(
    contract: Contract, *, on: datetime.date, actor: User | None = None
) -> DisconnectionCase:
    """Send the threat when the arrears reach the threshold of the day's rule set."""
    contract = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("account__partner")
        .get(pk=contract.pk)
    )
    if DisconnectionCase.objects.filter(
        contract=contract, status__in=DisconnectionCase.OPEN
    ).exists():
        raise ChainError(_("Für diesen Vertrag läuft bereits ein Sperrvorgang."))
    rule_set, result = test_arrears(contract, on)
    if not result.ok:
        raise ChainError(result.reason)
    earliest = rules.earliest_disconnection(rule_set, on, holidays_around(on))
    account = contract.account
    case = DisconnectionCase.objects.create(
        number=next_number("disconnection"),
        account=account,
        contract=contract,
        status=Status.THREATENED,
        rule_set=rule_set.key,
        arrears=result.relevant,
        threshold=result.threshold,
        threat_sent_on=on,
        earliest_on=earliest,
    )
    work_case = case_services.open_case(
        subject=_("Sperrvorgang {number}: {division}, Rückstand {amount}").format(
            number=case.number, division=_division(contract), amount=format_eur(result.relevant)
        ),
        channel="letter",
        case_type=CaseType.RECONNECTION,
        partner=account.partner,
        actor=actor,
    )
    case.case_number = work_case.number
    case.save(update_fields=["case_number"])
    letter = letters.create_letter(
        kind="disconnection_threat",
        partner=account.partner,
        account=account,
        actor=actor,
        case_number=work_case.number,
        values={
            "rueckstand": format_eur(result.relevant),
            "zahlbar_bis": f"{on + datetime.timedelta(days=14):%d.%m.%Y}",
            "sperre_ab": f"{earliest:%d.%m.%Y}",
            "sparte": _division(contract),
            "zaehlernummer": meter_number(contract),
            "posten": items_table(
                [
                    item
                    for item in ledger.open_items(account, due_until=on)
                    if item.line.due_on and item.line.due_on < on
                ]
            ),
        },
    )
    log_event(
        case,
        "threat",
        _(
            "Sperre angedroht nach {rules}: Rückstand {amount} (Schwelle {threshold}), "
            "frühestens {day}."
        ).format(
            rules=rule_set.title,
            amount=format_eur(result.relevant),
            threshold=format_eur(result.threshold),
            day=f"{earliest:%d.%m.%Y}",
        ),
        actor,
        letter.number,
    )
    audit.record(actor=actor, action=audit.Action.CREATE, obj=case, partner_id=account.partner_id)
    return case


@transaction.atomic
def offer_agreement(
    case: DisconnectionCase, *, on: datetime.date, actor: User | None, months: int | None = None
) -> InstallmentPlan:
    """The Abwendungsvereinbarung: interest-free monthly instalments of the arrears."""
    case = DisconnectionCase.objects.select_for_update().get(pk=case.pk)
    if case.status not in (Status.THREATENED, Status.ANNOUNCED):
        raise ChainError(_("Eine Abwendungsvereinbarung ist in diesem Stand nicht möglich."))
    rule_set, test = test_arrears(case.contract, on)
    arrears = test.relevant  # §41g: the arrears that count, disputed amounts left out
    if arrears <= 0:
        raise ChainError(_("Es besteht kein Rückstand, der aufzuteilen wäre."))
    try:
        low, high = rules.installment_bounds(rule_set, arrears)
    except ValueError as error:  # the rule set (water, heat) knows no such agreement
        raise ChainError(str(error)) from error
    months = months or low
    if not low <= months <= high:
        raise ChainError(
            _("Die Ratenzahl muss zwischen {low} und {high} liegen.").format(low=low, high=high)
        )
    first_due = plans.first_due_after(on)
    schedule = rules.installment_schedule(arrears, months, first_due)
    plan = InstallmentPlan.objects.create(
        case=case, amount=arrears, months=months, first_due_on=first_due
    )
    answer_by = on + datetime.timedelta(days=14)
    letter = letters.create_letter(
        kind="installment_offer",
        partner=case.account.partner,
        account=case.account,
        actor=actor,
        case_number=case.case_number,
        values={
            "rueckstand": format_eur(arrears),
            "ratenzahl": str(months),
            "rate": format_eur(schedule[0][1]),
            "antwort_bis": f"{answer_by:%d.%m.%Y}",
            "raten": Table(
                (Column("Fällig am", 35), Column("Rate", 30, "right")),
                tuple((f"{day:%d.%m.%Y}", format_eur(amount)) for day, amount in schedule),
            ),
        },
    )
    plan.letter_number = letter.number
    plan.save(update_fields=["letter_number"])
    case.agreement_offered_on = on
    case.save(update_fields=["agreement_offered_on"])
    log_event(
        case,
        "agreement_offer",
        _("Abwendungsvereinbarung angeboten: {months} Raten über {amount}.").format(
            months=months, amount=format_eur(arrears)
        ),
        actor,
        letter.number,
    )
    return plan


@transaction.atomic
def request_agreement(
    case: DisconnectionCase, *, on: datetime.date, actor: User | None
) -> InstallmentPlan:
    """The customer asks for an agreement: the offer goes out at once (within the week)."""
    case = DisconnectionCase.objects.select_for_update().get(pk=case.pk)
    case.agreement_requested_on = on
    case.save(update_fields=["agreement_requested_on"])
    log_event(case, "agreement_request", _("Kunde bittet um eine Abwendungsvereinbarung."), actor)
    return offer_agreement(case, on=on, actor=actor)


@transaction.atomic
def accept_agreement(plan: InstallmentPlan, *, actor: User | None) -> InstallmentPlan:
    plan = (
        InstallmentPlan.objects.select_for_update(of=("self",))
        .select_related("case")
        .get(pk=plan.pk)
    )
    if plan.status != InstallmentPlan.Status.OFFERED:
        raise ChainError(_("Das Angebot ist nicht mehr offen."))
    plan.status = InstallmentPlan.Status.ACCEPTED
    plan.save(update_fields=["status"])
    case = plan.case
    case.status = Status.AGREEMENT
    case.save(update_fields=["status"])
    log_event(case, "agreement", _("Abwendungsvereinbarung angenommen; die Sperre ruht."), actor)
    return plan


# A missed instalment counts as missed a week after its due date.
AGREEMENT_GRACE = datetime.timedelta(days=7)


@transaction.atomic
def check_agreement(case: DisconnectionCase, *, on: datetime.date) -> bool:
    """While an agreement runs, the arrears may only be what the instalments not yet due
    leave open. More than that a week after a due date: the agreement is broken and the chain
    resumes where it stood (the threat was given; the announcement follows). True if broken."""
    case = DisconnectionCase.objects.select_for_update().get(pk=case.pk)
    plan = case.installment_plans.filter(status=InstallmentPlan.Status.ACCEPTED).first()
    if case.status != Status.AGREEMENT or plan is None:
        return False
    schedule = rules.installment_schedule(plan.amount, plan.months, plan.first_due_on)
    due = sum((amount for day, amount in schedule if day + AGREEMENT_GRACE <= on), Decimal(0))
    allowed = plan.amount - due
    arrears = test_arrears(case.contract, on)[1].relevant
    if arrears <= allowed:
        return False
    plan.status = InstallmentPlan.Status.BROKEN
    plan.save(update_fields=["status"])
    case.status = Status.THREATENED
    case.save(update_fields=["status"])
    log_event(
        case,
        "agreement_broken",
        _("Abwendungsvereinbarung nicht eingehalten: offen {arrears}, zulässig {allowed}.").format(
            arrears=format_eur(arrears), allowed=format_eur(allowed)
        ),
    )
    return True


def announce(
    case: DisconnectionCase, *, on: datetime.date, actor: User | None = None
) -> DisconnectionCase:
    """The announcement with the date, N Werktage ahead and not before the earliest day.
    Below the threshold the chain stops instead (that stop is kept, the step refused)."""
    _stop_if_below_threshold(case, on)
    return _announce(case, on=on, actor=actor)


def _stop_if_below_threshold(case: DisconnectionCase, on: datetime.date) -> None:
    result = test_arrears(case.contract, on)[1]
    if not result.ok:
        with transaction.atomic():  # its own transaction: the refusal below must not undo it
            locked = DisconnectionCase.objects.select_for_update().get(pk=case.pk)
            if locked.status in (Status.THREATENED, Status.ANNOUNCED):
                stop_below_threshold(locked, result.reason)
        raise ChainError(result.reason)


@transaction.atomic
def _announce(
    case: DisconnectionCase, *, on: datetime.date, actor: User | None = None
) -> DisconnectionCase:
    case = (
        DisconnectionCase.objects.select_for_update()
        .select_related("contract", "account__partner")
        .get(pk=case.pk)
    )
    if case.status != Status.THREATENED:
        raise ChainError(_("Angekündigt wird nur eine angedrohte Sperre."))
    rule_set, result = test_arrears(case.contract, on)
    if not result.ok:  # paid between the check and the lock: the next run stops the chain
        raise ChainError(result.reason)
    day = max(case.earliest_on, on + datetime.timedelta(days=1))
    day = first_announceable_day(rule_set, day, on)
    if case.agreement_offered_on is None and rule_set.installment_offer_required:
        offer_agreement(case, on=on, actor=actor)  # at the latest with the announcement
        case.refresh_from_db()
    letter = letters.create_letter(
        kind="disconnection_announcement",
        partner=case.account.partner,
        account=case.account,
        actor=actor,
        case_number=case.case_number,
        values={
            "rueckstand": format_eur(result.relevant),
            "sperrtermin": f"{day:%d.%m.%Y}",
            "sparte": _division(case.contract),
            "zaehlernummer": meter_number(case.contract),
            "sperrkosten": format_eur(settings.KC_DISCONNECTION_COSTS),
        },
    )
    case.status, case.announced_on, case.planned_on = Status.ANNOUNCED, on, day
    case.save(update_fields=["status", "announced_on", "planned_on"])
    log_event(
        case,
        "announcement",
        _("Sperre für den {day} angekündigt ({rules}).").format(
            day=f"{day:%d.%m.%Y}", rules=rule_set.title
        ),
        actor,
        letter.number,
    )
    return case


def order_disconnection(
    case: DisconnectionCase, *, on: datetime.date, actor: User | None = None
) -> FieldOrder:
    """On the announced day, if the arrears still reach the threshold: the order goes out."""
    _stop_if_below_threshold(case, on)
    return _order_disconnection(case, on=on, actor=actor)


@transaction.atomic
def _order_disconnection(
    case: DisconnectionCase, *, on: datetime.date, actor: User | None = None
) -> FieldOrder:
    case = (
        DisconnectionCase.objects.select_for_update(of=("self",))
        .select_related("contract")
        .get(pk=case.pk)
    )
    if case.status != Status.ANNOUNCED or case.planned_on is None:
        raise ChainError(_("Ein Sperrauftrag setzt eine Ankündigung voraus."))
    if on < case.planned_on:
        raise ChainError(
            _("Der angekündigte Termin ist der {day}.").format(day=f"{case.planned_on:%d.%m.%Y}")
        )
    result = test_arrears(case.contract, on)[1]
    if not result.ok:  # paid between the check and the lock: the next run stops the chain
        raise ChainError(result.reason)
    order = send_order(case, FieldOrder.Kind.DISCONNECT, planned_on=on, priority=2, actor=actor)
    case.status = Status.ORDERED
    case.save(update_fields=["status"])
    return order


def send_order(
    case: DisconnectionCase,
    kind: str,
    *,
    planned_on: datetime.date,
    priority: int,
    actor: User | None,
) -> FieldOrder:
    order = FieldOrder.objects.create(
        number=next_number("field_order"),
        case=case,
        kind=kind,
        priority=priority,
        planned_on=planned_on,
    )
    label = FieldOrder.Kind(kind).label
    contract = case.contract
    premise = contract.market_location.premise
    text = "\n".join(
        [
            f"{label} – Auftrag {order.number} "
            f"({'SOFORT' if priority >= 4 else 'Termin'} {planned_on:%d.%m.%Y})",
            f"Marktlokation {contract.market_location.malo_id}, Zähler {meter_number(contract)}",
            f"Verbrauchsstelle {premise.street_line}, {premise.city_line}",
            f"Sperrvorgang {case.number}",
            "Bitte die Ausführung über die Schnittstelle bestätigen (POST /api/v1/auftraege/"
            f"{order.number}/bestaetigung) oder auf diese E-Mail antworten.",
        ]
    )
    work_case = Case.objects.get(number=case.case_number)
    case_services.queue_email_to(
        case=work_case,
        recipient=settings.KC_FIELD_SERVICE_EMAIL,
        subject=f"{label} {order.number}",
        text=text,
        actor=actor,
    )
    log_event(
        case,
        f"order_{kind}",
        _("{label} beauftragt: {number}.").format(label=label, number=order.number),
        actor,
    )
    return order


class OrderCancelledError(ChainError):
    """The field service reports as done an order that had been withdrawn."""


def _executed_although_cancelled(order: FieldOrder, executed_at: datetime.datetime) -> None:
    """Someone cut the supply after the order was withdrawn: the case becomes urgent at once
    (its own transaction: the refusal to the field service must not undo the alarm)."""
    with transaction.atomic():
        case = order.case
        log_event(
            case,
            "cancelled_but_done",
            _("Auftrag {n} war storniert, wurde laut Außendienst aber am {at} ausgeführt.").format(
                n=order.number, at=f"{timezone.localtime(executed_at):%d.%m.%Y %H:%M}"
            ),
        )
        update_cases(Case.objects.filter(number=case.case_number), priority=Case.Priority.URGENT)


def confirm_order(
    order: FieldOrder,
    *,
    executed_at: datetime.datetime,
    done: bool = True,
    meter_reading: Decimal | None = None,
    note: str = "",
) -> FieldOrder:
    """The field service reports back (API). Idempotent: a second report changes nothing.
    Done on a withdrawn order raises OrderCancelledError after raising the alarm."""
    current = FieldOrder.objects.select_related("case").get(pk=order.pk)
    if current.status == FieldOrder.Status.CANCELLED and done:
        _executed_although_cancelled(current, executed_at)
        raise OrderCancelledError(
            _("Der Auftrag {n} war storniert; die Ausführung ist gemeldet.").format(n=order.number)
        )
    return _confirm_order(
        order, executed_at=executed_at, done=done, meter_reading=meter_reading, note=note
    )


@transaction.atomic
def _confirm_order(
    order: FieldOrder,
    *,
    executed_at: datetime.datetime,
    done: bool,
    meter_reading: Decimal | None,
    note: str,
) -> FieldOrder:
    order = (
        FieldOrder.objects.select_for_update(of=("self",))
        .select_related("case__contract")
        .get(pk=order.pk)
    )
    if order.status != FieldOrder.Status.SENT:
        return order
    order.status = FieldOrder.Status.DONE if done else FieldOrder.Status.FAILED
    order.confirmed_at, order.executed_at = timezone.now(), executed_at
    order.meter_reading, order.note = meter_reading, note[:300]
    order.save()
    case = DisconnectionCase.objects.select_for_update().get(pk=order.case_id)
    if not done:
        log_event(
            case,
            "order_failed",
            _("Auftrag {n} nicht ausgeführt: {note}").format(n=order.number, note=note),
        )
        return order
    if order.kind == FieldOrder.Kind.DISCONNECT:
        case.status, case.executed_at = Status.DISCONNECTED, executed_at
        case.costs = settings.KC_DISCONNECTION_COSTS
        case.save(update_fields=["status", "executed_at", "costs"])
        ledger.post(
            account=case.account,
            kind=LedgerDocument.Kind.FEE,
            source=f"disconnection:{case.number}",
            text=_("Kosten Sperrung und Entsperrung {number}").format(number=case.number),
            entries=[
                ledger.Entry(
                    amount=case.costs,
                    text=_("Sperr- und Entsperrkosten"),
                    due_on=timezone.localdate(),
                    contract_id=case.contract_id,
                )
            ],
            offset=LedgerLine.Offset.FEES,
        )
        log_event(
            case,
            "disconnected",
            _("Gesperrt am {at}.").format(at=f"{timezone.localtime(executed_at):%d.%m.%Y %H:%M}"),
        )
    else:
        case.status, case.reconnected_at = Status.RECONNECTED, executed_at
        case.save(update_fields=["status", "reconnected_at"])
        log_event(
            case,
            "reconnected",
            _("Entsperrt am {at}.").format(at=f"{timezone.localtime(executed_at):%d.%m.%Y %H:%M}"),
        )
        letters.create_letter(
            kind="reconnection_confirmation",
            partner=case.account.partner,
            account=case.account,
            actor=None,
            case_number=case.case_number,
            values={
                "wiederhergestellt_am": f"{timezone.localtime(executed_at):%d.%m.%Y}",
                "sparte": _division(case.contract),
                "zaehlernummer": meter_number(case.contract),
                "kosten": format_eur(case.costs),
            },
        )
    return order


@transaction.atomic
def stop(case: DisconnectionCase, *, reason: str, actor: User) -> DisconnectionCase:
    """Proportionality: a person ends the chain with the reason (e.g. danger to health)."""
    case = DisconnectionCase.objects.select_for_update().get(pk=case.pk)
    if case.status not in (Status.THREATENED, Status.AGREEMENT, Status.ANNOUNCED, Status.ORDERED):
        raise ChainError(_("Dieser Sperrvorgang kann nicht mehr eingestellt werden."))
    if not reason.strip():
        raise ChainError(_("Bitte den Grund angeben."))
    if case.status == Status.ORDERED:
        _cancel_orders(case, reason.strip(), actor)
    _stop(case, reason.strip(), actor)
    return case


def _cancel_orders(case: DisconnectionCase, reason: str, actor: User | None) -> None:
    """Orders already sent are withdrawn, and the field service is told at once."""
    work_case = Case.objects.get(number=case.case_number)
    for order in FieldOrder.objects.filter(case=case, status=FieldOrder.Status.SENT):
        order.status = FieldOrder.Status.CANCELLED
        order.save(update_fields=["status"])
        case_services.queue_email_to(
            case=work_case,
            recipient=settings.KC_FIELD_SERVICE_EMAIL,
            subject=f"STORNO {order.get_kind_display()} {order.number}",
            text=f"Auftrag {order.number} ist storniert und nicht auszuführen.\nGrund: {reason}",
            actor=actor,
        )
        log_event(
            case, "order_cancelled", _("Auftrag {n} storniert.").format(n=order.number), actor
        )


def stop_below_threshold(case: DisconnectionCase, reason: str) -> None:
    """The arrears fell below the threshold: the chain ends by itself."""
    _stop(case, _("Rückstand unter der Schwelle: {reason}").format(reason=reason), None)


def _stop(case: DisconnectionCase, reason: str, actor: User | None) -> None:
    case.status, case.stop_reason = Status.STOPPED, reason[:300]
    case.save(update_fields=["status", "stop_reason"])
    log_event(case, "stopped", _("Eingestellt: {reason}").format(reason=reason), actor)
    audit.record(
        actor=actor, action=audit.Action.UPDATE, obj=case, partner_id=case.account.partner_id
    )
