"""Credentials of outside systems that call the API."""

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

    name = models.CharField(_("Name"), max_length=80, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("Anfang des Tokens"), max_length=8, editable=False)
    scopes = models.CharField(
        _("Berechtigungen"), max_length=200, help_text=_("Durch Kommas getrennt, z. B. orders")
    )
    active = models.BooleanField(_("Aktiv"), default=True)
    created_at = models.DateTimeField(_("Angelegt"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("Zuletzt benutzt"), null=True, blank=True)

    class Meta:
        verbose_name = _("API-Token")
        verbose_name_plural = _("API-Tokens")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def allows(self, scope: str) -> bool:
        return scope in {s.strip() for s in self.scopes.split(",")}
