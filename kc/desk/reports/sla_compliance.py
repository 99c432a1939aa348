"""SLA compliance of the cases received in the period: answered (resolved) at or before
first_response_due (resolution_due), the due dates the SLA clocks wrote on the case.

Met and late are settled; an unanswered case past its due date counts as late already (the
breach cannot heal); an unanswered case still in time is open and outside the share. Cases
without a due date (no target for their type, or paused) are counted apart. The share is
met / (met + late), in percent with one decimal.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.cases.models import Case
from kc.desk.reports.period import BERLIN, Period, fold
from kc.desk.reports.query import in_period
from kc.desk.reports.sections import Figure, Section
from kc.desk.reports.svg import Chart, Kind, Series
from kc.desk.reports.table import Cell, Column, Table

OUTCOMES = ("met", "late", "running", "no_target")


def share(met: int, late: int) -> Decimal | None:
    if met + late == 0:
        return None
    return (Decimal(100 * met) / (met + late)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def outcomes(
    period: Period, done: Coalesce | F, due: str, now: datetime.datetime
) -> dict[str, dict[datetime.date, int]]:
    """{outcome: {Berlin day of receipt: count}} for one target; one GROUP BY query."""
    has_due = Q(**{f"{due}__isnull": False})
    rows = (
        in_period(Case.objects.all(), "received_at", period)
        .alias(achieved=done)
        .annotate(day=TruncDate("received_at", tzinfo=BERLIN))
        .order_by()
        .values("day")
        .annotate(
            met=Count("pk", filter=has_due & Q(achieved__lte=F(due))),
            late=Count(
                "pk",
                filter=has_due
                & (Q(achieved__gt=F(due)) | Q(achieved__isnull=True, **{f"{due}__lt": now})),
            ),
            running=Count("pk", filter=Q(achieved__isnull=True, **{f"{due}__gte": now})),
            no_target=Count("pk", filter=~has_due),
        )
    )
    result: dict[str, dict[datetime.date, int]] = {outcome: {} for outcome in OUTCOMES}
    for row in rows:
        values = cast("dict[str, Any]", row)
        for outcome in OUTCOMES:
            result[outcome][values["day"]] = values[outcome]
    return result


def _figure(
    period: Period, data: dict[str, dict[datetime.date, int]], slug: str, name: str
) -> Figure:
    buckets = period.buckets()
    folded = {outcome: fold(period, data[outcome], 0) for outcome in OUTCOMES}
    rows: list[tuple[Cell, ...]] = []
    shares: list[Decimal | None] = []
    for index, bucket in enumerate(buckets):
        counts = [folded[outcome][index] for outcome in OUTCOMES]
        shares.append(share(counts[0], counts[1]))
        rows.append((bucket.label, *counts, shares[-1]))
    totals = [sum(folded[outcome]) for outcome in OUTCOMES]
    rows.append((_("Gesamt"), *totals, share(totals[0], totals[1])))
    table = Table(
        slug=slug,
        caption=_("{name}: Fristen eingehalten nach Eingangszeitraum").format(name=name),
        columns=(
            Column(_("Eingang"), numeric=False),
            Column(_("in der Frist")),
            Column(_("zu spät")),
            Column(_("läuft noch")),
            Column(_("ohne Frist")),
            Column(_("Quote (%)"), places=1),
        ),
        rows=rows,
    )
    chart = Chart(
        slug=f"chart-{slug}",
        kind=Kind.STACKED,
        title=_("{name}: in der Frist und zu spät").format(name=name),
        desc=_("Gestapelte Säulen je Eingangszeitraum; die Quote steht in der Tabelle."),
        categories=tuple(b.label for b in buckets),
        series=(
            Series(_("in der Frist"), tuple(folded["met"])),
            Series(_("zu spät"), tuple(folded["late"])),
        ),
        unit=_("Vorgänge"),
    )
    return Figure(table, chart)


def sla_compliance(period: Period, now: datetime.datetime | None = None) -> Section:
    now = now or timezone.now()
    # The SLA clock counts a resolution without a recorded first response as the response.
    first = outcomes(
        period, Coalesce("first_response_at", "resolved_at"), "first_response_due", now
    )
    resolution = outcomes(period, F("resolved_at"), "resolution_due", now)
    return Section(
        key="sla",
        title=_("SLA-Einhaltung"),
        intro=_(
            "Anteil der Vorgänge mit Eingang im Zeitraum, die bis zur Frist beantwortet bzw. "
            "erledigt wurden. Offene Vorgänge nach Fristablauf zählen als zu spät; offene in "
            "der Frist zählen noch nicht mit."
        ),
        figures=[
            _figure(period, first, "sla-erste-antwort", _("Erste Antwort")),
            _figure(period, resolution, "sla-erledigung", _("Erledigung")),
        ],
    )
