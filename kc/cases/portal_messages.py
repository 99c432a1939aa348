"""The customer portal's mailbox on cases: customers write in, agents answer into it.

The portal (kc.portal) calls these services for the customer who is logged in; whether the
case belongs to that customer is checked here again, whatever the caller checked. An answer
into the portal leaves the house only as an e-mail notice without personal data or case
content: the customer reads the answer itself after logging in.
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.cases import services
from kc.cases.attachments import store_attachment
from kc.cases.models import Case, Channel, Message
from kc.core import audit
from kc.core.models import User
from kc.core.validation import Refusal, field_error
from kc.customers.models import BusinessPartner

# (file name, content already checked by the portal, content type)
PortalFile = tuple[str, bytes, str]


def notice_subject() -> str:
    return _("Neue Nachricht im Kundenportal")


def notice_text() -> str:
    """The whole notice mail: no name, no case, no content; only where to look."""
    return _(
        "Guten Tag,\n\n"
        "in Ihrem Kundenportal liegt eine neue Nachricht für Sie.\n"
        "Bitte melden Sie sich an, um sie zu lesen:\n"
        "%(url)s\n\n"
        "Mit freundlichen Grüßen\n"
        "%(utility)s"
    ) % {"url": settings.KC_PORTAL_URL, "utility": settings.KC_UTILITY_NAME}


def _not_yours() -> Refusal:
    return Refusal(_("Dieser Vorgang gehört nicht zu Ihrem Kundenkonto."))


def _own_cases(partner: BusinessPartner) -> QuerySet[Case]:
    """The partner's cases, read from the database; an unsaved partner owns none (its pk
    None would otherwise match every case without a customer)."""
    if partner.pk is None:
        raise _not_yours()
    return Case.objects.filter(partner_id=partner.pk)


def _own_case(case: Case, partner: BusinessPartner) -> Case:
    """The case, locked, if it belongs to `partner`; read from the database, not the caller."""
    own = _own_cases(partner).select_for_update().filter(pk=case.pk).first()
    if own is None:
        raise _not_yours()
    return own


@transaction.atomic
def message_from_portal(
    *,
    partner: BusinessPartner,
    actor: User,
    subject: str,
    text: str,
    case_type: str = "general",
    case: Case | None = None,
    attachments: Iterable[PortalFile] = (),
) -> Case:
    """The customer writes from the portal: a new case, or a follow-up on one of their own."""
    if not text.strip():
        raise field_error("text", _("Bitte schreiben Sie Ihre Nachricht."), "empty_message")
    _own_cases(partner)  # refuses an unsaved partner before anything is stored
    if case is None:
        case = services.open_case(
            subject=subject,
            channel=Channel.PORTAL,
            case_type=case_type,
            partner=partner,
            actor=actor,
        )
        follow_up = False
    else:
        case = _own_case(case, partner)
        follow_up = True
    message = services.add_message(
        case,
        Message.Kind.PORTAL_IN,
        None,  # the login is named in `sender`: a customer account stays deletable
        subject=subject.strip()[:250],
        body_text=text.strip(),
        sender=actor.get_username()[:320],
    )
    for filename, content, content_type in attachments:
        store_attachment(message, filename=filename, content=content, content_type=content_type)
    if follow_up:
        case = services.customer_replied(case=case)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=message, partner_id=partner.pk)
    return case


@transaction.atomic
def reply_to_portal(*, case: Case, text: str, actor: User | None) -> Message:
    """An agent answers into the customer's portal mailbox; the customer gets a bare notice.
    Without `actor`: an automatic answer (a complaint's acknowledgement)."""
    if not text.strip():
        raise field_error("text", _("Die Antwort ist leer."), "empty_reply")
    case = Case.objects.select_for_update(of=("self",)).select_related("partner").get(pk=case.pk)
    partner = case.partner
    if partner is None:
        raise field_error(
            "text",
            _("Der Vorgang ist keinem Kunden zugeordnet: niemand könnte die Antwort lesen."),
            "no_partner",
        )
    message = services.add_message(case, Message.Kind.PORTAL_OUT, actor, body_text=text.strip())
    services._mark_answered(case, message.created_at)
    if partner.email:
        # Without an address the answer waits in the portal until the next login.
        services.queue_email_to(
            case=case,
            recipient=partner.email,
            subject=notice_subject(),
            text=notice_text(),
            actor=None,  # automatic: Auto-Submitted, and never shown in the portal thread
        )
    audit.record(actor=actor, action=audit.Action.CREATE, obj=message, partner_id=partner.pk)
    return message


def mark_read_by_customer(*, case: Case, partner: BusinessPartner) -> int:
    """The customer opened the case in the portal: its answers count as read."""
    if not _own_cases(partner).filter(pk=case.pk).exists():
        raise _not_yours()
    return Message.objects.filter(
        case_id=case.pk, kind=Message.Kind.PORTAL_OUT, read_at__isnull=True
    ).update(read_at=timezone.now())
