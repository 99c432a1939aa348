"""Forms of the presence widget and the shift plan."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from kc.core.models import User
from kc.desk.models import CHOSEN_LOCATIONS, SHIFT_LOCATIONS, PresenceState
from kc.desk.shifts import EARLIEST_DAY, LATEST_DAY, staff_users, week_start


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value: object) -> str | None:
        return (
            value.isoformat() if isinstance(value, datetime.date) else super().format_value(value)
        )


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


class PresenceForm(forms.Form):
    location = forms.ChoiceField(
        label=_("Wo arbeiten Sie heute?"),
        choices=[(loc.value, loc.label) for loc in CHOSEN_LOCATIONS],
    )
    state = forms.ChoiceField(label=_("Status"), choices=PresenceState.choices)


class StaffChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class ShiftForm(forms.Form):
    user = StaffChoiceField(label=_("Mitarbeiter/in"), queryset=User.objects.none())
    day = forms.DateField(label=_("Tag"), widget=DateInput())
    start = forms.TimeField(label=_("Beginn"), widget=TimeInput())
    end = forms.TimeField(label=_("Ende"), widget=TimeInput())
    location = forms.ChoiceField(
        label=_("Ort"), choices=[(loc.value, loc.label) for loc in SHIFT_LOCATIONS]
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["user"]
        assert isinstance(field, StaffChoiceField)  # noqa: S101 (narrowing for mypy)  # nosec B101
        field.queryset = staff_users()


class CopyWeekForm(forms.Form):
    """Copy the week before `week` into `week` (both given by their Monday)."""

    week = forms.DateField()

    def clean_week(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["week"]
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            raise forms.ValidationError(_("Unbekannte Woche."), code="out_of_range")
        return week_start(day)
