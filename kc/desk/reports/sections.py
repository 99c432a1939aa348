"""What a report hands to the page: figures (a chart and the table beside it) per section."""

from __future__ import annotations

from dataclasses import dataclass, field

from kc.desk.reports.svg import Chart
from kc.desk.reports.table import Table


@dataclass(frozen=True)
class Figure:
    table: Table
    chart: Chart | None = None


@dataclass(frozen=True)
class Section:
    key: str  # the section's anchor on the page
    title: str
    intro: str
    figures: list[Figure] = field(default_factory=list)
