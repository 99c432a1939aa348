"""The staffing page's settings: which week, how much history, which service level."""

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

DEFAULTS: dict[str, Any] = {"weeks": 8, "level": 80, "target_s": 20, "after_call_s": 30}


class StaffingForm(forms.Form):
    week = forms.DateField(
        label=_("Woche ab"),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Jeder Tag der Woche zählt; gezeigt wird die Woche ab Montag."),
    )
    weeks = forms.IntegerField(
        label=_("Verlauf (Wochen)"),
        min_value=1,
        max_value=52,
        help_text=_("So viele Wochen vor der gewählten Woche bilden die Prognose."),
    )
    level = forms.IntegerField(
        label=_("Servicegrad (%)"),
        min_value=1,
        max_value=100,
        help_text=_("Anteil der Anrufe, die innerhalb der Zielzeit angenommen werden."),
    )
    target_s = forms.IntegerField(label=_("Zielzeit (Sekunden)"), min_value=0, max_value=600)
    after_call_s = forms.IntegerField(
        label=_("Nacharbeit je Anruf (Sekunden)"),
        min_value=0,
        max_value=1800,
        help_text=_("Wird zur gemessenen Gesprächsdauer addiert."),
    )

    def __init__(self, data: Any, today: datetime.date) -> None:
        values = {**DEFAULTS, "week": today.isoformat(), **{k: v for k, v in data.items() if v}}
        super().__init__(values)

    def clean_week(self) -> datetime.date:
        week: datetime.date = self.cleaned_data["week"]
        # The history window before and the week after overflow Python's dates far off.
        if not datetime.date(2000, 1, 1) <= week <= datetime.date(2100, 12, 31):
            raise forms.ValidationError(
                _("Bitte eine Woche zwischen 2000 und 2100 wählen."), code="out_of_range"
            )
        return week

    @property
    def monday(self) -> datetime.date:
        week: datetime.date = self.cleaned_data["week"]
        return week - datetime.timedelta(days=week.weekday())
