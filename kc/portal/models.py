"""Portal logins of customers, their sign-up codes, login history and system mails."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kc.customers.models import BusinessPartner


class PortalAccount(models.Model):
    """A customer's login to the portal: one per business partner."""

    class Method(models.TextChoices):
        INVOICE = "invoice", _("Vertragskonto und Rechnungsbetrag")
        LETTER_CODE = "letter_code", _("Freischaltcode per Brief")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_account"
    )
    partner = models.OneToOneField(
        BusinessPartner,
        verbose_name=_("Kunde"),
        on_delete=models.PROTECT,
        related_name="portal_account",
    )
    signup_method = models.CharField(_("Freigeschaltet mit"), max_length=12, choices=Method)
    created_at = models.DateTimeField(_("Registriert"), auto_now_add=True)
    email_verified_at = models.DateTimeField(_("E-Mail bestätigt"), null=True, blank=True)

    class Meta:
        verbose_name = _("Portalzugang")
        verbose_name_plural = _("Portalzugänge")

    def __str__(self) -> str:
        return f"{self.partner.number} ({self.user.email})"


class ActivationCode(models.Model):
    """A one-time sign-up code sent by letter; only its keyed hash is stored."""

    partner = models.ForeignKey(
        BusinessPartner, on_delete=models.CASCADE, related_name="portal_codes"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("Gültig bis"))
    used_at = models.DateTimeField(_("Verwendet"), null=True, blank=True)
    letter_number = models.CharField(_("Brief"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("Freischaltcode")
        verbose_name_plural = _("Freischaltcodes")

    def __str__(self) -> str:
        return f"{self.partner_id} {self.created_at:%Y-%m-%d}"


class LoginEvent(models.Model):
    """The customer's login history: successes and failed attempts on their account."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Angemeldet")
        WRONG_PASSWORD = "password", _("Falsches Passwort")
        WRONG_CODE = "code", _("Falscher Bestätigungscode")
        THROTTLED = "throttled", _("Zu viele Versuche")
        UNVERIFIED = "unverified", _("E-Mail noch nicht bestätigt")
        LOGOUT = "logout", _("Abgemeldet")
        PASSWORD_RESET = "reset", _("Passwort neu gesetzt")

    account = models.ForeignKey(
        PortalAccount, on_delete=models.CASCADE, related_name="login_events"
    )
    at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True, db_index=True)
    outcome = models.CharField(_("Ergebnis"), max_length=10, choices=Outcome)
    ip_address = models.GenericIPAddressField(_("IP-Adresse"), null=True, blank=True)
    user_agent = models.CharField(_("Browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("Anmeldung")
        verbose_name_plural = _("Anmeldeverlauf")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.outcome}"


class PortalMail(models.Model):
    """A system mail of the portal (address check, password reset), sent by a worker and
    retried; it carries a link, never personal data beyond the address itself."""

    class State(models.TextChoices):
        QUEUED = "queued", _("wartet")
        SENDING = "sending", _("wird gesendet")
        SENT = "sent", _("gesendet")
        FAILED = "failed", _("gescheitert")

    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    state = models.CharField(max_length=8, choices=State, default=State.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("Portal-E-Mail")
        verbose_name_plural = _("Portal-E-Mails")
        indexes = [models.Index(fields=["state", "created_at"], name="portalmail_state")]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"
