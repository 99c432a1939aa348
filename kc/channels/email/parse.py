"""Parse a raw e-mail into plain data: pure, no Django models, never raises on bad input.

`parse_message(raw)` reads what it can and lists what was wrong in `defects`. A mail larger
than `max_bytes` is not decoded at all: only its header block is read (`too_large=True`).
Attachments are carried as bytes; archives are never opened (no zip-bomb expansion here).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.header import Header, decode_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime

import filetype  # type: ignore[import-untyped]

MAX_BYTES = 25 * 1024 * 1024
HEADER_LIMIT = 256 * 1024  # header block read from an oversized mail
MAX_PARTS = 500  # MIME parts looked at; the rest is reported as a defect
GENERATED_ID_DOMAIN = "kundencenter.invalid"
# Parsed into sub-messages by the stdlib, but carried whole as one attachment here.
_LEAF_MESSAGES = {"message/rfc822", "message/delivery-status"}
_MSGID = re.compile(r"<[^<>\s]+>")
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


@dataclass(frozen=True, slots=True)
class Address:
    address: str  # lower-cased addr-spec, "" when unparsable
    name: str = ""


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str  # decoded (RFC 2047/2231), stripped of paths and control characters
    content_type: str  # sniffed from the bytes when `filetype` knows them, else declared
    declared_type: str  # what the mail said
    size: int
    content: bytes = field(repr=False)
    inline: bool = False
    content_id: str | None = None  # without angle brackets


@dataclass(frozen=True, slots=True)
class AutoHeaders:
    """The raw values that tell automatic mail apart (RFC 3834 and common practice)."""

    auto_submitted: str = ""
    precedence: str = ""
    list_headers: tuple[str, ...] = ()  # names of List-* headers present, lower-case
    x_autoreply: str = ""  # X-Autoreply / X-Autorespond / X-Autoresponse
    x_auto_response_suppress: str = ""
    report_type: str = ""  # report-type of a top-level multipart/report


@dataclass(frozen=True, slots=True)
class ParsedMail:
    message_id: str  # with angle brackets
    message_id_generated: bool
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    from_: Address
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    return_path: str | None  # None: no header; "": the null path "<>"
    date: datetime | None  # aware; naive dates are taken as UTC
    text: str
    html: str  # raw, NOT sanitised: use sanitize.sanitize_html before showing it
    attachments: tuple[Attachment, ...]
    auto: AutoHeaders
    content_hash: str  # sha256 hex of the raw bytes
    size: int
    too_large: bool = False
    defects: tuple[str, ...] = ()

    @property
    def from_address(self) -> str:
        return self.from_.address

    @property
    def from_name(self) -> str:
        return self.from_.name

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Message-IDs this mail answers, nearest first (In-Reply-To, then References)."""
        ids = [self.in_reply_to] if self.in_reply_to else []
        ids += [ref for ref in reversed(self.references) if ref not in ids]
        return tuple(ids)


def parse_message(raw: bytes, *, max_bytes: int = MAX_BYTES, size: int | None = None) -> ParsedMail:
    """Parse `raw`; `size` is the real size when `raw` holds only the headers (IMAP)."""
    real_size = max(len(raw), size or 0)
    digest = hashlib.sha256(raw).hexdigest()
    defects: list[str] = []
    if real_size > max_bytes:
        defects.append(f"too large: {real_size} bytes > {max_bytes}")
        msg = _parse_headers_only(raw, defects)
        return _build(msg, digest, real_size, defects, too_large=True)
    try:
        msg = message_from_bytes(raw, policy=compat32)
    except Exception as exc:  # noqa: BLE001  (the stdlib parser should not raise; be sure)
        defects.append(f"unparsable: {type(exc).__name__}")
        msg = _parse_headers_only(raw, defects)
        return _build(msg, digest, real_size, defects)
    try:
        return _build(msg, digest, real_size, list(defects), with_body=True)
    except Exception as exc:  # noqa: BLE001  (e.g. RecursionError on absurd nesting)
        defects.append(f"body unreadable: {type(exc).__name__}")
        return _build(_parse_headers_only(raw, defects), digest, real_size, defects)


def _parse_headers_only(raw: bytes, defects: list[str]) -> Message:
    head = raw[:HEADER_LIMIT]
    end = min((i for i in (head.find(b"\r\n\r\n"), head.find(b"\n\n")) if i >= 0), default=-1)
    if end < 0:
        defects.append("header block not found within the first 256 KiB")
    else:
        head = head[: end + 2]
    try:
        return BytesHeaderParser(policy=compat32).parsebytes(head)
    except Exception as exc:  # noqa: BLE001
        defects.append(f"headers unparsable: {type(exc).__name__}")
        return Message()


