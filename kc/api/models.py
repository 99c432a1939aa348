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
