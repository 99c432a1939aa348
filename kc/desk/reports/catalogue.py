"""The reports on the page, in order, and which report holds the table a CSV asks for."""

from __future__ import annotations

from collections.abc import Callable

from kc.desk.reports.calls import calls
from kc.desk.reports.complaints import complaints
from kc.desk.reports.contacts import contacts
from kc.desk.reports.period import Period
from kc.desk.reports.printing import printing
from kc.desk.reports.reconnections import reconnections
from kc.desk.reports.response_times import response_times
from kc.desk.reports.sections import Section
from kc.desk.reports.sla_compliance import sla_compliance
from kc.desk.reports.table import Table

type Report = Callable[[Period], Section]

REPORTS: tuple[Report, ...] = (
    contacts,
    response_times,
    sla_compliance,
    complaints,
    reconnections,
    printing,
    calls,
)

# CSV name → the report that builds that table (only that one is computed for a download).
TABLES: dict[str, Report] = {
    "kontakte-kanal": contacts,
    "kontakte-art": contacts,
    "kontakte-warteschlange": contacts,
    "erste-antwort": response_times,
    "erledigung": response_times,
    "sla-erste-antwort": sla_compliance,
    "sla-erledigung": sla_compliance,
    "beschwerden": complaints,
    "entsperrungen": reconnections,
    "druck": printing,
    "porto-sendungsart": printing,
    "anrufe-zeitraum": calls,
    "anrufe-stunde": calls,
}


def all_sections(period: Period) -> list[Section]:
    return [report(period) for report in REPORTS]


def find_table(period: Period, slug: str) -> Table | None:
    report = TABLES.get(slug)
    if report is None:
        return None
    for figure in report(period).figures:
        if figure.table.slug == slug:
            return figure.table
    return None
