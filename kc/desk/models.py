"""Coordination models of the staff workspace: where everyone works today and what they are
doing (Presence with its history), and the planned presence (Shift).

Rules and services: kc.desk.presence (presence) and kc.desk.shifts (shift plan).
"""

import datetime
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Location(models.TextChoices):
    HOME_OFFICE = "home_office", _("Homeoffice")
    CALL_CENTER = "call_center", _("Call-Center")
    CUSTOMER_CENTER = "customer_center", _("Kunden-Center")
    ABSENT = "absent", _("abwesend")
    # Set by the system only: someone is evidently working (a CTI answer) but neither they
    # nor the shift plan say where.
    UNKNOWN = "unknown", _("Ort unbekannt")


# Where one can take hotline calls: these locations count for the hotline staffing.
HOTLINE_LOCATIONS = (Location.HOME_OFFICE, Location.CALL_CENTER)
# What a person picks themselves (UNKNOWN is the system's word for "not said").
CHOSEN_LOCATIONS = (
    Location.HOME_OFFICE,
    Location.CALL_CENTER,
    Location.CUSTOMER_CENTER,
    Location.ABSENT,
)
SHIFT_LOCATIONS = (Location.HOME_OFFICE, Location.CALL_CENTER, Location.CUSTOMER_CENTER)


class PresenceState(models.TextChoices):
    AVAILABLE = "available", _("verfügbar")
    ON_CALL = "on_call", _("im Gespräch")
    BREAK = "break", _("Pause")
    AWAY = "away", _("nicht am Platz")


class PresenceSource(models.TextChoices):
    MANUAL = "manual", _("selbst gesetzt")
    CTI = "cti", _("Telefonanlage")


class Presence(models.Model):
    """The current presence of one member of staff (one row per user, updated in place).

    `day` is the Berlin date the location was given for: a location from yesterday does not
    count today (the overview shows "not yet set today").
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Mitarbeiter/in"),
        on_delete=models.CASCADE,
        related_name="presence",
    )
    day = models.DateField(_("Tag"))
    location = models.CharField(_("Ort"), max_length=20, choices=Location.choices)
    state = models.CharField(_("Status"), max_length=20, choices=PresenceState.choices)
    state_since = models.DateTimeField(_("Status seit"))
    source = models.CharField(_("Quelle"), max_length=10, choices=PresenceSource.choices)
    # A manual state given while the PBX reports a call: it takes effect at the hangup.
    after_call = models.CharField(
        _("Status nach dem Gespräch"), max_length=20, choices=PresenceState.choices, blank=True
    )
    # Why the system changed something the person did not say (e.g. a CTI answer while
    # marked absent); shown on the overview until the next change.
    note = models.CharField(_("Hinweis"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("Geändert"), auto_now=True)

    class Meta:
        verbose_name = _("Anwesenheit")
        verbose_name_plural = _("Anwesenheiten")
        ordering: ClassVar[list[str]] = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return f"{self.user} {self.day}: {self.get_location_display()}, {self.get_state_display()}"


class PresenceEvent(models.Model):
    """One applied presence change, never changed or deleted: the history for reports and
    audit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Mitarbeiter/in"),
        on_delete=models.PROTECT,
        related_name="presence_events",
    )
    at = models.DateTimeField(_("Zeitpunkt"), db_index=True)
    location = models.CharField(_("Ort"), max_length=20, choices=Location.choices)
    state = models.CharField(_("Status"), max_length=20, choices=PresenceState.choices)
    source = models.CharField(_("Quelle"), max_length=10, choices=PresenceSource.choices)
    note = models.CharField(_("Hinweis"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("Anwesenheitsereignis")
        verbose_name_plural = _("Anwesenheitsereignisse")
        ordering: ClassVar[list[str]] = ["at", "pk"]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.at:%Y-%m-%d %H:%M}: {self.location}/{self.state}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise ValidationError(_("Anwesenheitsereignisse werden nicht geändert."))
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValidationError(_("Anwesenheitsereignisse werden nicht gelöscht."))


class Shift(models.Model):
    """Planned presence: one person works on `day` from `start` to `end` (Berlin wall clock,
    end exclusive) at `location`. Shifts of one person on one day do not overlap."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Mitarbeiter/in"),
        on_delete=models.CASCADE,
        related_name="shifts",
    )
    day = models.DateField(_("Tag"))
    start = models.TimeField(_("Beginn"))
    end = models.TimeField(_("Ende"))
    location = models.CharField(
        _("Ort"),
        max_length=20,
        choices=[(loc.value, loc.label) for loc in SHIFT_LOCATIONS],
    )
    created_at = models.DateTimeField(_("Angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Geändert"), auto_now=True)

    class Meta:
        verbose_name = _("Schicht")
        verbose_name_plural = _("Schichten")
        ordering: ClassVar[list[str]] = ["day", "start", "user__last_name"]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["day", "user"])]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="shift_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.day} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        super().clean()
        # Fields that failed their own check are None here (full_clean calls clean anyway).
        if None in (self.start, self.end, self.day) or not self.user_id:
            return
        if self.end <= self.start:
            raise ValidationError(
                {"end": _("Das Ende muss nach dem Beginn liegen.")}, code="end_before_start"
            )
        clash = (
            Shift.objects.filter(
                user_id=self.user_id, day=self.day, start__lt=self.end, end__gt=self.start
            )
            .exclude(pk=self.pk)
            .first()
        )
        if clash is not None:
            raise ValidationError(
                _("Überschneidet sich mit der Schicht %(start)s–%(end)s am selben Tag.")
                % {"start": f"{clash.start:%H:%M}", "end": f"{clash.end:%H:%M}"},
                code="shift_overlap",
            )

    @property
    def hours(self) -> float:
        """Planned wall-clock hours (for display; the staffing uses real time)."""
        start = datetime.datetime.combine(self.day, self.start)
        end = datetime.datetime.combine(self.day, self.end)
        return (end - start).total_seconds() / 3600
