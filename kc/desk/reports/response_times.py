"""First-response and resolution times of the cases received in the period, in business
time: the hours the queue's calendar is open (default Mon–Sat 8–20, NRW holidays), as the
SLA clocks count them (kc/cases/sla.py). A mail in on Saturday at 19:55 and answered on
Monday at 8:05 took 10 minutes, not 36 hours.

A case resolved without a recorded first response counts its resolution as the response
(the SLA clock's rule). Resolution time runs from receipt to resolution, time waiting for the
customer included. Median and 90th percentile by nearest rank (stats.py).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from kc.cases.models import Case
from kc.core.business_calendar import BusinessCalendar
from kc.core.calendars import calendar_from, default_calendar
from kc.core.models import CalendarSetting
from kc.desk.reports.business_clock import BusinessClock
from kc.desk.reports.period import BERLIN, Period
from kc.desk.reports.query import in_period
from kc.desk.reports.sections import Figure, Section
from kc.desk.reports.stats import hours, mean, percentile
from kc.desk.reports.svg import Chart, Kind, Series
from kc.desk.reports.table import Cell, Column, Table

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Durations:
    """Business seconds per bucket start, and how many cases are still waiting."""

    done: dict[datetime.date, list[int]]
    waiting: dict[datetime.date, int]


def _calendars() -> dict[int | None, BusinessCalendar]:
    calendars: dict[int | None, BusinessCalendar] = {None: default_calendar()}
    for setting in CalendarSetting.objects.all():
        calendars[setting.pk] = calendar_from(setting)
    return calendars


def durations(period: Period) -> tuple[Durations, Durations]:
    """(first response, resolution) of the cases received in the period; one query."""
    rows = list(
        in_period(Case.objects.all(), "received_at", period).values_list(
            "received_at", "first_response_at", "resolved_at", "queue__calendar_id"
        )
    )
    days = [timezone.localtime(m, BERLIN).date() for row in rows for m in row[:3] if m]
    # A day either side: a calendar in another zone may see a moment on a neighbouring day;
    # a response recorded before the receipt (bad data) only gives a negative duration.
    first_day = min([*days, period.start]) - ONE_DAY
    last_day = max([*days, period.end]) + ONE_DAY
    clocks = {
        key: BusinessClock(calendar, first_day, last_day) for key, calendar in _calendars().items()
    }
    first = Durations(defaultdict(list), defaultdict(int))
    resolution = Durations(defaultdict(list), defaultdict(int))
    for received, responded, resolved, calendar_id in rows:
        clock = clocks.get(calendar_id, clocks[None])
        bucket = period.bucket_start(timezone.localtime(received, BERLIN).date())
        for target, end in ((first, responded or resolved), (resolution, resolved)):
            if end is None:
                target.waiting[bucket] += 1
            else:
                target.done[bucket].append(max(0, clock.between(received, end)))
    return first, resolution


def _figure(period: Period, data: Durations, slug: str, name: str) -> Figure:
    buckets = period.buckets()
    rows: list[tuple[Cell, ...]] = []
    medians, p90s = [], []
    for bucket in buckets:
        values = data.done.get(bucket.start, [])
        median, p90 = hours(percentile(values, 50)), hours(percentile(values, 90))
        medians.append(median)
        p90s.append(p90)
        rows.append(
            (
                bucket.label,
                len(values),
                data.waiting.get(bucket.start, 0),
                median,
                p90,
                hours(mean(values)),
            )
        )
    everything = [v for values in data.done.values() for v in values]
    rows.append(
        (
            _("Gesamt"),
            len(everything),
            sum(data.waiting.values()),
            hours(percentile(everything, 50)),
            hours(percentile(everything, 90)),
            hours(mean(everything)),
        )
    )
    table = Table(
        slug=slug,
        caption=_("{name} in Geschäftsstunden nach Eingangszeitraum").format(name=name),
        columns=(
            Column(_("Eingang"), numeric=False),
            Column(_("Anzahl")),
            Column(_("noch offen")),
            Column(_("Median (h)"), places=1),
            Column(_("90 % (h)"), places=1),
            Column(_("Mittel (h)"), places=1),
        ),
        rows=rows,
    )
    chart = Chart(
        slug=f"chart-{slug}",
        kind=Kind.LINES,
        title=_("{name}: Median und 90 %-Wert").format(name=name),
        desc=_("Linien je Eingangszeitraum in Geschäftsstunden; Lücken: kein Vorgang."),
        categories=tuple(b.label for b in buckets),
        series=(Series(_("Median"), tuple(medians)), Series(_("90 %-Wert"), tuple(p90s))),
        unit=_("Stunden"),
    )
    return Figure(table, chart)


def response_times(period: Period) -> Section:
    first, resolution = durations(period)
    return Section(
        key="bearbeitungszeiten",
        title=_("Erste Antwort und Erledigung"),
        intro=_(
            "Vorgänge mit Eingang im Zeitraum. Gezählt werden Geschäftsstunden des Kalenders "
            "der Warteschlange (Mo–Sa 8–20 Uhr ohne Feiertage), wie bei den SLA-Fristen. Die "
            "Erledigungszeit enthält Wartezeiten auf den Kunden."
        ),
        figures=[
            _figure(period, first, "erste-antwort", _("Erste Antwort")),
            _figure(period, resolution, "erledigung", _("Erledigung")),
        ],
    )
