"""Read queries of the funding program: terms in force, budget consumption, the queue."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from kc.core.money import round_cents
from kc.funding.models import FundingApplication, FundingCategory, FundingProgram, ProgramBudget

Status = FundingApplication.Status
ZERO = Decimal("0.00")


def categories_in_force(day: datetime.date) -> list[FundingCategory]:
    """For every active program and category key, the terms valid on `day`."""
    rows = (
        FundingCategory.objects.filter(program__active=True, valid_from__lte=day)
        .select_related("program")
        .order_by("program__name", "key", "-valid_from")
    )
    seen: set[tuple[int, str]] = set()
    found = []
    for row in rows:
        if (row.program_id, row.key) in seen:
            continue
        seen.add((row.program_id, row.key))
        if row.active:
            found.append(row)
    return sorted(found, key=lambda c: (c.program.name, c.label))


def terms_in_force(category: FundingCategory, day: datetime.date) -> FundingCategory | None:
    """The version of `category` (same program and key) valid on `day`, if any and active."""
    row = (
        FundingCategory.objects.filter(
            program_id=category.program_id, key=category.key, valid_from__lte=day
        )
        .select_related("program")
        .order_by("-valid_from")
        .first()
    )
    return row if row is not None and row.active and row.program.active else None


@dataclass(frozen=True)
class Consumption:
    budget: Decimal | None  # None: no budget set for the year
    reserved: Decimal  # approved, not yet paid
    paid: Decimal
    clawed_back: Decimal

    @property
    def used(self) -> Decimal:
        return self.reserved + self.paid - self.clawed_back

    @property
    def left(self) -> Decimal:
        return max(ZERO, (self.budget or ZERO) - self.used)


def consumption(program: FundingProgram | int, year: int) -> Consumption:
    """Live budget use of one program year: reserved + paid − clawed back."""
    rows = FundingApplication.objects.filter(category__program=program, budget_year=year)
    sums = rows.aggregate(
        reserved=Sum("approved_amount", filter=Q(status=Status.APPROVED)),
        paid=Sum("approved_amount", filter=Q(status__in=[Status.PAID, Status.CLAWED_BACK])),
        clawed_back=Sum("clawback_amount", filter=Q(status=Status.CLAWED_BACK)),
    )
    budget = (
        ProgramBudget.objects.filter(program=program, year=year)
        .values_list("amount", flat=True)
        .first()
    )
    # SQLite sums decimals as floating point: back to cents.
    return Consumption(
        budget=budget,
        reserved=round_cents(Decimal(sums["reserved"] or 0)),
        paid=round_cents(Decimal(sums["paid"] or 0)),
        clawed_back=round_cents(Decimal(sums["clawed_back"] or 0)),
    )


def queue(status: str | None = None) -> QuerySet[FundingApplication]:
    """Applications for the clerk: open ones (or one state), oldest first."""
    rows = FundingApplication.objects.select_related(
        "partner", "category", "category__program", "contract"
    )
    rows = rows.filter(status=status) if status else rows.filter(status__in=FundingApplication.OPEN)
    return rows.order_by("applied_at", "id")


def status_counts() -> dict[str, int]:
    counts = {key: 0 for key in Status.values}
    for row in FundingApplication.objects.order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = int(row["n"])
    return counts
