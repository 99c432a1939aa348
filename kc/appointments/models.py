"""Energy-saving consultations: advisors, their weekly hours and absences, appointment types and
bookings.

A booking blocks its advisor from `starts_at` to `blocked_until` (its end plus the type's
buffer for notes and travel). Two active bookings of one advisor never overlap there: the
booking service checks under a lock on the advisor row, and the database refuses it too
(PostgreSQL: an exclusion constraint over the time range, migration 0002; every database: a
unique start per advisor).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kc.cases.models import Case
from kc.customers.models import BusinessPartner, ContractAccount


class Mode(models.TextChoices):
    PHONE = "phone", _("Telefon")
    VIDEO = "video", _("Video")
    ON_SITE = "on_site", _("Vor Ort im Kunden-Center")


class Advisor(models.Model):
    """A member of staff who gives consultations."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Mitarbeiter/in"),
        on_delete=models.PROTECT,
        related_name="advisor",
    )
    active = models.BooleanField(_("Aktiv"), default=True)
    offers_phone = models.BooleanField(_("Berät per Telefon"), default=True)
    offers_video = models.BooleanField(_("Berät per Video"), default=True)
    offers_on_site = models.BooleanField(_("Berät im Kunden-Center"), default=True)
    video_url = models.URLField(
        _("Videoraum"), blank=True, help_text=_("Link des persönlichen Videoraums")
    )

    class Meta:
        verbose_name = _("Energieberater/in")
        verbose_name_plural = _("Energieberater/innen")
        ordering = ["user__last_name", "user__first_name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    def offers(self, mode: str) -> bool:
        return {
            Mode.PHONE: self.offers_phone,
            Mode.VIDEO: self.offers_video,
            Mode.ON_SITE: self.offers_on_site,
        }.get(Mode(mode), False)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Montag")
    TUESDAY = 1, _("Dienstag")
    WEDNESDAY = 2, _("Mittwoch")
    THURSDAY = 3, _("Donnerstag")
    FRIDAY = 4, _("Freitag")
    SATURDAY = 5, _("Samstag")
    SUNDAY = 6, _("Sonntag")


class WeeklyAvailability(models.Model):
    """One interval of an advisor's regular week (wall-clock time, Europe/Berlin); a day may
    have several."""

    advisor = models.ForeignKey(Advisor, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(_("Wochentag"), choices=Weekday.choices)
    start = models.TimeField(_("von"))
    end = models.TimeField(_("bis"))

    class Meta:
        verbose_name = _("Beratungszeit")
        verbose_name_plural = _("Beratungszeiten")
        ordering = ["advisor", "weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="availability_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class Absence(models.Model):
    """Holiday, illness, training: no appointments with this advisor in [starts_at, ends_at)."""

    advisor = models.ForeignKey(Advisor, on_delete=models.CASCADE, related_name="absences")
    starts_at = models.DateTimeField(_("von"))
    ends_at = models.DateTimeField(_("bis"))
    reason = models.CharField(_("Grund"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Abwesenheit")
        verbose_name_plural = _("Abwesenheiten")
        ordering = ["advisor", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="absence_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        start, end = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"{self.advisor} {start:%d.%m.%Y %H:%M}–{end:%d.%m.%Y %H:%M}"


class AppointmentType(models.Model):
    name = models.CharField(_("Bezeichnung"), max_length=100)
    mode = models.CharField(_("Form"), max_length=8, choices=Mode.choices)
    duration_minutes = models.PositiveSmallIntegerField(_("Dauer (Minuten)"), default=45)
    buffer_minutes = models.PositiveSmallIntegerField(
        _("Puffer danach (Minuten)"), default=15, help_text=_("für Notizen und Vorbereitung")
    )
    location = models.CharField(
        _("Ort"),
        max_length=200,
        blank=True,
        help_text=_("Anschrift des Kunden-Centers (nur für Beratungen vor Ort)"),
    )
    description = models.TextField(_("Beschreibung für Kundinnen und Kunden"), blank=True)
    active = models.BooleanField(_("Aktiv"), default=True)

    class Meta:
        verbose_name = _("Terminart")
        verbose_name_plural = _("Terminarten")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gt=0), name="appointment_type_has_duration"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_mode_display()}, {self.duration_minutes} min)"


class Booking(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("gebucht")
        CANCELLED = "cancelled", _("abgesagt")
        DONE = "done", _("durchgeführt")
        NO_SHOW = "no_show", _("nicht erschienen")

    class Channel(models.TextChoices):
        AGENT = "agent", _("Kundenberatung")
        PORTAL = "portal", _("Kundenportal")

    number = models.CharField(_("Terminnummer"), max_length=20, unique=True)
    partner = models.ForeignKey(
        BusinessPartner,
        verbose_name=_("Kunde"),
        on_delete=models.PROTECT,
        related_name="consultation_bookings",
    )
    account = models.ForeignKey(
        ContractAccount,
        verbose_name=_("Vertragskonto"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    advisor = models.ForeignKey(
        Advisor, verbose_name=_("Berater/in"), on_delete=models.PROTECT, related_name="bookings"
    )
    appointment_type = models.ForeignKey(
        AppointmentType, verbose_name=_("Terminart"), on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("Beginn"), db_index=True)
    ends_at = models.DateTimeField(_("Ende"))
    # The end plus the type's buffer: what the overlap rule and the database guard compare.
    blocked_until = models.DateTimeField()
    status = models.CharField(
        _("Status"), max_length=10, choices=Status.choices, default=Status.BOOKED
    )
    topic = models.CharField(_("Thema"), max_length=100)
    customer_note = models.TextField(_("Fragen der Kundin / des Kunden"), blank=True)
    contact_phone = models.CharField(_("Telefon"), max_length=40, blank=True)
    contact_email = models.EmailField(_("E-Mail"), blank=True)
    case = models.ForeignKey(
        Case, verbose_name=_("Vorgang"), on_delete=models.PROTECT, related_name="bookings"
    )
    ical_uid = models.CharField(max_length=120, unique=True)
    ical_sequence = models.PositiveIntegerField(default=0)
    channel = models.CharField(_("Gebucht über"), max_length=8, choices=Channel.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("Gebucht am"))
    reminder_sent_at = models.DateTimeField(_("Erinnerung gesendet"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("Abgesagt am"), null=True, blank=True)
    cancel_reason = models.CharField(_("Grund der Absage"), max_length=300, blank=True)
    advisor_notes = models.TextField(_("Notizen der Beratung"), blank=True)

    class Meta:
        verbose_name = _("Beratungstermin")
        verbose_name_plural = _("Beratungstermine")
        ordering = ["starts_at", "pk"]
        constraints = [
            # Works on every database; PostgreSQL adds the exclusion over the whole range.
            models.UniqueConstraint(
                fields=["advisor", "starts_at"],
                condition=models.Q(status="booked"),
                name="booking_one_start_per_advisor",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at"))
                & models.Q(blocked_until__gte=models.F("ends_at")),
                name="booking_times_in_order",
            ),
        ]
        indexes = [models.Index(fields=["status", "reminder_sent_at", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.number} {timezone.localtime(self.starts_at):%d.%m.%Y %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.BOOKED
