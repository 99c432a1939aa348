"""Print volume and postage: post deliveries in batches printed in the period, by the Berlin
day the batch was printed. Postage is the Decimal the print room charged per letter
(kc/letters/postage.py); sums stay Decimal."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, cast

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from kc.desk.reports.period import BERLIN, Period, fold
from kc.desk.reports.query import in_period
from kc.desk.reports.sections import Figure, Section
from kc.desk.reports.svg import Chart, Kind, Series
from kc.desk.reports.table import Cell, Column, Table
from kc.letters.models import Delivery
from kc.letters.postage import postage_name

ZERO = Decimal("0.00")


def printed(period: Period) -> QuerySet[Delivery]:
    deliveries = Delivery.objects.filter(channel=Delivery.Channel.POST).exclude(
        state=Delivery.State.WITHDRAWN
    )
    return in_period(deliveries, "batch__printed_at", period)


def per_day(period: Period) -> dict[str, dict[datetime.date, int]]:
    rows = (
        printed(period)
        .annotate(day=TruncDate("batch__printed_at", tzinfo=BERLIN))
        .order_by()
        .values("day")
        .annotate(letters=Count("pk"), pages=Sum("letter__pages"), sheets=Sum("letter__sheets"))
    )
    result: dict[str, dict[datetime.date, int]] = {"letters": {}, "pages": {}, "sheets": {}}
    for row in rows:
        values = cast("dict[str, Any]", row)
        for key in result:
            result[key][values["day"]] = values[key] or 0
    return result


def postage_per_day(period: Period) -> dict[datetime.date, Decimal]:
    rows = (
        printed(period)
        .annotate(day=TruncDate("batch__printed_at", tzinfo=BERLIN))
        .order_by()
        .values("day")
        .annotate(postage=Sum("postage"))
    )
    return {row["day"]: row["postage"] or ZERO for row in rows}


def per_class(period: Period) -> list[tuple[str, int, Decimal]]:
    rows = (
        printed(period)
        .order_by("postage_class")
        .values("postage_class")
        .annotate(letters=Count("pk"), postage=Sum("postage"))
    )
    return [
        (postage_name(row["postage_class"], day=period.end), row["letters"], row["postage"] or ZERO)
        for row in rows
    ]


def printing(period: Period) -> Section:
    buckets = period.buckets()
    daily = per_day(period)
    folded = {key: fold(period, values, 0) for key, values in daily.items()}
    postage = fold(period, postage_per_day(period), ZERO)
    rows: list[tuple[Cell, ...]] = [
        (b.label, folded["letters"][i], folded["pages"][i], folded["sheets"][i], postage[i])
        for i, b in enumerate(buckets)
    ]
    rows.append(
        (_("Gesamt"), *(sum(folded[k]) for k in ("letters", "pages", "sheets")), sum(postage, ZERO))
    )
    volume = Table(
        slug="druck",
        caption=_("Gedruckte Briefe, Seiten, Blätter und Porto nach Drucktag"),
        columns=(
            Column(_("Gedruckt"), numeric=False),
            Column(_("Briefe")),
            Column(_("Seiten")),
            Column(_("Blätter")),
            Column(_("Porto (€)"), places=2),
        ),
        rows=rows,
    )
    classes = per_class(period)
    by_class = Table(
        slug="porto-sendungsart",
        caption=_("Porto nach Sendungsart"),
        columns=(
            Column(_("Sendungsart"), numeric=False),
            Column(_("Briefe")),
            Column(_("Porto (€)"), places=2),
        ),
        rows=[
            *classes,
            (_("Gesamt"), sum(c[1] for c in classes), sum((c[2] for c in classes), ZERO)),
        ],
    )
    categories = tuple(b.label for b in buckets)
    return Section(
        key="druck",
        title=_("Druckvolumen und Porto"),
        intro=_(
            "Briefe per Post in Druckstapeln, die im Zeitraum gedruckt wurden (zurückgezogene "
            "nicht mitgezählt). Porto je Brief nach Sendungsart der Deutschen Post."
        ),
        figures=[
            Figure(
                volume,
                Chart(
                    slug="chart-druck",
                    kind=Kind.BARS,
                    title=_("Gedruckte Briefe und Seiten"),
                    desc=_("Säulen je Zeitraum: Briefe und Seiten; Zahlen in der Tabelle."),
                    categories=categories,
                    series=(
                        Series(_("Briefe"), tuple(folded["letters"])),
                        Series(_("Seiten"), tuple(folded["pages"])),
                    ),
                    unit=_("Anzahl"),
                ),
            ),
            Figure(
                by_class,
                Chart(
                    slug="chart-porto",
                    kind=Kind.BARS,
                    title=_("Porto nach Sendungsart"),
                    desc=_("Eine Säule je Sendungsart: Porto in Euro; Zahlen in der Tabelle."),
                    categories=tuple(c[0] for c in classes),
                    series=(Series(_("Porto"), tuple(c[2] for c in classes)),),
                    unit="€",
                ),
            ),
        ],
    )
