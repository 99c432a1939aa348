"""Report periods, percentiles, the table cells and the CSV for Excel."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import translation

from kc.desk.reports.csv_export import BOM, csv_cell, defuse, table_csv
from kc.desk.reports.forms import period_form
from kc.desk.reports.period import (
    BERLIN,
    Grain,
    Period,
    fold,
    last_7_days,
    last_month,
    month_label,
)
from kc.desk.reports.stats import hours, mean, percentile
from kc.desk.reports.table import Column, Table, display

NOV = Period(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))


def test_bounds_are_berlin_midnights() -> None:
    assert NOV.since == datetime.datetime(2026, 10, 31, 23, 0, tzinfo=datetime.UTC)
    assert NOV.until == datetime.datetime(2026, 11, 30, 23, 0, tzinfo=datetime.UTC)
    summer = Period(datetime.date(2026, 7, 1), datetime.date(2026, 7, 1))
    assert summer.since == datetime.datetime(2026, 6, 30, 22, 0, tzinfo=datetime.UTC)
    assert summer.until.tzinfo is BERLIN


def test_grain_follows_the_length() -> None:
    day = datetime.date(2026, 1, 1)
    assert Period(day, day + datetime.timedelta(days=30)).grain is Grain.DAY
    assert Period(day, day + datetime.timedelta(days=31)).grain is Grain.WEEK
    assert Period(day, day + datetime.timedelta(days=182)).grain is Grain.WEEK
    assert Period(day, day + datetime.timedelta(days=183)).grain is Grain.MONTH


def test_buckets_and_folding() -> None:
    assert [b.label for b in NOV.buckets()][:2] == ["01.11.", "02.11."]
    weeks = Period(datetime.date(2026, 11, 1), datetime.date(2026, 12, 15))  # Sunday start
    labels = [b.label for b in weeks.buckets()]
    assert labels[0] == "KW 44/26" and weeks.buckets()[0].start == datetime.date(2026, 10, 26)
    per_day = {
        datetime.date(2026, 11, 1): 2,
        datetime.date(2026, 11, 2): 3,
        datetime.date(2027, 1, 1): 9,
    }
    assert fold(weeks, per_day, 0)[:2] == [2, 3]  # Sun in KW 44, Mon in KW 45; outside ignored
    year = Period(datetime.date(2026, 1, 15), datetime.date(2026, 12, 31))
    assert [b.label for b in year.buckets()][:2] == ["Jan 2026", "Feb 2026"]
    assert fold(year, {datetime.date(2026, 3, 31): Decimal("1.10")}, Decimal("0.00"))[2] == Decimal(
        "1.10"
    )
    assert sum(fold(NOV, {}, 0)) == 0 and len(fold(NOV, {}, 0)) == 30


def test_presets() -> None:
    today = datetime.date(2026, 3, 10)
    assert last_month(today) == Period(datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    assert last_7_days(today) == Period(datetime.date(2026, 3, 4), today)
    january = last_month(datetime.date(2026, 1, 5))
    assert (january.start, january.end) == (datetime.date(2025, 12, 1), datetime.date(2025, 12, 31))


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": "2026-11-10", "end": "2026-11-01"}, "end", "vor dem Anfangsdatum"),
        ({"start": "2024-01-01", "end": "2026-01-02"}, "end", "höchstens zwei Jahre"),
        ({"start": "2026-02-30", "end": "2026-03-01"}, "start", "Kein gültiges Datum"),
        ({"start": "gestern", "end": "2026-03-01"}, "start", "Kein gültiges Datum"),
        ({"start": "0001-01-01", "end": "0001-01-02"}, "start", "zwischen 2000 und 2100"),
        ({"start": "2026-03-01"}, "end", "Enddatum"),
    ],
)
def test_bad_periods_are_form_errors(query: dict[str, str], field: str, message: str) -> None:
    form = period_form(query, datetime.date(2026, 11, 28))
    assert not form.is_valid()
    assert message in " ".join(str(error) for error in form.errors[field])


def test_two_years_are_allowed_and_german_dates_read() -> None:
    form = period_form({"start": "01.01.2025", "end": "31.12.2026"}, datetime.date(2026, 11, 28))
    assert form.is_valid() and form.period.days == 730
    default = period_form({}, datetime.date(2026, 11, 28))
    assert default.is_valid() and default.period == Period(
        datetime.date(2026, 11, 1), datetime.date(2026, 11, 28)
    )
    preset = period_form({"preset": "last_month", "start": "x"}, datetime.date(2026, 11, 28))
    assert preset.is_valid() and preset.period.start == datetime.date(2026, 10, 1)


def test_percentiles_by_nearest_rank() -> None:
    assert percentile([], 50) is None and mean([]) is None
    assert percentile([5], 90) == 5
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert percentile(values, 50) == 5 and percentile(values, 90) == 9
    assert percentile([10, 1, 7], 50) == 7  # unordered input
    assert mean([1, 2]) == 2  # half up
    assert hours(5400) == Decimal("1.5") and hours(None) is None


def test_cells_for_page_and_csv() -> None:
    assert display(1234) == "1.234" and display(Decimal("1234.5"), 1) == "1.234,5"
    assert display(None) == "–"
    assert csv_cell(1234) == "1234" and csv_cell(Decimal("1234.5"), 2) == "1234,50"
    assert csv_cell(None) == ""


@pytest.mark.parametrize("text", ["=1+1", "+49 201", "-2", "@SUM(A1)", "\tx", '=HYPERLINK("x")'])
def test_formula_starts_get_an_apostrophe(text: str) -> None:
    assert defuse(text) == "'" + text
    assert defuse("Kundenservice") == "Kundenservice"


def test_csv_for_german_excel() -> None:
    table = Table(
        slug="t",
        caption="Porto",
        columns=(
            Column("Sendungsart", numeric=False),
            Column("Briefe"),
            Column("Porto (€)", places=2),
        ),
        rows=[
            ("=cmd|' /C calc'!A0", 3, Decimal("2.85")),
            ('Großbrief; "dick"', 1, Decimal("1.8")),
            ("Gesamt", 4, None),
        ],
    )
    data = table_csv(table)
    assert data.startswith(BOM.encode("utf-8"))
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Sendungsart", "Briefe", "Porto (€)"]
    assert rows[1] == ["'=cmd|' /C calc'!A0", "3", "2,85"]
    assert rows[2] == ['Großbrief; "dick"', "1", "1,80"]  # quoted, not split
    assert rows[3] == ["Gesamt", "4", ""]


def test_table_rows_must_fit() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        Table(slug="t", caption="c", columns=(Column("a"),), rows=[(1, 2)])


def test_month_labels_follow_the_language() -> None:
    march = datetime.date(2026, 3, 1)
    assert month_label(march) == "Mär 2026"
    with translation.override("en"):
        assert month_label(march) == "Mar 2026"
