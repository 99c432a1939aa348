"""Reconnection lead times of the contracts reconnected in the period, in wall-clock hours
(the law asks for reconnection "without delay", evenings and Sundays included):
proof or payment received → order to the field service → reconnection confirmed.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _

from kc.desk.reports.period import BERLIN, Period
from kc.desk.reports.query import in_period
from kc.desk.reports.sections import Figure, Section
from kc.desk.reports.stats import hours, percentile, seconds
from kc.desk.reports.svg import Chart, Kind, Series
from kc.desk.reports.table import Cell, Column, Table
from kc.disconnection.models import DisconnectionCase

STAGES = ("ordering", "field", "total")


def _span(start: datetime.datetime | None, end: datetime.datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, seconds(end - start))


def lead_times(period: Period) -> dict[datetime.date, dict[str, list[int]]]:
    """{bucket start: {stage: [seconds]}} for reconnections confirmed in the period."""
    rows = in_period(DisconnectionCase.objects.all(), "reconnected_at", period).values_list(
        "proof_received_at", "reconnection_ordered_at", "reconnected_at"
    )
    result: dict[datetime.date, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for proof, ordered, done in rows:
        bucket = period.bucket_start(timezone.localtime(done, BERLIN).date())
        spans = (_span(proof, ordered), _span(ordered, done), _span(proof, done))
        for stage, span in zip(STAGES, spans, strict=True):
            if span is not None:
                result[bucket][stage].append(span)
        result[bucket]["count"].append(1)
    return result


def _row(label: str, stages: dict[str, list[int]]) -> tuple[Cell, ...]:
    return (
        label,
        len(stages.get("count", [])),
        hours(percentile(stages.get("ordering", []), 50)),
        hours(percentile(stages.get("field", []), 50)),
        hours(percentile(stages.get("total", []), 50)),
        hours(percentile(stages.get("total", []), 90)),
    )


def reconnections(period: Period) -> Section:
    data = lead_times(period)
    buckets = period.buckets()
    rows = [_row(b.label, data.get(b.start, {})) for b in buckets]
    everything: dict[str, list[int]] = defaultdict(list)
    for stages in data.values():
        for stage, values in stages.items():
            everything[stage].extend(values)
    rows.append(_row(_("Gesamt"), everything))
    table = Table(
        slug="entsperrungen",
        caption=_("Entsperrungen: Vorlaufzeiten in Stunden nach Tag der Entsperrung"),
        columns=(
            Column(_("Entsperrt"), numeric=False),
            Column(_("Anzahl")),
            Column(_("Beleg bis Auftrag, Median (h)"), places=1),
            Column(_("Auftrag bis Entsperrung, Median (h)"), places=1),
            Column(_("gesamt, Median (h)"), places=1),
            Column(_("gesamt, 90 % (h)"), places=1),
        ),
        rows=rows,
    )
    chart = Chart(
        slug="chart-entsperrungen",
        kind=Kind.LINES,
        title=_("Entsperrung: Zeit vom Zahlbeleg bis zur Entsperrung"),
        desc=_("Median und 90 %-Wert in Stunden je Zeitraum; Lücken: keine Entsperrung."),
        categories=tuple(b.label for b in buckets),
        series=(
            Series(_("Median"), tuple(row[4] for row in rows[:-1])),  # type: ignore[misc]
            Series(_("90 %-Wert"), tuple(row[5] for row in rows[:-1])),  # type: ignore[misc]
        ),
        unit=_("Stunden"),
    )
    return Section(
        key="entsperrungen",
        title=_("Vorlaufzeiten der Entsperrung"),
        intro=_(
            "Entsperrungen, die im Zeitraum bestätigt wurden, in Kalenderstunden: vom "
            "Zahlbeleg (oder der gebuchten Zahlung) bis zum Auftrag an den Außendienst und "
            "vom Auftrag bis zur bestätigten Entsperrung."
        ),
        figures=[Figure(table, chart)],
    )
