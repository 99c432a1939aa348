"""Inbound calls from the call journal: answered and missed per period bucket and per Berlin
hour of day, with the service level where the data allows it.

Answered: the call has answered_at. Missed: it ended without being answered. Ringing calls
are still open and not counted. Service level = calls answered within 20 seconds of their
start / (answered + missed), the 80/20 convention of the hotline staffing (kc/desk/staffing.py);
calls hung up early count as missed, nothing is left out.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import ExtractHour, TruncDate
from django.utils.translation import gettext as _

from kc.cases.call_rules import BLOCKED_CAUSE
from kc.cases.models import Call
from kc.desk.reports.period import BERLIN, Period, fold
from kc.desk.reports.query import in_period
from kc.desk.reports.sections import Figure, Section
from kc.desk.reports.svg import Chart, Kind, Series
from kc.desk.reports.table import Cell, Column, Table

ANSWER_SECONDS = 20
OPENING_HOURS = range(8, 20)  # Mon–Sat 8–20: these hours always show, other hours when used
FIGURES = ("answered", "missed", "in_time")


def _counts() -> dict[str, Count]:
    answered = Q(answered_at__isnull=False)
    return {
        "answered": Count("pk", filter=answered),
        "missed": Count(
            "pk",
            filter=Q(answered_at__isnull=True) & Q(state__in=[Call.State.MISSED, Call.State.ENDED]),
        ),
        "in_time": Count(
            "pk",
            filter=answered
            & Q(answered_at__lte=F("started_at") + datetime.timedelta(seconds=ANSWER_SECONDS)),
        ),
    }


def _inbound(period: Period) -> QuerySet[Call]:
    # A call refused because its number is blocked was not missed: nobody was meant to answer.
    inbound = Call.objects.filter(direction=Call.Direction.IN).exclude(cause=BLOCKED_CAUSE)
    return in_period(inbound, "started_at", period)


def service_level(in_time: int, answered: int, missed: int) -> Decimal | None:
    if answered + missed == 0:
        return None
    return (Decimal(100 * in_time) / (answered + missed)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def per_day_and_hour(period: Period) -> dict[str, dict[tuple[datetime.date, int], int]]:
    """{figure: {(Berlin day, Berlin hour): count}}: one GROUP BY query for both tables (the
    time-zone functions run once per call, which is what costs on SQLite)."""
    rows = (
        _inbound(period)
        .annotate(
            day=TruncDate("started_at", tzinfo=BERLIN),
            hour=ExtractHour("started_at", tzinfo=BERLIN),
        )
        .order_by()
        .values("day", "hour")
        .annotate(**_counts())
    )
    result: dict[str, dict[tuple[datetime.date, int], int]] = {f: {} for f in FIGURES}
    for row in rows:
        values = cast("dict[str, Any]", row)
        for figure in FIGURES:
            result[figure][(values["day"], values["hour"])] = values[figure]
    return result


def _sum_by[K](
    counts: dict[tuple[datetime.date, int], int], part: Callable[[tuple[datetime.date, int]], K]
) -> dict[K, int]:
    totals: dict[K, int] = defaultdict(int)
    for key, count in counts.items():
        totals[part(key)] += count
    return dict(totals)


def _table(
    slug: str, caption: str, first: str, labels: list[str], columns: dict[str, list[int]]
) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for index, label in enumerate(labels):
        answered, missed, in_time = (columns[f][index] for f in FIGURES)
        rows.append((label, answered, missed, in_time, service_level(in_time, answered, missed)))
    answered, missed, in_time = (sum(columns[f]) for f in FIGURES)
    rows.append((_("Gesamt"), answered, missed, in_time, service_level(in_time, answered, missed)))
    return Table(
        slug=slug,
        caption=caption,
        columns=(
            Column(first, numeric=False),
            Column(_("angenommen")),
            Column(_("verpasst")),
            Column(_("in 20 s angenommen")),
            Column(_("Servicelevel (%)"), places=1),
        ),
        rows=rows,
    )


def _chart(slug: str, title: str, labels: list[str], columns: dict[str, list[int]]) -> Chart:
    return Chart(
        slug=slug,
        kind=Kind.STACKED,
        title=title,
        desc=_("Gestapelte Säulen: angenommene und verpasste Anrufe; Zahlen in der Tabelle."),
        categories=tuple(labels),
        series=(
            Series(_("angenommen"), tuple(columns["answered"])),
            Series(_("verpasst"), tuple(columns["missed"])),
        ),
        unit=_("Anrufe"),
    )


def calls(period: Period) -> Section:
    counts = per_day_and_hour(period)
    daily = {f: _sum_by(counts[f], lambda key: key[0]) for f in FIGURES}
    hourly = {f: _sum_by(counts[f], lambda key: key[1]) for f in FIGURES}
    by_bucket = {f: fold(period, daily[f], 0) for f in FIGURES}
    bucket_labels = [b.label for b in period.buckets()]
    hours = sorted(set(OPENING_HOURS) | {h for f in FIGURES for h in hourly[f]})
    by_hour = {f: [hourly[f].get(h, 0) for h in hours] for f in FIGURES}
    hour_labels = [f"{h:02d}–{h + 1:02d}" for h in hours]
    return Section(
        key="anrufe",
        title=_("Anrufe angenommen und verpasst"),
        intro=_(
            "Eingehende Anrufe aus dem Anrufjournal. Servicelevel: Anteil der in 20 Sekunden "
            "angenommenen an allen angenommenen und verpassten Anrufen."
        ),
        figures=[
            Figure(
                _table(
                    "anrufe-zeitraum",
                    _("Anrufe je Zeitraum"),
                    _("Zeitraum"),
                    bucket_labels,
                    by_bucket,
                ),
                _chart("chart-anrufe-zeitraum", _("Anrufe je Zeitraum"), bucket_labels, by_bucket),
            ),
            Figure(
                _table(
                    "anrufe-stunde",
                    _("Anrufe je Uhrzeit (Berliner Zeit)"),
                    _("Uhrzeit"),
                    hour_labels,
                    by_hour,
                ),
                _chart("chart-anrufe-stunde", _("Anrufe je Uhrzeit"), hour_labels, by_hour),
            ),
        ],
    )
