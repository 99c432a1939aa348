"""Real mail servers for tests marked `mailserver` (DESIGN.md §6).

One Dovecot and one aiosmtpd sink per test session (per xdist worker), started on free
127.0.0.1 ports by scripts/mailservers.sh in a fresh temporary directory and stopped at the
end. The script installs Dovecot when it is missing (as root); without root and without
Dovecot the tests are skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from imapclient import IMAPClient  # type: ignore[import-untyped]

from kc.channels.email.imap import ImapConfig
from kc.channels.email.smtp import SmtpConfig

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "mailservers.sh"
FIXTURES = Path(__file__).parent / "fixtures"
USER = "kundencenter"
PASSWORD = "kc-test-password"


@dataclass(frozen=True)
class MailServers:
    dir: Path
    imap_port: int
    smtp_port: int

    def imap_config(self, **overrides: object) -> ImapConfig:
        values: dict[str, object] = {
            "host": "127.0.0.1",
            "port": self.imap_port,
            "security": "plain",
            "user": USER,
            "password": PASSWORD,
            "timeout": 10.0,
        }
        values.update(overrides)
        return ImapConfig(**values)  # type: ignore[arg-type]

    def smtp_config(self) -> SmtpConfig:
        return SmtpConfig(host="127.0.0.1", port=self.smtp_port, security="plain", timeout=10.0)

    def imap_client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.imap_port, ssl=False, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def sent_mails(self, *, wait_for: int = 0, timeout: float = 5.0) -> list[bytes]:
        deadline = time.monotonic() + timeout
        while True:
            files = sorted(p for p in (self.dir / "smtp").glob("*.eml"))
            if len(files) >= wait_for or time.monotonic() > deadline:
                return [p.read_bytes() for p in files]
            time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _dovecot_available() -> bool:
    return bool(shutil.which("dovecot")) or Path("/usr/sbin/dovecot").exists()


@pytest.fixture(scope="session")
def mail_servers() -> Iterator[MailServers]:
    if os.geteuid() != 0 and not _dovecot_available():
        pytest.skip("Dovecot is not installed and only root can install it")
    directory = Path(tempfile.mkdtemp(prefix="kc-mailservers-"))
    servers = MailServers(directory, _free_port(), _free_port())
    env = {
        **os.environ,
        "KC_IMAP_PORT": str(servers.imap_port),
        "KC_SMTP_PORT": str(servers.smtp_port),
        "KC_IMAP_USER": USER,
        "KC_IMAP_PASSWORD": PASSWORD,
    }
    started = subprocess.run(  # noqa: S603
        [str(SCRIPT), "start", str(directory)], env=env, capture_output=True, text=True, timeout=900
    )
    try:
        if started.returncode != 0:
            log = directory / "dovecot.log"
            detail = log.read_text() if log.exists() else ""
            pytest.fail(f"mailservers.sh start failed:\n{started.stderr}\n{detail}")
        yield servers
    finally:
        subprocess.run([str(SCRIPT), "stop", str(directory)], env=env, timeout=60, check=False)  # noqa: S603
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def imap_folder(mail_servers: MailServers) -> Iterator[str]:
    """A fresh, empty folder for one test (removed afterwards with its processed twin)."""
    name = f"T{uuid.uuid4().hex[:12]}"
    client = mail_servers.imap_client()
    client.create_folder(name)
    try:
        yield name
    finally:
        for folder in (name, f"{name}-done"):
            if client.folder_exists(folder):
                client.delete_folder(folder)
        client.logout()


def append(servers: MailServers, folder: str, *raws: bytes) -> None:
    client = servers.imap_client()
    try:
        for raw in raws:
            client.append(folder, raw)
    finally:
        client.logout()


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
