"""Dovecot + SMTP sink via scripts/mailservers.sh in a temp dir, and APPEND with imapclient."""

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "mailservers.sh"
USER = "kundencenter"
PASSWORD = "kc-test-password"  # noqa: S105 (the test server's fixed password)
APPEND_BATCH = 100


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class MailServers:
    dir: Path
    imap_port: int
    smtp_port: int

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "KC_IMAP_PORT": str(self.imap_port),
            "KC_SMTP_PORT": str(self.smtp_port),
            "KC_IMAP_USER": USER,
            "KC_IMAP_PASSWORD": PASSWORD,
        }

    def start(self) -> None:
        started = subprocess.run(  # noqa: S603
            [str(SCRIPT), "start", str(self.dir)],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if started.returncode != 0:
            log = self.dir / "dovecot.log"
            detail = log.read_text() if log.exists() else ""
            raise RuntimeError(f"mailservers.sh start failed: {started.stderr}\n{detail}")

    def stop(self) -> None:
        subprocess.run(  # noqa: S603
            [str(SCRIPT), "stop", str(self.dir)], env=self.env(), timeout=60, check=False
        )
        shutil.rmtree(self.dir, ignore_errors=True)

    def client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.imap_port, ssl=False, timeout=60)
        client.login(USER, PASSWORD)
        return client

    def fill(self, folder: str, raws: list[bytes]) -> None:
        """Create `folder` (empty) and APPEND every mail, in MULTIAPPEND batches if offered."""
        client = self.client()
        try:
            if client.folder_exists(folder):
                client.delete_folder(folder)
            client.create_folder(folder)
            multi = client.has_capability("MULTIAPPEND")
            for start in range(0, len(raws), APPEND_BATCH):
                batch = raws[start : start + APPEND_BATCH]
                if multi:
                    client.multiappend(folder, batch)
                else:
                    for raw in batch:
                        client.append(folder, raw)
        finally:
            client.logout()

    def count(self, folder: str, criteria: str = "ALL") -> int:
        client = self.client()
        try:
            client.select_folder(folder, readonly=True)
            return len(client.search(criteria))
        finally:
            client.logout()


def new_servers() -> MailServers:
    directory = Path(tempfile.mkdtemp(prefix="kc-bench-mail-"))
    return MailServers(directory, _free_port(), _free_port())
