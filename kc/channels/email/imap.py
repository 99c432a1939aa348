"""A thin IMAP client over imapclient: read new mail, mark it once it is safely stored.

Exactly once is the caller's part: fetch → parse → store with a dedupe row keyed by
(mailbox, uidvalidity, uid) → commit → `mark_processed(uid, uidvalidity=...)`. A crash before
the mark makes the mail come back on the next run; the dedupe row makes that harmless.

Bodies are fetched with BODY.PEEK[] (reading never sets \\Seen) one mail at a time, so memory
holds at most one mail; a mail larger than `max_bytes` is fetched as headers only.
No Django here: the mailbox settings come in as `ImapConfig`.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from imapclient import IMAPClient  # type: ignore[import-untyped]
from imapclient.exceptions import LoginError  # type: ignore[import-untyped]

from kc.channels.email.parse import MAX_BYTES

log = logging.getLogger(__name__)
T = TypeVar("T")
Security = Literal["ssl", "starttls", "plain"]
SEEN = b"\\Seen"
# Connection trouble worth a reconnect; protocol answers (NO/BAD) are raised as they are.
TRANSIENT = (imaplib.IMAP4.abort, OSError, socket.timeout, EOFError)


class UidValidityChangedError(Exception):
    """The folder's UIDVALIDITY changed: old UIDs name other mails now; do not mark them."""


@dataclass(frozen=True, slots=True)
class ImapConfig:
    host: str
    port: int = 993
    security: Security = "ssl"  # "plain" only for tests on 127.0.0.1
    user: str = ""
    password: str = field(default="", repr=False)
    folder: str = "INBOX"
    # After processing: move the mail here (created when missing); None leaves it in place.
    processed_folder: str | None = None
    # Also set this IMAP keyword, and look for mails without it instead of UNSEEN (a person
    # reading the mailbox in a mail program then cannot make the service miss a mail).
    processed_keyword: str | None = None
    timeout: float = 60.0
    max_bytes: int = MAX_BYTES
    retries: int = 3
    ssl_context: ssl.SSLContext | None = None


@dataclass(frozen=True, slots=True)
class FetchedMail:
    uid: int
    uidvalidity: int
    raw: bytes = field(repr=False)
    size: int  # RFC822.SIZE from the server
    folder: str
    headers_only: bool = False  # larger than max_bytes: raw holds the header block only


