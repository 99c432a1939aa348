"""Letters by e-mail (the PDF attached) and portal notices (no personal data in the mail)."""

import logging
import smtplib

from django.conf import settings

from kc.channels.email.outbox import SendResult, smtp_config
from kc.channels.email.smtp import OutgoingAttachment, SmtpConfig, build_message, send_message
from kc.letters import outbox
from kc.letters.models import Delivery

log = logging.getLogger(__name__)

LETTER_TEXT = """{salutation}

anbei erhalten Sie unser Schreiben „{subject}“ als PDF.

Bei Fragen erreichen Sie uns kostenfrei unter {hotline} (Montag bis Samstag, 8 bis 20 Uhr).

Mit freundlichen Grüßen
{utility}
"""

PORTAL_NOTICE = """Guten Tag,

in Ihrem Postfach im Kundenportal liegt ein neues Dokument für Sie.
Bitte melden Sie sich an, um es zu lesen.

Mit freundlichen Grüßen
{utility}
"""


def send_letter_delivery(delivery_id: int, config: SmtpConfig | None = None) -> SendResult:
    delivery = outbox.claim(delivery_id)
    if delivery is None:
        return SendResult(sent=False)  # sent already, or another worker has it
    letter = delivery.letter
    partner = letter.partner
    if delivery.channel == Delivery.Channel.PORTAL:
        subject = f"Neues Dokument von {settings.KC_UTILITY_NAME}"
        text = PORTAL_NOTICE.format(utility=settings.KC_UTILITY_NAME)
        attachments: list[OutgoingAttachment] = []
    else:
        subject = letter.subject
        text = LETTER_TEXT.format(
            salutation=str(letter.values.get("anrede", "Guten Tag,")),
            subject=letter.subject,
            hotline=settings.KC_HOTLINE,
            utility=settings.KC_UTILITY_NAME,
        )
        with letter.pdf.open("rb") as pdf:
            content = pdf.read()
        attachments = [OutgoingAttachment(f"{letter.number}.pdf", content, "application/pdf")]
    mail = build_message(
        from_addr=settings.KC_MAIL_FROM,
        from_name=settings.KC_UTILITY_NAME,
        to=[partner.email],
        subject=subject,
        text=text,
        attachments=attachments,
        msgid_domain=settings.KC_MAIL_DOMAIN,
    )
    try:
        send_message(config or smtp_config(), mail, envelope_from=settings.KC_MAIL_FROM)
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("sending letter delivery %s failed: %s", delivery.pk, exc)
        return SendResult(sent=False, retry=outbox.mark_failed(delivery, str(exc)))
    outbox.mark_sent(delivery)
    return SendResult(sent=True)
