"""Who may get funding: each rule is a small function that returns the reason it fails (or
None). `check` runs them all, so the applicant sees every failing reason at once.

Dates are Europe/Berlin calendar days (the caller passes timezone.localdate()). The terms
are those of the category version in force on the application date.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from kc.core.money import format_eur
from kc.customers.models import BusinessPartner, ContractAccount
from kc.funding import selectors
from kc.funding.amounts import add_years
from kc.funding.models import FundingApplication, FundingCategory
from kc.payments.mandates import active_mandate
from kc.supply.models import Contract


@dataclass(frozen=True)
class Request:
    """What is applied for, as the rules see it."""

    partner: BusinessPartner
    account: ContractAccount
    contract: Contract
    category: FundingCategory  # the version in force on `applied_on`
    commissioned_on: datetime.date
    applied_on: datetime.date
    amount: Decimal
    exclude_id: int | None = None  # the application itself, when checked again at decision


@dataclass(frozen=True)
class Reason:
    code: str
    message: str


Rule = Callable[[Request], Reason | None]


def terms_active(request: Request) -> Reason | None:
    category = request.category
    if not (category.active and category.program.active):
        return Reason("inactive", _("Diese Förderung wird derzeit nicht angeboten."))
    if category.valid_from > request.applied_on:
        return Reason("inactive", _("Diese Förderbedingungen gelten noch nicht."))
    return None


def contract_in_division(request: Request) -> Reason | None:
    """An active supply contract in the category's division on the application date."""
    contract, day = request.contract, request.applied_on
    division = request.category.get_division_display()
    if contract.account_id != request.account.pk or request.account.partner_id != (
        request.partner.pk
    ):
        return Reason("contract", _("Der Vertrag gehört nicht zu diesem Kundenkonto."))
    if contract.division != request.category.division:
        return Reason(
            "division",
            _("Gefördert wird nur mit einem Liefervertrag für {division}.").format(
                division=division
            ),
        )
    if contract.start_date > day or (contract.end_date is not None and contract.end_date < day):
        return Reason(
            "contract_inactive",
            _("Am {day} besteht kein laufender Liefervertrag für {division}.").format(
                day=f"{day:%d.%m.%Y}", division=division
            ),
        )
    return None


def mandate_in_place(request: Request) -> Reason | None:
    if active_mandate(request.account) is None:
        return Reason(
            "mandate",
            _(
                "Für das Vertragskonto {number} liegt kein SEPA-Lastschriftmandat vor; die "
                "Förderung setzt eines voraus."
            ).format(number=request.account.number),
        )
    return None


def deadline(request: Request) -> datetime.date:
    return request.commissioned_on + datetime.timedelta(weeks=request.category.window_weeks)


def within_window(request: Request) -> Reason | None:
    """Applied no later than N weeks after commissioning (and not before it)."""
    if request.commissioned_on > request.applied_on:
        return Reason(
            "future",
            _("Die Inbetriebnahme liegt in der Zukunft: bitte danach beantragen."),
        )
    last_day = deadline(request)
    if request.applied_on > last_day:
        return Reason(
            "deadline",
            _(
                "Der Antrag muss spätestens {weeks} Wochen nach der Inbetriebnahme vom "
                "{commissioned} eingehen, also bis zum {last}."
            ).format(
                weeks=request.category.window_weeks,
                commissioned=f"{request.commissioned_on:%d.%m.%Y}",
                last=f"{last_day:%d.%m.%Y}",
            ),
        )
    return None


def once_per_period(request: Request) -> Reason | None:
    """One application per customer and category within N years (refused and withdrawn ones
    do not count): the earlier application's date plus N years must have passed."""
    years = request.category.repeat_years
    since = add_years(request.applied_on, -years)
    earlier = (
        FundingApplication.objects.filter(
            partner=request.partner,
            category__program_id=request.category.program_id,
            category__key=request.category.key,
            status__in=FundingApplication.COUNTING,
        )
        .exclude(pk=request.exclude_id or 0)
        .order_by("-applied_at")
        .first()
    )
    if earlier is None:
        return None
    earlier_on = timezone.localdate(earlier.applied_at)
    if earlier_on <= since:
        return None
    return Reason(
        "repeat",
        _(
            "Für {category} haben Sie am {day} schon einen Antrag gestellt ({number}); "
            "gefördert wird einmal in {years} Jahren, wieder ab dem {next}."
        ).format(
            category=request.category.label,
            day=f"{earlier_on:%d.%m.%Y}",
            number=earlier.number,
            years=years,
            # The first day the rule above lets through (not "less than N years" any more).
            next=f"{add_years(earlier_on, years):%d.%m.%Y}",
        ),
    )


def budget_left(request: Request) -> Reason | None:
    use = selectors.consumption(request.category.program_id, request.applied_on.year)
    if use.budget is None:
        return Reason(
            "budget",
            _("Für {year} ist in diesem Programm noch kein Förderbudget freigegeben.").format(
                year=request.applied_on.year
            ),
        )
    if use.left <= 0:
        return Reason(
            "budget",
            _("Das Förderbudget {year} ist ausgeschöpft.").format(year=request.applied_on.year),
        )
    if use.left < request.amount:
        return Reason(
            "budget",
            _("Vom Förderbudget {year} sind nur noch {left} frei.").format(
                year=request.applied_on.year, left=format_eur(use.left)
            ),
        )
    return None


def amount_positive(request: Request) -> Reason | None:
    if request.amount <= 0:
        return Reason("amount", _("Für diesen Kaufpreis ergibt sich keine Förderung."))
    return None


RULES: tuple[Rule, ...] = (
    terms_active,
    contract_in_division,
    mandate_in_place,
    within_window,
    once_per_period,
    amount_positive,
    budget_left,
)
# At the decision the budget is checked under the budget row's lock instead.
DECISION_RULES: tuple[Rule, ...] = tuple(rule for rule in RULES if rule is not budget_left)


def check(request: Request, rules: tuple[Rule, ...] = RULES) -> list[Reason]:
    """Every failing reason, in the order of the rules."""
    return [reason for rule in rules if (reason := rule(request)) is not None]
