"""clamd over TCP: the INSTREAM command (a pure adapter, no Django, no rules).

Protocol (clamd(8)): send ``zINSTREAM\\0``, then chunks each prefixed by their length as a
4-byte big-endian integer, then a zero-length chunk. clamd answers one NUL-terminated line:
``stream: OK``, ``stream: <signature> FOUND`` or ``... ERROR``. When the stream passes
clamd's StreamMaxLength it answers ``INSTREAM size limit exceeded. ERROR`` and closes the
connection, possibly while we are still sending.

`scan_configured(data)` is the one place that reads settings.KC_CLAMD: a synchronous scan that
answers clean, infected or unavailable and never raises (for a portal upload that is stored
"pending" when clamd cannot say, and scanned again by a periodic task).
"""

import socket
import struct
from dataclasses import dataclass
from typing import Any, Literal

CHUNK_SIZE = 64 * 1024
MAX_REPLY = 4096


@dataclass(frozen=True)
class ScanVerdict:
    clean: bool
    signature: str | None = None


class ClamdError(Exception):
    """clamd answered, but could not scan this data (it is neither clean nor infected)."""


class ClamdSizeLimitError(ClamdError):
    """The data is larger than clamd's StreamMaxLength."""


class ClamdUnavailable(Exception):  # noqa: N818 (the name callers know)
    """clamd could not be reached or broke off: try again later."""


def scan_bytes(data: bytes, *, host: str, port: int, timeout: float) -> ScanVerdict:
    """Scan `data` with the clamd at host:port. Raises ClamdUnavailable or ClamdError."""
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise ClamdUnavailable(f"clamd {host}:{port} nicht erreichbar: {exc}") from exc
    with sock:
        send_error = _send_stream(sock, data)
        try:
            reply = _read_reply(sock)
        except OSError as exc:
            raise ClamdUnavailable(f"clamd {host}:{port}: {exc}") from exc
    if not reply and send_error is not None:
        raise ClamdUnavailable(f"clamd {host}:{port}: {send_error}")
    return parse_reply(reply)


def _send_stream(sock: socket.socket, data: bytes) -> OSError | None:
    """Send the INSTREAM command; a send error is returned, as clamd may have answered."""
    view = memoryview(data)
    try:
        sock.sendall(b"zINSTREAM\0")
        for start in range(0, len(view), CHUNK_SIZE):
            chunk = view[start : start + CHUNK_SIZE]
            sock.sendall(struct.pack("!I", len(chunk)) + chunk)
        sock.sendall(struct.pack("!I", 0))
    except OSError as exc:
        return exc
    return None


def _read_reply(sock: socket.socket) -> str:
    buffer = b""
    while b"\0" not in buffer and len(buffer) < MAX_REPLY:
        try:
            part = sock.recv(MAX_REPLY)
        except ConnectionResetError:
            if buffer:
                break
            raise
        if not part:
            break
        buffer += part
    return buffer.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def parse_reply(reply: str) -> ScanVerdict:
    """The verdict of one clamd answer line (``stream: OK`` etc.)."""
    if "size limit exceeded" in reply:
        raise ClamdSizeLimitError(reply)
    text = reply.partition(": ")[2] if reply.startswith("stream: ") else reply
    if text == "OK":
        return ScanVerdict(clean=True)
    if text.endswith(" FOUND"):
        return ScanVerdict(clean=False, signature=text.removesuffix(" FOUND").strip())
    if not text:
        raise ClamdUnavailable("clamd hat die Verbindung ohne Antwort beendet")
    raise ClamdError(reply)


ScanState = Literal["clean", "infected", "unavailable"]


@dataclass(frozen=True)
class ScanOutcome:
    state: ScanState
    signature: str | None = None  # of an infected file
    detail: str = ""  # why clamd could not say (unavailable)


def scan_configured(data: bytes, *, timeout: float | None = None) -> ScanOutcome:
    """Scan `data` with the clamd of settings.KC_CLAMD; never raises. Without a configured
    host, unreachable, or clamd unable to scan (error, size limit): "unavailable", and the
    caller keeps the file pending. `timeout` overrides the configured one (e.g. shorter in a
    web request)."""
    from django.conf import settings  # the adapter above stays usable without Django

    options: dict[str, Any] = getattr(settings, "KC_CLAMD", None) or {}
    host = options.get("host") or ""
    if not host:
        return ScanOutcome("unavailable", detail="clamd ist nicht konfiguriert")
    try:
        verdict = scan_bytes(
            data,
            host=host,
            port=int(options.get("port", 3310)),
            timeout=timeout if timeout is not None else float(options.get("timeout", 60)),
        )
    except (ClamdUnavailable, ClamdError) as exc:
        return ScanOutcome("unavailable", detail=f"{type(exc).__name__}: {exc}")
    if verdict.clean:
        return ScanOutcome("clean")
    return ScanOutcome("infected", signature=verdict.signature)