def _build(
    msg: Message,
    digest: str,
    size: int,
    defects: list[str],
    *,
    too_large: bool = False,
    with_body: bool = False,
) -> ParsedMail:
    body = _Body()
    if with_body:
        body.collect(msg, defects)
    for part in _walk(msg, limit=MAX_PARTS * 2):
        defects.extend(type(d).__name__ for d in getattr(part, "defects", ()))
    msg_id = _first_msgid(_header(msg, "Message-ID"))
    return ParsedMail(
        message_id=msg_id or f"<{digest}@{GENERATED_ID_DOMAIN}>",
        message_id_generated=msg_id is None,
        in_reply_to=_first_msgid(_header(msg, "In-Reply-To")),
        references=tuple(dict.fromkeys(_MSGID.findall(_header(msg, "References")))),
        subject=_header(msg, "Subject"),
        from_=next(iter(_addresses(msg, "From")), Address("")),
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        reply_to=_addresses(msg, "Reply-To"),
        return_path=_return_path(msg),
        date=_date(msg, defects),
        text="\n".join(body.text),
        html="\n".join(body.html),
        attachments=tuple(body.attachments),
        auto=_auto_headers(msg),
        content_hash=digest,
        size=size,
        too_large=too_large,
        defects=tuple(dict.fromkeys(defects)),
    )


# --- headers ------------------------------------------------------------------------------


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset, falling back to UTF-8, then Windows-1252."""
    for candidate in (charset, "utf-8", "cp1252"):
        if not candidate or candidate.lower() in {"unknown-8bit", "x-unknown"}:
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")  # cannot fail: every byte is a character


def decode_header_value(value: str | Header | None) -> str:
    """RFC 2047 words and raw 8-bit bytes to text; unknown charsets degrade, never raise."""
    if value is None:
        return ""
    if isinstance(value, Header):  # raw 8-bit bytes in the header: make text first
        value = "".join(_decode_chunks(value, raw_none=False))
    try:
        text = "".join(_decode_chunks(value, raw_none=True))
    except Exception:  # noqa: BLE001  (malformed encoded words)
        text = _unsurrogate(str(value))
    return re.sub(r"\s*[\r\n]+\s*", " ", text).strip()


def _decode_chunks(value: str | Header, *, raw_none: bool) -> Iterator[str]:
    for chunk, charset in decode_header(value):
        if isinstance(chunk, str):
            yield _unsurrogate(chunk)
        elif charset is None and raw_none:  # decode_header's own encoding of plain text
            yield chunk.decode("raw-unicode-escape", "replace")
        else:
            yield decode_bytes(chunk, charset)


def _unsurrogate(text: str) -> str:
    """Undo surrogateescape (raw 8-bit bytes in a header) by decoding those bytes."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return decode_bytes(text.encode("ascii", "surrogateescape"), None)


def _header(msg: Message, name: str) -> str:
    try:
        return decode_header_value(msg.get(name))
    except Exception:  # noqa: BLE001
        return ""


def _first_msgid(value: str) -> str | None:
    found = _MSGID.search(value)
    return found.group(0) if found else None


def _addresses(msg: Message, name: str) -> tuple[Address, ...]:
    try:
        values = [decode_header_value(v) for v in msg.get_all(name, [])]
        pairs = getaddresses(values)
    except Exception:  # noqa: BLE001
        return ()
    return tuple(Address(addr.strip().lower(), nm.strip()) for nm, addr in pairs if nm or addr)


def _return_path(msg: Message) -> str | None:
    value = msg.get("Return-Path")
    if value is None:
        return None
    text = decode_header_value(value).strip()
    return text.strip("<>").strip().lower()


def _date(msg: Message, defects: list[str]) -> datetime | None:
    value = _header(msg, "Date")
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        defects.append("unparsable Date header")
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _auto_headers(msg: Message) -> AutoHeaders:
    names = {key.lower() for key in msg}
    x_auto = " ".join(
        _header(msg, n) or n
        for n in ("X-Autoreply", "X-Autorespond", "X-Autoresponse")
        if n.lower() in names
    )
    report = ""
    if msg.get_content_type() == "multipart/report":
        report = str(msg.get_param("report-type", "") or "unknown").lower()
    return AutoHeaders(
        auto_submitted=_header(msg, "Auto-Submitted").lower(),
        precedence=_header(msg, "Precedence").lower(),
        list_headers=tuple(sorted(n for n in names if n.startswith("list-"))),
        x_autoreply=x_auto,
        x_auto_response_suppress=_header(msg, "X-Auto-Response-Suppress").lower(),
        report_type=report,
    )


# --- body ---------------------------------------------------------------------------------


def _walk(msg: Message, *, limit: int) -> Iterator[Message]:
    """Parts depth-first, not descending into attached messages, at most `limit`."""
    stack = [msg]
    seen = 0
    while stack and seen < limit:
        part = stack.pop()
        seen += 1
        yield part
        if part.get_content_type() not in _LEAF_MESSAGES and part.is_multipart():
            stack.extend(reversed(_subparts(part)))


