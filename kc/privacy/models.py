"""GDPR requests: export of everything about a customer, erasure and restriction by retention."""

import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kc.cases.models import Case
from kc.customers.models import BusinessPartner
from kc.letters.models import Letter


class PrivacyRequest(models.Model):
    """One request of a data subject, answered within the Art. 12 (3) GDPR period; its case
    carries the correspondence, this row the deadline, the identity check and the outcome."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("Auskunft und Datenkopie (Art. 15/20 DSGVO)")
        ERASURE = "erasure", _("Löschung (Art. 17 DSGVO)")
        RESTRICTION = "restriction", _("Einschränkung (Art. 18 DSGVO)")

    class State(models.TextChoices):
        OPEN = "open", _("offen")
        COMPLETED = "completed", _("erledigt")
        REFUSED = "refused", _("abgelehnt")

    class IdentityMethod(models.TextChoices):
        ID_DOCUMENT = "id_document", _("Ausweis vorgelegt (Kunden-Center)")
        PORTAL_LOGIN = "portal_login", _("Anfrage aus dem Portal (angemeldet mit 2FA)")
        CALLBACK = "callback", _("Rückruf unter hinterlegter Nummer")
        POSTAL = "postal", _("Antwort nur per Brief an die hinterlegte Anschrift")
        CUSTOMER_DATA = "customer_data", _("Abgleich Kundennummer, Zählernummer und Anschrift")

    OPEN_STATES: ClassVar[tuple[str, ...]] = (State.OPEN,)

    kind = models.CharField(_("Art"), max_length=12, choices=Kind.choices)
    # Kept when the partner is finally purged: the request itself proves the answer (Art. 5 (2)).
    partner = models.ForeignKey(
        BusinessPartner,
        verbose_name=_("Kunde"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="privacy_requests",
    )
    partner_number = models.CharField(_("Kundennummer"), max_length=20)
    received_at = models.DateTimeField(_("Eingegangen"))
    due_on = models.DateField(_("Antwort fällig am"))
    extended_due_on = models.DateField(_("Verlängert bis"), null=True, blank=True)
    extension_reason = models.CharField(_("Grund der Verlängerung"), max_length=300, blank=True)
    state = models.CharField(_("Stand"), max_length=10, choices=State.choices, default=State.OPEN)
    case = models.ForeignKey(
        Case, verbose_name=_("Vorgang"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Bearbeitet von"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    identity_checked_at = models.DateTimeField(_("Identität geprüft am"), null=True, blank=True)
    identity_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Identität geprüft von"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    identity_method = models.CharField(
        _("Geprüft durch"), max_length=14, choices=IdentityMethod.choices, blank=True
    )
    identity_note = models.CharField(_("Notiz zur Prüfung"), max_length=300, blank=True)
    exported_at = models.DateTimeField(_("Zuletzt exportiert"), null=True, blank=True)
    completed_at = models.DateTimeField(_("Erledigt am"), null=True, blank=True)
    outcome = models.TextField(_("Ergebnis"), blank=True)
    # What an erasure did, area by area (the preview's lines as they were applied).
    result = models.JSONField(_("Ergebnis im Detail"), default=dict, blank=True)
    # A restriction asked for under Art. 18 and lifted later (Art. 18 (3): the customer is
    # told by the letter before the lifting takes effect).
    restriction_lifted_at = models.DateTimeField(
        _("Einschränkung aufgehoben am"), null=True, blank=True
    )
    restriction_lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Einschränkung aufgehoben von"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lift_reason = models.CharField(_("Grund der Aufhebung"), max_length=500, blank=True)
    lift_letter = models.ForeignKey(
        Letter,
        verbose_name=_("Brief zur Aufhebung"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Datenschutzanfrage")
        verbose_name_plural = _("Datenschutzanfragen")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "kind"],
                condition=models.Q(state="open"),
                name="privacy_one_open_request_per_kind",
            ),
        ]
        permissions = [
            ("erase_personal_data", _("Kundendaten löschen oder einschränken")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.partner_number}"

    @property
    def answer_due(self) -> datetime.date:
        """The date that counts: the extended one once extended."""
        return self.extended_due_on or self.due_on

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def identity_checked(self) -> bool:
        return self.identity_checked_at is not None
