"""Imports from a legacy billing system: runs, row reports and the legacy-id mapping."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class LegacyKey(models.Model):
    """Which object a legacy system's key became, and the hash of the row it came from.

    The unique constraint is what makes a re-run (or two runs at once) create nothing twice:
    a row creates its object and inserts its key in one savepoint (see engine)."""

    system = models.CharField(_("Altsystem"), max_length=40)
    entity = models.CharField(_("Art"), max_length=20)
    key = models.CharField(_("Schlüssel im Altsystem"), max_length=60)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    row_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Schlüssel aus dem Altsystem")
        verbose_name_plural = _("Schlüssel aus dem Altsystem")
        constraints = [
            models.UniqueConstraint(
                fields=["system", "entity", "key"], name="legacy_key_once_per_system"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.system}/{self.entity}/{self.key}"


class ImportRun(models.Model):
    """One uploaded export: first checked in a dry run, then (on request) imported for real."""

    class State(models.TextChoices):
        CHECKING = "checking", _("Probelauf läuft")
        CHECKED = "checked", _("Probelauf fertig")
        IMPORTING = "importing", _("Übernahme läuft")
        IMPORTED = "imported", _("übernommen")
        FAILED = "failed", _("abgebrochen")

    system = models.CharField(_("Altsystem"), max_length=40)
    upload = models.FileField(_("ZIP-Datei"), upload_to="imports/%Y/%m/")
    filename = models.CharField(_("Dateiname"), max_length=200)
    sha256 = models.CharField(max_length=64)
    state = models.CharField(
        _("Stand"), max_length=10, choices=State.choices, default=State.CHECKING
    )
    dry_run_report = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=dict, blank=True)
    problem = models.TextField(_("Fehler"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("Hochgeladen"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(_("Fertig"), null=True, blank=True)
    # The stored ZIP holds personal data: it is deleted KC_IMPORT_FILE_RETENTION_DAYS after
    # the run ended (kc.imports.retention); the reports, name and checksum stay.
    upload_deleted_at = models.DateTimeField(_("Datei gelöscht am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Datenübernahme")
        verbose_name_plural = _("Datenübernahmen")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"

    @property
    def busy(self) -> bool:
        return self.state in (self.State.CHECKING, self.State.IMPORTING)