def _subparts(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


class _Body:
    def __init__(self) -> None:
        self.text: list[str] = []
        self.html: list[str] = []
        self.attachments: list[Attachment] = []

    def collect(self, msg: Message, defects: list[str]) -> None:
        for count, part in enumerate(_walk(msg, limit=MAX_PARTS + 1), start=1):
            if count > MAX_PARTS:
                defects.append(f"more than {MAX_PARTS} MIME parts: rest ignored")
                break
            try:
                self._part(part, defects)
            except Exception as exc:  # noqa: BLE001  (one bad part must not lose the mail)
                defects.append(f"part skipped: {type(exc).__name__}")

    def _part(self, part: Message, defects: list[str]) -> None:
        ctype = part.get_content_type()
        if part.is_multipart() and ctype not in _LEAF_MESSAGES:
            return
        if ctype.startswith("multipart/"):  # boundary never found: keep the text we have
            self.text.append(_unsurrogate(str(part.get_payload())))
            return
        disposition = part.get_content_disposition()
        filename = _filename(part)
        if ctype in {"text/plain", "text/html"} and disposition != "attachment" and not filename:
            data = part.get_payload(decode=True)
            text = decode_bytes(
                data if isinstance(data, bytes) else b"", part.get_content_charset()
            )
            (self.text if ctype == "text/plain" else self.html).append(text)
            return
        content = _content(part)
        if content is None:
            defects.append(f"empty {ctype} part")
            return
        self.attachments.append(_attachment(part, ctype, disposition, filename, content))


def _content(part: Message) -> bytes | None:
    if part.get_content_type() in _LEAF_MESSAGES:
        inner = _subparts(part)
        return b"\n".join(bytes(p.as_bytes(policy=compat32)) for p in inner) or None
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else None


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or part.get_param("name", header="content-type")
    except Exception:  # noqa: BLE001
        return ""
    if isinstance(name, tuple):  # undecoded RFC 2231 triple
        name = decode_bytes(name[2].encode("latin-1", "replace"), name[0])
    return decode_header_value(name) if name else ""


def _attachment(
    part: Message, ctype: str, disposition: str | None, filename: str, content: bytes
) -> Attachment:
    content_id = part.get("Content-ID")
    cid = str(content_id).strip().strip("<>").strip() if content_id else None
    sniffed = None if ctype == "message/rfc822" else filetype.guess_mime(content[:8192])
    content_type = sniffed or ctype
    return Attachment(
        filename=safe_filename(filename, content_type, fallback=_subject_name(part, ctype)),
        content_type=content_type,
        declared_type=ctype,
        size=len(content),
        content=content,
        inline=disposition == "inline" or (disposition is None and cid is not None),
        content_id=cid or None,
    )


def _subject_name(part: Message, ctype: str) -> str:
    if ctype == "message/rfc822":
        inner = _subparts(part)
        subject = _header(inner[0], "Subject") if inner else ""
        return f"{subject or 'message'}.eml"
    return ""


_EXTENSIONS = {"message/rfc822": ".eml", "text/plain": ".txt", "text/html": ".html"}


def safe_filename(name: str, content_type: str, *, fallback: str = "") -> str:
    """A name to show and store: no paths, no control characters, at most 150 characters."""
    name = _UNSAFE_FILENAME.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" ._")
    if not name:
        name = _UNSAFE_FILENAME.sub("_", fallback).strip(" ._")
    if not name:
        kind = filetype.get_type(mime=content_type)
        default = ".txt" if content_type.startswith(("text/", "message/")) else ".bin"
        ext = f".{kind.extension}" if kind else _EXTENSIONS.get(content_type, default)
        name = f"attachment{ext}"
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[: 140 - len(ext)]}.{ext}" if dot and len(ext) <= 10 else name[:150]
    return name


# --- automatic mail -------------------------------------------------------------------------

_DAEMON_LOCALPARTS = {
    "mailer-daemon",
    "postmaster",
    "noreply",
    "no-reply",
    "do-not-reply",
    "donotreply",
}


def is_automatic(parsed: ParsedMail, own_addresses: Iterable[str] = ()) -> str | None:
    """Why `parsed` must get no automatic answer (RFC 3834 §2), or None for a person's mail."""
    auto = parsed.auto
    own = {a.strip().lower() for a in own_addresses} - {""}
    sender = parsed.from_address
    checks: tuple[tuple[bool, str], ...] = (
        (
            bool(auto.auto_submitted) and auto.auto_submitted.split(";")[0].strip() != "no",
            f"Auto-Submitted: {auto.auto_submitted}",
        ),
        (
            auto.precedence in {"bulk", "junk", "list", "auto_reply"},
            f"Precedence: {auto.precedence}",
        ),
        (bool(auto.list_headers), f"list mail ({', '.join(auto.list_headers)})"),
        (parsed.return_path == "", "empty Return-Path (bounce or notification)"),
        (bool(auto.x_autoreply), f"X-Autoreply: {auto.x_autoreply}"),
        (
            bool({"all", "oof"} & set(re.split(r"[\s,]+", auto.x_auto_response_suppress))),
            f"X-Auto-Response-Suppress: {auto.x_auto_response_suppress}",
        ),
        (bool(auto.report_type), f"multipart/report ({auto.report_type})"),
        (sender.split("@")[0] in _DAEMON_LOCALPARTS, f"system sender {sender}"),
        (not sender, "no usable From address"),
        (sender in own or (parsed.return_path or "") in own, f"own address {sender}"),
    )
    return next((reason for hit, reason in checks if hit), None)
