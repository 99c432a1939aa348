"""Credentials of outside systems that call the API, and the webhooks we call."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class CtiToken(models.Model):
    """The secret in the PBX's CTI URL. Only its SHA-256 is stored, plus a prefix to tell
    tokens apart in the admin."""

    name = models.CharField(_("Name"), max_length=80, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("Anfang des Tokens"), max_length=8, editable=False)
    active = models.BooleanField(_("Aktiv"), default=True)
    created_at = models.DateTimeField(_("Angelegt"), auto_now_add=True)

    class Meta:
        verbose_name = _("CTI-Token")
        verbose_name_plural = _("CTI-Tokens")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ApiToken(models.Model):
    """A bearer token of an outside system (e.g. the field service) with the scopes it may use.
    Only the SHA-256 is stored."""

    class Scope(models.TextChoices):
        ORDERS = "orders", _("Außendienstaufträge lesen und bestätigen")
        CUSTOMERS = "customers", _("Kunden, Vertragskonten und Verträge lesen")
        READINGS = "readings", _("Zähler und Zählerstände lesen")
        READINGS_WRITE = "readings:write", _("Zählerstände melden")
        CASES = "cases", _("Vorgänge lesen")
        CASES_WRITE = "cases:write", _("Notizen zu Vorgängen schreiben")
        CASES_REPLY = "cases:reply", _("Kunden im Portal antworten")
        LETTERS = "letters", _("Briefe lesen und herunterladen")
        PAYMENTS = "payments", _("Offene Posten und Salden lesen")

    name = models.CharField(_("Name"), max_length=80, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("Anfang des Tokens"), max_length=8, editable=False)
    scopes = models.CharField(
        _("Berechtigungen"), max_length=200, help_text=_("Durch Kommas getrennt, z. B. orders")
    )
    active = models.BooleanField(_("Aktiv"), default=True)
    created_at = models.DateTimeField(_("Angelegt"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("Zuletzt benutzt"), null=True, blank=True)
    expires_at = models.DateTimeField(
        _("Gültig bis"), null=True, blank=True, help_text=_("Leer: unbefristet.")
    )
    # The technical user that services record as the actor of the token's writes.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="api_token",
    )

    class Meta:
        verbose_name = _("API-Token")
        verbose_name_plural = _("API-Tokens")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def clean(self) -> None:
        unknown = self.scope_set - set(self.Scope.values)
        if unknown:
            raise ValidationError(
                {
                    "scopes": _("Unbekannte Berechtigung: %(names)s. Bekannt: %(known)s")
                    % {"names": ", ".join(sorted(unknown)), "known": ", ".join(self.Scope.values)}
                }
            )

    def allows(self, scope: str) -> bool:
        return scope in self.scope_set

    @property
    def scope_set(self) -> set[str]:
        return {s.strip() for s in self.scopes.split(",") if s.strip()}


class WebhookEndpoint(models.Model):
    """A receiver of our events (an outside system's URL), signed with its own secret."""

    class Event(models.TextChoices):
        CASE_CREATED = "case.created", _("Vorgang angelegt")
        CASE_UPDATED = "case.updated", _("Vorgang geändert")
        CASE_RESOLVED = "case.resolved", _("Vorgang erledigt")
        ORDER_CREATED = "order.created", _("Außendienstauftrag erteilt")
        ORDER_CONFIRMED = "order.confirmed", _("Außendienstauftrag bestätigt")
        ORDER_CANCELLED = "order.cancelled", _("Außendienstauftrag storniert")

    name = models.CharField(_("Name"), max_length=80, unique=True)
    url = models.URLField(_("Adresse"), max_length=500)
    secret = models.CharField(
        _("Geheimnis"), max_length=128, help_text=_("Schlüssel der HMAC-SHA256-Signatur")
    )
    events = models.CharField(
        _("Ereignisse"), max_length=300, help_text=_("Durch Kommas getrennt, z. B. case.created")
    )
    active = models.BooleanField(_("Aktiv"), default=True)
    created_at = models.DateTimeField(_("Angelegt"), auto_now_add=True)

    class Meta:
        verbose_name = _("Webhook-Empfänger")
        verbose_name_plural = _("Webhook-Empfänger")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = {e.strip() for e in self.events.split(",") if e.strip()} - set(self.Event.values)
        if unknown:
            raise ValidationError(
                {
                    "events": _("Unbekanntes Ereignis: %(names)s. Bekannt: %(known)s")
                    % {"names": ", ".join(sorted(unknown)), "known": ", ".join(self.Event.values)}
                }
            )

    def wants(self, event: str) -> bool:
        return event in {e.strip() for e in self.events.split(",")}


class WebhookDelivery(models.Model):
    """One event for one endpoint; its id is the delivery id receivers use to drop replays."""

    class Status(models.TextChoices):
        PENDING = "pending", _("ausstehend")
        DELIVERED = "delivered", _("zugestellt")
        FAILED = "failed", _("aufgegeben")

    # Sent as X-KC-Delivery: the same on every retry, so receivers can drop replays.
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("Ereignis"), max_length=40)
    # The event's own identity (e.g. "case.created:KC-123:1"): one delivery per endpoint.
    event_key = models.CharField(max_length=120)
    payload = models.JSONField(_("Inhalt"))
    status = models.CharField(
        _("Status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    next_try_at = models.DateTimeField(_("Nächster Versuch"), null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(_("Antwortcode"), null=True, blank=True)
    last_error = models.CharField(_("Letzter Fehler"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("Angelegt"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("Zugestellt"), null=True, blank=True)

    class Meta:
        verbose_name = _("Webhook-Zustellung")
        verbose_name_plural = _("Webhook-Zustellungen")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_key"], name="webhook_one_delivery_per_event"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_try_at"],
                condition=models.Q(status="pending"),
                name="webhook_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"
