"""The period filter of the report page: from/to dates or a preset; a bad period is a form
error (to before from, longer than two years, not a date), never an exception."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kc.desk.reports.period import MAX_DAYS, PRESETS, Period, this_month

# Far-off years would overflow the time-zone arithmetic and make no sense for reports.
EARLIEST, LATEST = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
PRESET_LABELS = {
    "this_month": _("Dieser Monat"),
    "last_month": _("Letzter Monat"),
    "last_7_days": _("Letzte 7 Tage"),
}


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("Von"),
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Bitte ein Anfangsdatum angeben."),
            "invalid": _("Kein gültiges Datum."),
        },
    )
    end = forms.DateField(
        label=_("Bis"),
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Bitte ein Enddatum angeben."),
            "invalid": _("Kein gültiges Datum."),
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        for name, day in (("start", start), ("end", end)):
            if day and not EARLIEST <= day <= LATEST:
                self.add_error(name, _("Bitte ein Datum zwischen 2000 und 2100 angeben."))
                return data
        if start and end:
            if end < start:
                self.add_error("end", _("Das Enddatum liegt vor dem Anfangsdatum."))
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("end", _("Der Zeitraum darf höchstens zwei Jahre lang sein."))
        return data

    @property
    def period(self) -> Period:
        return Period(self.cleaned_data["start"], self.cleaned_data["end"])


def period_form(query: Mapping[str, str], today: datetime.date) -> PeriodForm:
    """A bound form: a known preset wins, no dates at all mean this month."""
    preset = PRESETS.get(query.get("preset", ""))
    if preset is None and not query.get("start") and not query.get("end"):
        preset = this_month
    if preset is not None:
        period = preset(today)
        return PeriodForm({"start": period.start.isoformat(), "end": period.end.isoformat()})
    return PeriodForm({"start": query.get("start", ""), "end": query.get("end", "")})
