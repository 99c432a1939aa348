"""Contacts: cases received per channel and per case type, and inbound calls from the call
journal (a call is a contact even when no case was opened for it, so it is its own column
and not added to the cases)."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext as _

from kc.cases.models import Call, Case, CaseType, Channel, Queue
from kc.desk.reports.period import Period, fold
from kc.desk.reports.query import counts_per_day, in_period
from kc.desk.reports.sections import Figure, Section
from kc.desk.reports.svg import Chart, Kind, Series
from kc.desk.reports.table import Cell, Column, Table


def by_channel(period: Period) -> Figure:
    cases = counts_per_day(Case.objects.all(), "received_at", period, by="channel")
    calls = counts_per_day(Call.objects.filter(direction=Call.Direction.IN), "started_at", period)
    buckets = period.buckets()
    per_channel = [
        (str(label), fold(period, cases.get(value, {}), 0)) for value, label in Channel.choices
    ]
    inbound = fold(period, calls.get("", {}), 0)
    rows: list[tuple[Cell, ...]] = []
    for index, bucket in enumerate(buckets):
        counts = [values[index] for _label, values in per_channel]
        rows.append((bucket.label, *counts, sum(counts), inbound[index]))
    totals = [sum(values) for _label, values in per_channel]
    rows.append((_("Summe"), *totals, sum(totals), sum(inbound)))
    table = Table(
        slug="kontakte-kanal",
        caption=_("Vorgänge nach Eingangskanal und eingehende Anrufe"),
        columns=(
            Column(_("Zeitraum"), numeric=False),
            *(Column(label) for label, _values in per_channel),
            Column(_("Vorgänge gesamt")),
            Column(_("Anrufe eingehend")),
        ),
        rows=rows,
    )
    chart = Chart(
        slug="chart-kontakte-kanal",
        kind=Kind.STACKED,
        title=_("Neue Vorgänge nach Eingangskanal"),
        desc=_("Gestapelte Säulen je Zeitraum; die Zahlen stehen in der Tabelle darunter."),
        categories=tuple(b.label for b in buckets),
        series=tuple(Series(label, tuple(values)) for label, values in per_channel),
        unit=_("Vorgänge"),
    )
    return Figure(table, chart)


def by_case_type(period: Period) -> Figure:
    rows_sql = (
        in_period(Case.objects.all(), "received_at", period)
        .order_by()
        .values("case_type", "channel")
        .annotate(n=Count("pk"))
    )
    counts = {(row["case_type"], row["channel"]): row["n"] for row in rows_sql}
    rows: list[tuple[Cell, ...]] = []
    totals: list[int] = []
    for type_value, type_label in CaseType.choices:
        per_channel = [counts.get((type_value, channel), 0) for channel in Channel.values]
        rows.append((str(type_label), *per_channel, sum(per_channel)))
        totals.append(sum(per_channel))
    table = Table(
        slug="kontakte-art",
        caption=_("Vorgänge nach Art und Eingangskanal"),
        columns=(
            Column(_("Art"), numeric=False),
            *(Column(str(label)) for label in Channel.labels),
            Column(_("Summe")),
        ),
        rows=rows,
    )
    chart = Chart(
        slug="chart-kontakte-art",
        kind=Kind.BARS,
        title=_("Neue Vorgänge nach Art"),
        desc=_("Eine Säule je Vorgangsart; die Zahlen je Kanal stehen in der Tabelle."),
        categories=tuple(str(label) for label in CaseType.labels),
        series=(Series(_("Vorgänge"), tuple(totals)),),
        unit=_("Vorgänge"),
    )
    return Figure(table, chart)


def by_queue(period: Period) -> Figure:
    """Cases received per queue they sit in now (queue names are typed by admins: text)."""
    counts = dict(
        in_period(Case.objects.all(), "received_at", period)
        .order_by()
        .values_list("queue__name")
        .annotate(n=Count("pk"))
        .values_list("queue__name", "n")
    )
    names = list(Queue.objects.order_by("name").values_list("name", flat=True))
    rows: list[tuple[Cell, ...]] = [(name, counts.get(name, 0)) for name in names]
    rows.append((_("Summe"), sum(counts.values())))
    table = Table(
        slug="kontakte-warteschlange",
        caption=_("Vorgänge nach Warteschlange"),
        columns=(Column(_("Warteschlange"), numeric=False), Column(_("Vorgänge"))),
        rows=rows,
    )
    chart = Chart(
        slug="chart-kontakte-warteschlange",
        kind=Kind.BARS,
        title=_("Neue Vorgänge nach Warteschlange"),
        desc=_("Eine Säule je Warteschlange; die Zahlen stehen in der Tabelle."),
        categories=tuple(names),
        series=(Series(_("Vorgänge"), tuple(counts.get(name, 0) for name in names)),),
        unit=_("Vorgänge"),
    )
    return Figure(table, chart)


def contacts(period: Period) -> Section:
    return Section(
        key="kontakte",
        title=_("Kontakte nach Kanal und Art"),
        intro=_(
            "Neue Vorgänge nach Eingangstag (Berliner Zeit). Anrufe zählen aus dem Anrufjournal, "
            "auch wenn kein Vorgang entstand; sie sind deshalb nicht in der Vorgangssumme."
        ),
        figures=[by_channel(period), by_case_type(period), by_queue(period)],
    )
