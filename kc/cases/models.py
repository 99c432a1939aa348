"""Cases (Vorgänge): every customer contact, whatever the channel, on one timeline."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kc.cases import complaint_rules
from kc.core.models import CalendarSetting, Team
from kc.customers.models import BusinessPartner
from kc.letters.models import Letter


class CaseType(models.TextChoices):
    BILLING_QUESTION = "billing_question", _("Rechnungsfrage")
    BUDGET_BILLING_CHANGE = "budget_billing_change", _("Abschlagsänderung")
    SEPA_MANDATE = "sepa_mandate", _("SEPA-Mandat")
    TARIFF_OFFER = "tariff_offer", _("Tarifangebot")
    METER_READING = "meter_reading", _("Zählerstand")
    MOVE = "move", _("Umzug")
    COMPLAINT = "complaint", _("Beschwerde")
    CONSULTATION = "consultation", _("Beratung")
    FUNDING = "funding", _("Förderprogramm")
    RECONNECTION = "reconnection", _("Entsperrung")
    PAYMENT = "payment", _("Zahlung und Rücklastschrift")
    GENERAL = "general", _("Allgemeine Anfrage")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-Mail")
    PHONE = "phone", _("Telefon")
    PORTAL = "portal", _("Kundenportal")
    LETTER = "letter", _("Brief")
    WINDOW = "window", _("Kunden-Center")


class Queue(models.Model):
    """A team's inbox of cases."""

    name = models.CharField(_("Name"), max_length=80, unique=True)
    team = models.ForeignKey(Team, verbose_name=_("Team"), on_delete=models.PROTECT)
    is_default = models.BooleanField(_("Eingang für Neues"), default=False)
    calendar = models.ForeignKey(
        CalendarSetting,
        verbose_name=_("Geschäftskalender"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Leer: der Standardkalender."),
    )

    class Meta:
        verbose_name = _("Warteschlange")
        verbose_name_plural = _("Warteschlangen")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="queue_one_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("Neu")
        OPEN = "open", _("In Bearbeitung")
        WAITING_CUSTOMER = "waiting_customer", _("Wartet auf Kunde")
        WAITING_INTERNAL = "waiting_internal", _("Wartet intern")
        RESOLVED = "resolved", _("Erledigt")
        CLOSED = "closed", _("Geschlossen")

    class Priority(models.IntegerChoices):
        LOW = 1, _("niedrig")
        NORMAL = 2, _("normal")
        HIGH = 3, _("hoch")
        URGENT = 4, _("dringend")

    number = models.CharField(_("Vorgangsnummer"), max_length=20, unique=True)
    subject = models.CharField(_("Betreff"), max_length=250)
    case_type = models.CharField(
        _("Art"), max_length=24, choices=CaseType.choices, default=CaseType.GENERAL
    )
    channel = models.CharField(_("Eingangskanal"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    priority = models.PositiveSmallIntegerField(
        _("Priorität"), choices=Priority.choices, default=Priority.NORMAL
    )
    queue = models.ForeignKey(
        Queue, verbose_name=_("Warteschlange"), on_delete=models.PROTECT, related_name="cases"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Bearbeitet von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    partner = models.ForeignKey(
        BusinessPartner,
        verbose_name=_("Kunde"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    # An unknown sender stays on the case until an agent matches a customer.
    contact_email = models.EmailField(_("Absender-E-Mail"), blank=True)
    contact_phone = models.CharField(_("Absender-Telefon"), max_length=20, blank=True)
    received_at = models.DateTimeField(_("Eingegangen"))
    first_response_at = models.DateTimeField(_("Erste Antwort"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("Erledigt am"), null=True, blank=True)
    first_response_due = models.DateTimeField(_("Antwort fällig"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("Erledigung fällig"), null=True, blank=True)
    updated_at = models.DateTimeField(_("Geändert"), auto_now=True)
    # The worst SLA state a reminder was written for, so each state warns once.
    sla_alert = models.CharField(
        _("SLA-Warnung"),
        max_length=10,
        blank=True,
        choices=[("at_risk", _("knapp")), ("breached", _("überfällig"))],
    )
    sla_alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Vorgang")
        verbose_name_plural = _("Vorgänge")
        indexes = [
            # The queue list reads in its display order and stops at the page size.
            models.Index(
                fields=["queue", "-priority", "received_at", "id"], name="case_queue_order"
            ),
            models.Index(fields=["assignee", "status"], name="case_assignee"),
            models.Index(fields=["partner", "received_at"], name="case_partner"),
            models.Index(fields=["contact_email"], name="case_contact_email"),
            models.Index(fields=["status", "first_response_due"], name="case_first_due"),
            models.Index(fields=["status", "resolution_due"], name="case_resolution_due"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.RESOLVED, self.Status.CLOSED)


class Message(models.Model):
    """One entry on a case's timeline."""

    class Kind(models.TextChoices):
        EMAIL_IN = "email_in", _("E-Mail eingegangen")
        EMAIL_OUT = "email_out", _("E-Mail gesendet")
        CALL = "call", _("Anruf")
        PORTAL_IN = "portal_in", _("Nachricht aus dem Portal")
        PORTAL_OUT = "portal_out", _("Nachricht ins Portal")
        NOTE = "note", _("Interne Notiz")
        LETTER = "letter", _("Brief")
        STATUS = "status", _("Statusänderung")

    class Delivery(models.TextChoices):
        NONE = "", _("–")
        QUEUED = "queued", _("wartet auf Versand")
        SENDING = "sending", _("wird versendet")
        SENT = "sent", _("versendet")
        FAILED = "failed", _("Versand gescheitert")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("Art"), max_length=12, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("Zeitpunkt"), db_index=True)
    subject = models.CharField(_("Betreff"), max_length=250, blank=True)
    body_text = models.TextField(_("Text"), blank=True)
    body_html = models.TextField(_("HTML (bereinigt)"), blank=True)
    sender = models.CharField(_("Von"), max_length=320, blank=True)
    recipients = models.CharField(_("An"), max_length=1000, blank=True)
    # Threading: our own and the sender's Message-IDs both thread replies.
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True)
    delivery = models.CharField(
        _("Versand"), max_length=8, choices=Delivery.choices, blank=True, default=Delivery.NONE
    )
    delivery_detail = models.CharField(max_length=300, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    # Set when a worker claims the message for sending; a stale claim is taken back.
    send_claimed_at = models.DateTimeField(null=True, blank=True)
    automatic = models.BooleanField(_("Automatisch"), default=False)
    # When the customer opened a portal answer (PORTAL_OUT) in the portal; empty: unread.
    read_at = models.DateTimeField(_("Gelesen im Portal"), null=True, blank=True)

    class Meta:
        verbose_name = _("Nachricht")
        verbose_name_plural = _("Nachrichten")
        ordering = ["created_at", "id"]
        indexes = [
            # Acknowledgements per recipient and hour (mail-loop guard).
            models.Index(fields=["recipients", "created_at"], name="message_recipient_time"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_kind_display()} {self.created_at:%d.%m.%Y %H:%M}"

    @property
    def is_internal(self) -> bool:
        return self.kind in (self.Kind.NOTE, self.Kind.STATUS)


class TextModule(models.Model):
    """A reusable answer; placeholders like {anrede} are filled per case."""

    title = models.CharField(_("Titel"), max_length=100, unique=True)
    body = models.TextField(_("Text"))
    case_type = models.CharField(_("Für Art"), max_length=24, choices=CaseType.choices, blank=True)
    active = models.BooleanField(_("Aktiv"), default=True)

    class Meta:
        verbose_name = _("Textbaustein")
        verbose_name_plural = _("Textbausteine")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class CaseViewer(models.Model):
    """Who has a case open right now: drives the collision warning."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="viewers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()
    composing = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="caseviewer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.case.number}"


class Attachment(models.Model):
    """A file that came with a message; agents open it only once clamd has passed it."""

    class Scan(models.TextChoices):
        PENDING = "pending", _("wird geprüft")
        CLEAN = "clean", _("geprüft")
        INFECTED = "infected", _("Schadsoftware gefunden")
        FAILED = "failed", _("Prüfung fehlgeschlagen")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    filename = models.CharField(_("Dateiname"), max_length=255)
    content_type = models.CharField(_("Dateityp"), max_length=100)
    size = models.PositiveBigIntegerField(_("Größe (Bytes)"))
    sha256 = models.CharField(max_length=64, db_index=True)
    content_id = models.CharField(max_length=255, blank=True)
    inline = models.BooleanField(default=False)
    scan = models.CharField(
        _("Virenprüfung"), max_length=10, choices=Scan.choices, default=Scan.PENDING
    )
    scan_detail = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("Anhang")
        verbose_name_plural = _("Anhänge")

    def __str__(self) -> str:
        return self.filename

    @property
    def may_open(self) -> bool:
        return self.scan == self.Scan.CLEAN


class Call(models.Model):
    """One phone call from the PBX's CTI events: the call journal."""

    class Direction(models.TextChoices):
        IN = "in", _("eingehend")
        OUT = "out", _("ausgehend")

    class State(models.TextChoices):
        RINGING = "ringing", _("klingelt")
        ANSWERED = "answered", _("im Gespräch")
        ENDED = "ended", _("beendet")
        MISSED = "missed", _("verpasst")

    call_id = models.CharField(_("Anruf-ID"), max_length=100, unique=True)
    direction = models.CharField(_("Richtung"), max_length=3, choices=Direction.choices)
    from_number = models.CharField(_("Von"), max_length=40)
    to_number = models.CharField(_("An"), max_length=40)
    caller_e164 = models.CharField(max_length=20, blank=True, db_index=True)
    pbx_queue = models.CharField(_("Warteschleife"), max_length=80, blank=True)
    partner = models.ForeignKey(
        BusinessPartner, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    state = models.CharField(
        _("Zustand"), max_length=10, choices=State.choices, default=State.RINGING
    )
    cause = models.CharField(_("Grund"), max_length=40, blank=True)
    started_at = models.DateTimeField(_("Beginn"), db_index=True)
    answered_at = models.DateTimeField(_("Angenommen"), null=True, blank=True)
    ended_at = models.DateTimeField(_("Ende"), null=True, blank=True)

    class Meta:
        verbose_name = _("Anruf")
        verbose_name_plural = _("Anrufe")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.from_number} → {self.to_number}"

    @property
    def wait_seconds(self) -> int | None:
        until = self.answered_at or self.ended_at
        return int((until - self.started_at).total_seconds()) if until else None

    @property
    def talk_seconds(self) -> int | None:
        if self.answered_at and self.ended_at:
            return int((self.ended_at - self.answered_at).total_seconds())
        return None


class SlaTarget(models.Model):
    """First-response and resolution targets of a case type, in business minutes."""

    case_type = models.CharField(_("Art"), max_length=24, choices=CaseType.choices, unique=True)
    first_response_minutes = models.PositiveIntegerField(
        _("Erste Antwort (Minuten)"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(
        _("Erledigung (Minuten)"), null=True, blank=True
    )
    at_risk_percent = models.PositiveSmallIntegerField(_("Warnung ab Rest (%)"), default=20)

    class Meta:
        verbose_name = _("SLA-Ziel")
        verbose_name_plural = _("SLA-Ziele")

    def __str__(self) -> str:
        return self.get_case_type_display()


class CasePause(models.Model):
    """A span in which the case waited for the customer: the resolution clock stops."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.case.number} {self.started_at:%d.%m.%Y %H:%M}"


class SavedView(models.Model):
    """A named filter of the case list, per staff member."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_case_views"
    )
    name = models.CharField(_("Name"), max_length=60)
    query = models.CharField(_("Filter"), max_length=500)

    class Meta:
        verbose_name = _("Gespeicherte Ansicht")
        verbose_name_plural = _("Gespeicherte Ansichten")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="savedview_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class CaseTask(models.Model):
    """A piece of a case handed to another team, e.g. "print and hand over at the window"
    for the customer center; done, it reports back on the case."""

    class Status(models.TextChoices):
        OPEN = "open", _("offen")
        DONE = "done", _("erledigt")

    class Kind(models.TextChoices):
        # The first four need the customer center's counter, printer or scanner.
        PRINT = "print", _("Drucken und übergeben")
        HAND_OVER = "hand_over", _("Am Fenster aushändigen")
        CHECK_RECEIPT = "check_receipt", _("Beleg am Fenster prüfen")
        SCAN_MAIL = "scan_mail", _("Papierpost scannen")
        OTHER = "other", _("Sonstiges")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("Art"), max_length=14, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("Aufgabe"), max_length=200)
    note = models.TextField(_("Hinweis"), blank=True)
    queue = models.ForeignKey(
        Queue, verbose_name=_("Team"), on_delete=models.PROTECT, related_name="tasks"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Verantwortlich"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("Status"), max_length=6, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("Angelegt"))
    done_at = models.DateTimeField(_("Erledigt am"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_note = models.TextField(_("Rückmeldung"), blank=True)

    class Meta:
        verbose_name = _("Aufgabe")
        verbose_name_plural = _("Aufgaben")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["queue", "status", "created_at"], name="task_queue")]

    def __str__(self) -> str:
        return self.title


class Complaint(models.Model):
    """A case that is a complaint (Beschwerde): the § 111a EnWG answer period runs from the
    case's receipt; acknowledgement, escalation and answer are recorded here."""

    class Category(models.TextChoices):
        BILLING = "billing", _("Abrechnung")
        PRICES = "prices", _("Preise")
        METER = "meter", _("Zähler/Messung")
        SERVICE = "service", _("Service")
        DISCONNECTION = "disconnection", _("Sperrung")
        OTHER = "other", _("Sonstiges")

    class Outcome(models.TextChoices):
        REMEDIED = "remedied", _("abgeholfen")
        PARTLY = "partly", _("teilweise abgeholfen")
        NOT_REMEDIED = "not_remedied", _("nicht abgeholfen")

    # Part of its case: goes with it (e.g. the GDPR purge after the retention period).
    case = models.OneToOneField(
        Case, verbose_name=_("Vorgang"), on_delete=models.CASCADE, related_name="complaint"
    )
    category = models.CharField(_("Kategorie"), max_length=16, choices=Category.choices)
    # The case's receipt, kept here so the period never moves when the case changes.
    received_at = models.DateTimeField(_("Eingegangen"))
    answer_due = models.DateField(_("Antwort spätestens am"))
    rule_set = models.CharField(_("Regelsatz"), max_length=40)
    registered_at = models.DateTimeField(_("Erfasst"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("Eingang bestätigt"), null=True, blank=True)
    acknowledgement_letter = models.ForeignKey(
        Letter, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledgement_message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalated_at = models.DateTimeField(_("Eskaliert"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(
        _("Frist überschritten gemeldet"), null=True, blank=True
    )
    answered_at = models.DateTimeField(_("Beantwortet"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(_("Ergebnis"), max_length=12, choices=Outcome.choices, blank=True)
    answer_text = models.TextField(_("Antwort und Begründung"), blank=True)
    answer_letter = models.ForeignKey(
        Letter, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("Beschwerde")
        verbose_name_plural = _("Beschwerden")
        ordering = ["answer_due", "pk"]
        indexes = [
            models.Index(fields=["answered_at", "answer_due"], name="complaint_open_due"),
            models.Index(fields=["received_at"], name="complaint_received"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True) | ~models.Q(outcome=""),
                name="complaint_answer_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_category_display()}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def answered_in_time(self) -> bool | None:
        """None while unanswered; else whether the answer's Berlin day was the due day or
        earlier (§ 111a EnWG)."""
        if self.answered_at is None:
            return None
        return complaint_rules.answered_in_time(self.answered_at, self.answer_due)
