"""Inbound e-mail onto cases: threading, sender check, customer match, acknowledgement.

The mail channel (kc.channels.email) parses the raw mail and calls `receive_email`
inside its transaction; this module owns the rules about which case a mail joins.
"""

import datetime
import hashlib
import re
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from kc.cases import services
from kc.cases.models import Attachment, Case, Message, TextModule
from kc.customers.models import BusinessPartner

CASE_TAG = re.compile(r"\[(V\d{8})\]")
ACK_MODULE_TITLE = "Eingangsbestätigung"
# At most this many automatic acknowledgements per sender and hour (mail loops, floods).
ACKS_PER_SENDER_PER_HOUR = 3


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    content: bytes
    content_id: str = ""
    inline: bool = False


@dataclass(frozen=True)
class InboundEmail:
    message_id: str
    sender: str
    subject: str
    received_at: datetime.datetime
    text: str = ""
    html: str = ""  # already sanitised by the channel
    sender_name: str = ""
    recipients: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    automatic: str | None = None  # why it is an auto-reply, bounce or list mail
    attachments: tuple[InboundAttachment, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Received:
    message: Message
    new_case: bool
    duplicate: bool = False
    acknowledgement: Message | None = None


def sender_belongs_to(case: Case, sender: str) -> bool:
    """Only the case's own correspondent may add to it by quoting its number."""
    sender = sender.lower()
    if sender in (case.contact_email.lower(), (case.partner.email_key if case.partner else "")):
        return True
    return case.messages.filter(kind=Message.Kind.EMAIL_IN, sender__iexact=sender).exists()


def find_thread(mail: InboundEmail) -> Case | None:
    """The case this mail answers: by our case tag, else by Message-IDs it refers to."""
    candidates: list[Case] = []
    tag = CASE_TAG.search(mail.subject)
    if tag:
        candidates += Case.objects.filter(number=tag.group(1)).select_related("partner")
    ids = [i for i in (mail.in_reply_to, *mail.references) if i]
    if ids:
        referenced = Message.objects.filter(message_id__in=ids).select_related("case__partner")
        candidates += [m.case for m in referenced.order_by("-created_at")]
    return next((case for case in candidates if sender_belongs_to(case, mail.sender)), None)


def match_partner(sender: str) -> BusinessPartner | None:
    """The customer with this e-mail address, if exactly one has it."""
    found = list(BusinessPartner.objects.filter(email_key=sender.lower())[:2])
    return found[0] if len(found) == 1 else None


# No savepoint of its own: the mail channel wraps each mail in one.
@transaction.atomic(savepoint=False)
def receive_email(mail: InboundEmail, *, own_addresses: frozenset[str] = frozenset()) -> Received:
    """Put a parsed mail on its case (or a new one). A Message-ID seen before is a no-op."""
    existing = Message.objects.filter(kind=Message.Kind.EMAIL_IN, message_id=mail.message_id)
    if mail.message_id and (first := existing.first()) is not None:
        return Received(message=first, new_case=False, duplicate=True)
    case = find_thread(mail)
    new_case = case is None
    if case is None:
        partner = match_partner(mail.sender)
        case = services.open_case(
            subject=mail.subject,
            channel="email",
            actor=None,
            partner=partner,
            contact_email=mail.sender,
            received_at=mail.received_at,
        )
    message = _store_message(case, mail)
    if not new_case:
        services.customer_replied(case=case)
    ack = None
    if new_case and may_acknowledge(mail, own_addresses):
        ack = _acknowledge(case, message)
    return Received(message=message, new_case=new_case, acknowledgement=ack)


def _store_message(case: Case, mail: InboundEmail) -> Message:
    message = services.add_message(
        case,
        Message.Kind.EMAIL_IN,
        None,
        subject=mail.subject[:250],
        body_text=mail.text,
        body_html=mail.html,
        sender=mail.sender[:320],
        recipients=mail.recipients[:1000],
        message_id=mail.message_id[:255],
        in_reply_to=mail.in_reply_to[:255],
        references=" ".join(mail.references),
        automatic=mail.automatic is not None,
    )
    for item in mail.attachments:
        attachment = Attachment(
            message=message,
            filename=item.filename[:255] or "anhang",
            content_type=item.content_type[:100],
            size=len(item.content),
            sha256=hashlib.sha256(item.content).hexdigest(),
            content_id=item.content_id[:255],
            inline=item.inline,
        )
        attachment.file.save(item.filename[:100] or "anhang", ContentFile(item.content), save=False)
        attachment.save()
    return message


def may_acknowledge(mail: InboundEmail, own_addresses: frozenset[str]) -> bool:
    """RFC 3834: never answer automatic mail or ourselves; and no floods per sender."""
    sender = mail.sender.lower()
    if mail.automatic or not sender or sender in own_addresses:
        return False
    hour_ago = timezone.now() - datetime.timedelta(hours=1)
    # Exact match on the lower-cased address (queue_email stores it so): index-served.
    recent = Message.objects.filter(
        recipients=sender, created_at__gte=hour_ago, kind=Message.Kind.EMAIL_OUT, automatic=True
    ).count()
    return recent < ACKS_PER_SENDER_PER_HOUR


def _acknowledge(case: Case, mail: Message) -> Message | None:
    module = TextModule.objects.filter(title=ACK_MODULE_TITLE, active=True).first()
    if module is None:
        return None
    text, _missing = services.render_text_module(case=case, module=module)
    return services.queue_email(case=case, text=text, actor=None, automatic=True, answering=mail)
