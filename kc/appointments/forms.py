"""Forms of the consultation pages (staff and, through subclasses, the portal).

A slot travels as "<advisor id>@<UTC seconds>": the radio button's value names the moment
without a time zone to misread; the booking service checks it under the advisor's lock and
says why a slot cannot be had (taken meanwhile, in the past, ...)."""

import datetime
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from kc.appointments.models import AppointmentType, Booking
from kc.appointments.slots import Slot
from kc.core.validation import Refusal

TOPICS = [
    _("Energie sparen im Haushalt"),
    _("Heizung und Wärmepumpe"),
    _("Photovoltaik und Speicher"),
    _("E-Mobilität und Wallbox"),
    _("Förderprogramme"),
    _("Sonstiges"),
]
TOPIC_CHOICES = [(str(topic), topic) for topic in TOPICS]


def slot_value(slot: Slot) -> str:
    return f"{slot.advisor_id}@{int(slot.starts_at.timestamp())}"


# A slot beyond these years is no slot we offer; one at the end of the date range would
# overflow the day-long window the booking service looks at around it.
SLOT_YEARS = range(2000, 2101)


def parse_slot(value: str) -> tuple[int, datetime.datetime]:
    advisor, _sep, seconds = value.partition("@")
    refusal = Refusal(str(_("Bitte wählen Sie einen der angebotenen Termine.")))
    try:
        start = datetime.datetime.fromtimestamp(int(seconds), tz=datetime.UTC)
        advisor_id = int(advisor)
    except (ValueError, OverflowError, OSError) as error:
        raise refusal from error
    if start.year not in SLOT_YEARS:
        raise refusal
    return advisor_id, start


def slot_label(slot: Slot, advisor_names: dict[int, str] | None = None) -> str:
    start = timezone.localtime(slot.starts_at)
    label = _("%(time)s Uhr") % {"time": f"{start:%H:%M}"}
    if advisor_names is not None:
        label += f" · {advisor_names.get(slot.advisor_id, '')}"
    return label


def days_of(slots: Sequence[Slot]) -> list[tuple[datetime.date, list[Slot]]]:
    """Slots grouped by their local day, in order."""
    days: dict[datetime.date, list[Slot]] = {}
    for slot in slots:
        days.setdefault(timezone.localdate(slot.starts_at), []).append(slot)
    return list(days.items())


def day_label(day: datetime.date) -> str:
    return date_format(day, "l, j. F Y")


class SlotField(forms.RegexField):
    """A slot picked from the radio buttons of the week (the template draws them). Whether it
    is still free, and why not, is the booking service's to say."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Termin"))
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Bitte wählen Sie einen Termin."),
                "invalid": _("Bitte wählen Sie einen der angebotenen Termine."),
            },
        )
        super().__init__(regex=r"^\d{1,18}@\d{1,12}$", **kwargs)


class TypeChoiceForm(forms.Form):
    """Which kind of consultation (GET: the slot list follows it)."""

    appointment_type = forms.ModelChoiceField(
        label=_("Art der Beratung"),
        queryset=AppointmentType.objects.filter(active=True),
        empty_label=None,
    )


class BookingDetailsForm(forms.Form):
    slot = SlotField()
    topic = forms.ChoiceField(label=_("Thema der Beratung"), choices=TOPIC_CHOICES)
    customer_note = forms.CharField(
        label=_("Fragen vorab (freiwillig)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    contact_phone = forms.CharField(
        label=_("Telefonnummer"),
        max_length=40,
        required=False,
        help_text=_("Für telefonische Beratungen rufen wir Sie unter dieser Nummer an."),
    )
    contact_email = forms.EmailField(
        label=_("E-Mail-Adresse für die Bestätigung"),
        required=False,
        help_text=_("Ohne E-Mail-Adresse bestätigen wir telefonisch oder per Brief."),
    )


class RescheduleForm(forms.Form):
    slot = SlotField(label=_("Neuer Termin"))


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Grund der Absage"), max_length=300)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Ergebnis"),
        choices=[
            (Booking.Status.DONE.value, Booking.Status.DONE.label),
            (Booking.Status.NO_SHOW.value, Booking.Status.NO_SHOW.label),
        ],
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("Notizen zur Beratung"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    follow_up = forms.CharField(
        label=_("Folgeaufgabe (freiwillig)"),
        required=False,
        max_length=200,
        help_text=_("z. B. „Förderantrag zuschicken“: wird eine Aufgabe am Vorgang."),
    )


class CustomerLookupForm(forms.Form):
    customer = forms.CharField(label=_("Kundennummer"), max_length=20)
