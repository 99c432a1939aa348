"""Build and send a mail over SMTP (smtplib); no Django, the relay comes in as `SmtpConfig`.

Threading: pass the Message-IDs of the mail answered (`in_reply_to`, `references`) so the
customer's mail program keeps the conversation together. Automatic mails (acknowledgements)
pass `auto_submitted="auto-replied"` (RFC 3834 §5), which also asks Exchange not to answer
them with an out-of-office reply.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Literal


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int = 587
    security: Literal["ssl", "starttls", "plain"] = "starttls"  # "plain": tests only
    user: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 60.0
    ssl_context: ssl.SSLContext | None = None


@dataclass(frozen=True, slots=True)
class OutgoingAttachment:
    filename: str
    content: bytes = field(repr=False)
    content_type: str = "application/octet-stream"


def build_message(
    *,
    from_addr: str,
    to: Sequence[str],
    subject: str,
    text: str,
    from_name: str = "",
    html: str | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    auto_submitted: str | None = None,
    msgid_domain: str = "kundencenter.invalid",
    attachments: Sequence[OutgoingAttachment] = (),
    message_id: str | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr((from_name, from_addr)) if from_name else from_addr
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id or make_msgid(domain=msgid_domain)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    refs = [*references, *([in_reply_to] if in_reply_to and in_reply_to not in references else [])]
    if refs:
        msg["References"] = " ".join(refs)
    if auto_submitted:
        msg["Auto-Submitted"] = auto_submitted
        msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for att in attachments:
        # "text/calendar; charset=utf-8; method=REQUEST": parameters go on the Content-Type.
        mimetype, *param_parts = (part.strip() for part in att.content_type.split(";"))
        maintype, _, subtype = mimetype.partition("/")
        params = dict(part.split("=", 1) for part in param_parts if "=" in part)
        msg.add_attachment(
            att.content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=att.filename,
            params=params,
        )
    return msg


def send_message(config: SmtpConfig, msg: EmailMessage, *, envelope_from: str | None = None) -> str:
    """Send `msg`; returns its Message-ID. Raises smtplib.SMTPException / OSError on failure."""
    context = config.ssl_context or ssl.create_default_context()
    smtp: smtplib.SMTP
    if config.security == "ssl":
        smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    with smtp:
        if config.security == "starttls":
            smtp.starttls(context=context)
        if config.user:
            smtp.login(config.user, config.password)
        smtp.send_message(msg, from_addr=envelope_from)
    return str(msg["Message-ID"])
