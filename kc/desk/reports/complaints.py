"""Complaints answered in time (§ 111a EnWG: four weeks), by the month of receipt.

The figures come from the complaint report's selector (kc/cases/complaint_report.py,
month_report), which counts by whole Berlin calendar months: every month the period touches
is shown in full, and "in time" compares the Berlin day of the answer with the answer day.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from kc.cases.complaint_report import MonthReport, month_report, next_month
from kc.desk.reports.period import Period, month_label
from kc.desk.reports.sections import Figure, Section
from kc.desk.reports.svg import Chart, Kind, Series
from kc.desk.reports.table import Cell, Column, Table


def months(period: Period) -> list[datetime.date]:
    first = period.start.replace(day=1)
    result = []
    while first <= period.end:
        result.append(first)
        first = next_month(first)
    return result


def in_time_share(report: MonthReport) -> Decimal | None:
    """Answered in time among those answered or already overdue (open ones still in time
    are not decided yet)."""
    decided = report.answered + report.open_overdue
    if decided == 0:
        return None
    return (Decimal(100 * report.answered_in_time) / decided).quantize(
        Decimal("0.1"), ROUND_HALF_UP
    )


def _row(label: str, report: MonthReport) -> tuple[Cell, ...]:
    return (
        label,
        report.total,
        report.answered_in_time,
        report.answered_late,
        report.open_overdue,
        report.open_in_time,
        in_time_share(report),
    )


def complaints(period: Period, today: datetime.date | None = None) -> Section:
    today = today or timezone.localdate()
    reports = [month_report(first, today) for first in months(period)]
    total = MonthReport(
        month=period.start,
        total=sum(r.total for r in reports),
        by_category=[],
        by_channel=[],
        answered_in_time=sum(r.answered_in_time for r in reports),
        answered_late=sum(r.answered_late for r in reports),
        open_overdue=sum(r.open_overdue for r in reports),
        open_in_time=sum(r.open_in_time for r in reports),
    )
    labels = [month_label(r.month) for r in reports]
    table = Table(
        slug="beschwerden",
        caption=_("Beschwerden nach Eingangsmonat: fristgerecht beantwortet"),
        columns=(
            Column(_("Eingangsmonat"), numeric=False),
            Column(_("eingegangen")),
            Column(_("in der Frist beantwortet")),
            Column(_("zu spät beantwortet")),
            Column(_("offen, Frist überschritten")),
            Column(_("offen, in der Frist")),
            Column(_("Quote (%)"), places=1),
        ),
        rows=[
            *(_row(label, r) for label, r in zip(labels, reports, strict=True)),
            _row(_("Gesamt"), total),
        ],
    )
    chart = Chart(
        slug="chart-beschwerden",
        kind=Kind.STACKED,
        title=_("Beschwerden: in der Frist, zu spät und offen"),
        desc=_("Gestapelte Säulen je Eingangsmonat; Zahlen und Quote in der Tabelle."),
        categories=tuple(labels),
        series=(
            Series(_("in der Frist beantwortet"), tuple(r.answered_in_time for r in reports)),
            Series(_("zu spät beantwortet"), tuple(r.answered_late for r in reports)),
            Series(_("offen, Frist überschritten"), tuple(r.open_overdue for r in reports)),
            Series(_("offen, in der Frist"), tuple(r.open_in_time for r in reports)),
        ),
        unit=_("Beschwerden"),
    )
    return Section(
        key="beschwerden",
        title=_("Beschwerden fristgerecht beantwortet"),
        intro=_(
            "Beschwerden nach § 111a EnWG (Antwort binnen vier Wochen), gezählt nach ganzen "
            "Eingangsmonaten, die der Zeitraum berührt. Die Quote: in der Frist beantwortet "
            "unter den beantworteten und den schon überfälligen."
        ),
        figures=[Figure(table, chart)],
    )