class ImapMailbox:
    """One connection to one mailbox; reconnects (and reselects) on connection failures."""

    def __init__(
        self,
        config: ImapConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        client_factory: Callable[..., IMAPClient] = IMAPClient,
    ) -> None:
        self.config = config
        self._sleep = sleep
        self._factory = client_factory
        self._client: IMAPClient | None = None
        self._selected: str | None = None
        self._uidvalidity: dict[str, int] = {}

    # --- connection -----------------------------------------------------------------

    def connect(self) -> None:
        cfg = self.config
        client = self._factory(
            cfg.host,
            port=cfg.port,
            ssl=cfg.security == "ssl",
            ssl_context=cfg.ssl_context,
            timeout=cfg.timeout,
        )
        try:
            if cfg.security == "starttls":
                client.starttls(cfg.ssl_context or ssl.create_default_context())
            client.login(cfg.user, cfg.password)
        except BaseException:
            _quietly(client.shutdown)
            raise
        self._client = client
        self._selected = None
        if cfg.processed_folder and not client.folder_exists(cfg.processed_folder):
            client.create_folder(cfg.processed_folder)

    def close(self) -> None:
        client, self._client, self._selected = self._client, None, None
        if client is not None:
            _quietly(client.logout)

    def __enter__(self) -> ImapMailbox:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def client(self) -> IMAPClient:
        if self._client is None:
            self.connect()
        assert self._client is not None  # noqa: S101  (connect sets it or raises)  # nosec B101
        return self._client

    def _select(self, folder: str) -> int:
        info = self.client.select_folder(folder)
        uidvalidity = int(info[b"UIDVALIDITY"])
        known = self._uidvalidity.setdefault(folder, uidvalidity)
        self._selected = folder
        if known != uidvalidity:
            self._uidvalidity[folder] = uidvalidity
            log.warning("imap uidvalidity changed", extra={"folder": folder})
        return uidvalidity

    def _call(self, folder: str, action: Callable[[IMAPClient], T]) -> T:
        """Run `action` with `folder` selected; reconnect and retry on connection failures."""
        for attempt in range(self.config.retries + 1):
            try:
                if self._selected != folder:
                    self._select(folder)
                return action(self.client)
            except LoginError:
                raise
            except TRANSIENT as exc:
                if attempt >= self.config.retries:
                    raise
                log.warning("imap reconnect after %s (attempt %d)", type(exc).__name__, attempt + 1)
                self._drop()
                self._sleep(min(2.0**attempt * 0.5, 30.0))
        raise AssertionError("unreachable")  # pragma: no cover

    def _drop(self) -> None:
        client, self._client, self._selected = self._client, None, None
        if client is not None:
            _quietly(client.shutdown)

    # --- reading ----------------------------------------------------------------------

    def uidvalidity(self, folder: str | None = None) -> int:
        folder = folder or self.config.folder
        return self._call(folder, lambda c: self._uidvalidity[folder])

    def fetch_unseen(self, folder: str | None = None, limit: int = 50) -> Iterator[FetchedMail]:
        """New mails in UID order, at most `limit`; reading does not mark them."""
        folder = folder or self.config.folder
        uidvalidity = self.uidvalidity(folder)
        keyword = self.config.processed_keyword
        criteria: list[Any] = ["NOT", "KEYWORD", keyword] if keyword else ["UNSEEN"]
        uids = sorted(self._call(folder, lambda c: c.search(criteria)))[:limit]
        if not uids:
            return
        sizes = self._call(folder, lambda c: c.fetch(uids, ["RFC822.SIZE"]))
        present = [(uid, int(sizes[uid][b"RFC822.SIZE"])) for uid in uids if uid in sizes]
        for chunk in _chunks(present, self.config.max_bytes):
            yield from self._fetch_many(folder, chunk, uidvalidity)

    def _fetch_many(
        self, folder: str, chunk: list[tuple[int, int]], uidvalidity: int
    ) -> Iterator[FetchedMail]:
        """Several normal-sized mails in one FETCH, or one oversized mail's header."""
        if len(chunk) == 1:
            mail = self._fetch_one(folder, chunk[0][0], uidvalidity, chunk[0][1])
            if mail is not None:
                yield mail
            return
        data = self._call(folder, lambda c: c.fetch([uid for uid, _ in chunk], ["BODY.PEEK[]"]))
        if self._uidvalidity[folder] != uidvalidity:
            raise UidValidityChangedError(folder)
        for uid, size in chunk:
            raw = data.get(uid, {}).get(b"BODY[]")
            if raw is not None:  # None: expunged meanwhile
                yield FetchedMail(uid, uidvalidity, bytes(raw), size, folder)

    def _fetch_one(self, folder: str, uid: int, uidvalidity: int, size: int) -> FetchedMail | None:
        headers_only = size > self.config.max_bytes
        item, key = (
            ("BODY.PEEK[HEADER]", b"BODY[HEADER]") if headers_only else ("BODY.PEEK[]", b"BODY[]")
        )
        data = self._call(folder, lambda c: c.fetch([uid], [item]))
        if self._uidvalidity[folder] != uidvalidity:
            raise UidValidityChangedError(folder)
        raw = data.get(uid, {}).get(key)
        if raw is None:
            return None
        return FetchedMail(uid, uidvalidity, bytes(raw), size, folder, headers_only)

    # --- marking ----------------------------------------------------------------------

    def mark_processed(
        self, uid: int, *, uidvalidity: int | None = None, folder: str | None = None
    ) -> None:
        """Call only after the database commit. Sets \\Seen (and the keyword), then moves."""
        self.mark_processed_many([uid], uidvalidity=uidvalidity, folder=folder)

    def mark_processed_many(
        self, uids: list[int], *, uidvalidity: int | None = None, folder: str | None = None
    ) -> None:
        """mark_processed for several mails in one round trip."""
        folder = folder or self.config.folder
        if uidvalidity is not None and self.uidvalidity(folder) != uidvalidity:
            raise UidValidityChangedError(folder)
        flags: list[bytes] = [SEEN]
        if self.config.processed_keyword:
            flags.append(self.config.processed_keyword.encode())
        self._call(folder, lambda c: c.add_flags(uids, flags, silent=True))
        target = self.config.processed_folder
        if target and target != folder:
            self._call(folder, lambda c: _move(c, uids, target))


# At most this much mail per FETCH round trip: few round trips, memory stays flat.
FETCH_CHUNK_BYTES = 8 * 1024 * 1024
FETCH_CHUNK_MAILS = 25


def _chunks(mails: list[tuple[int, int]], max_bytes: int) -> Iterator[list[tuple[int, int]]]:
    """(uid, size) pairs in order, grouped for one FETCH each; an oversized mail alone."""
    chunk: list[tuple[int, int]] = []
    total = 0
    for uid, size in mails:
        if size > max_bytes:
            if chunk:
                yield chunk
            yield [(uid, size)]
            chunk, total = [], 0
            continue
        if chunk and (total + size > FETCH_CHUNK_BYTES or len(chunk) == FETCH_CHUNK_MAILS):
            yield chunk
            chunk, total = [], 0
        chunk.append((uid, size))
        total += size
    if chunk:
        yield chunk


def _move(client: IMAPClient, uids: list[int], target: str) -> None:
    if client.has_capability("MOVE"):
        client.move(uids, target)
        return
    client.copy(uids, target)
    client.add_flags(uids, [b"\\Deleted"], silent=True)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)
    # Without UIDPLUS the mail stays flagged \Deleted: a plain EXPUNGE could remove other
    # clients' deleted mails, so it is left to the mailbox's own cleanup.


def _quietly(action: Callable[[], object]) -> None:
    with contextlib.suppress(Exception):  # closing a broken connection
        action()
