"""Platform models: staff users and teams, number ranges, the audit log."""

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Team(models.Model):
    class Kind(models.TextChoices):
        HOME_OFFICE = "home_office", _("Homeoffice")
        CALL_CENTER = "call_center", _("Call Center")
        CUSTOMER_CENTER = "customer_center", _("Kunden-Center")

    name = models.CharField(_("Name"), max_length=100, unique=True)
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)

    class Meta:
        verbose_name = _("Team")
        verbose_name_plural = _("Teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of staff (roles are Django groups, see kc.core.roles), or a customer's
    portal login (`is_customer`)."""

    team = models.ForeignKey(
        Team, verbose_name=_("Team"), null=True, blank=True, on_delete=models.SET_NULL
    )
    # A portal login of a customer (kc.portal), not a member of staff: kept out of every
    # staff page by CustomerAreaMiddleware.
    is_customer = models.BooleanField(_("Kundenzugang"), default=False, editable=False)

    class Meta(AbstractUser.Meta):
        verbose_name = _("Mitarbeiter/in")  # type: ignore[assignment]
        verbose_name_plural = _("Mitarbeitende")  # type: ignore[assignment]


class NumberRange(models.Model):
    """A configurable range of business numbers (customer, account, contract).

    Numbers are handed out by kc.core.numbers, which locks the row, so a number
    is never given twice, also with concurrent requests on PostgreSQL.
    """

    key = models.SlugField(_("Schlüssel"), max_length=40, unique=True)
    prefix = models.CharField(_("Präfix"), max_length=10, blank=True)
    next_value = models.PositiveBigIntegerField(_("Nächster Wert"))
    max_value = models.PositiveBigIntegerField(_("Höchster Wert"))
    width = models.PositiveSmallIntegerField(_("Stellen"), default=8)

    class Meta:
        verbose_name = _("Nummernkreis")
        verbose_name_plural = _("Nummernkreise")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(next_value__lte=models.F("max_value") + 1),
                name="numberrange_within_bounds",
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.prefix}{self.next_value:0{self.width}d})"


class AuditLogEntry(models.Model):
    """Who read or changed which personal data, when (UTC) and from where.

    Rows are only ever inserted; save() refuses updates and delete() refuses.
    """

    class Action(models.TextChoices):
        READ = "read", _("gelesen")
        CREATE = "create", _("angelegt")
        UPDATE = "update", _("geändert")
        DELETE = "delete", _("gelöscht")
        SEARCH = "search", _("gesucht")
        LOGIN = "login", _("angemeldet")

    created_at = models.DateTimeField(_("Zeitpunkt (UTC)"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("Wer"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("Benutzername"), max_length=150)
    action = models.CharField(_("Aktion"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("Objektart"), max_length=60)
    object_id = models.CharField(_("Objekt-ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("Objekt"), max_length=200, blank=True)
    partner_id = models.BigIntegerField(_("Kunde (ID)"), null=True, blank=True, db_index=True)
    changes = models.JSONField(_("Änderungen"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP-Adresse"), null=True, blank=True)
    user_agent = models.CharField(_("Browser"), max_length=300, blank=True)
    request_path = models.CharField(_("Pfad"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("Protokolleintrag")
        verbose_name_plural = _("Protokoll (Audit-Log)")
        ordering = ["-created_at", "-id"]
        default_permissions: ClassVar[tuple[str, ...]] = ("view",)

    def __str__(self) -> str:
        return (
            f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("audit log entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit log entries cannot be deleted")


class WorkerHeartbeat(models.Model):
    """Last sign of life of each task worker, for /healthz and the dashboard."""

    STALE_AFTER_SECONDS = 60

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("Hintergrund-Worker")
        verbose_name_plural = _("Hintergrund-Worker")

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"


class CalendarSetting(models.Model):
    """A business calendar kept in the database (see kc.core.business_calendar for the format)."""

    name = models.CharField(_("Name"), max_length=80, unique=True)
    config = models.JSONField(_("Einstellungen"), default=dict)
    is_default = models.BooleanField(_("Standard"), default=False)

    class Meta:
        verbose_name = _("Geschäftskalender")
        verbose_name_plural = _("Geschäftskalender")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="calendar_one_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from kc.core.business_calendar import BusinessCalendar

        try:
            BusinessCalendar.from_config(self.config)
        except ValueError as exc:
            raise ValidationError({"config": str(exc)}) from exc


class PeriodicJob(models.Model):
    """When a periodic task is next due; schedulers claim it with a conditional UPDATE,
    so with several machines each run is enqueued once."""

    name = models.CharField(max_length=80, unique=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Wiederkehrende Aufgabe")
        verbose_name_plural = _("Wiederkehrende Aufgaben")

    def __str__(self) -> str:
        return self.name
