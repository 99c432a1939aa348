"""A real CUPS print server for tests marked `cups` (DESIGN.md §7).

One private cupsd per test session (per xdist worker), started on a free 127.0.0.1 port by
scripts/cups.sh in a fresh temporary directory and stopped at the end. It has two cups-pdf
queues: `printer_uri` writes every job as a PDF into `out_dir`, `offline_uri` is disabled
(printer-state stopped). The script installs CUPS and cups-pdf when they are missing (as root);
without root and without them the tests are skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "cups.sh"


@dataclass(frozen=True)
class CupsServer:
    dir: Path
    port: int
    queue: str
    printer_uri: str
    offline_uri: str
    out_dir: Path

    def output_file(self, job_id: int) -> Path | None:
        """The PDF cups-pdf wrote for the job, once it is complete (else None).

        cups-pdf names it job_<id>-<job name>.pdf (Label 1) and lets Ghostscript write it with
        mode 0600; only when Ghostscript has finished does it set the mode to 0644.
        """
        for path in self.out_dir.glob(f"job_{job_id}-*.pdf"):
            try:
                if path.stat().st_mode & 0o044:
                    return path
            except FileNotFoundError:  # replaced while we looked
                continue
        return None

    def wait_for_output(self, job_id: int, timeout: float = 60) -> Path:
        deadline = time.monotonic() + timeout
        while (path := self.output_file(job_id)) is None:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no PDF for job {job_id} in {self.out_dir} after {timeout:g} s; "
                    f"files: {sorted(p.name for p in self.out_dir.iterdir())}\n{self.log_tail()}"
                )
            time.sleep(0.05)
        return path

    def log_tail(self, lines: int = 30) -> str:
        parts = []
        for log in sorted((self.dir / "log").glob("*_log")):
            text = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {log.name}\n" + "\n".join(text))
        return "\n".join(parts)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cups_available() -> bool:
    cupsd = shutil.which("cupsd") or Path("/usr/sbin/cupsd").exists()
    return bool(cupsd) and Path("/usr/lib/cups/backend/cups-pdf").exists()


@pytest.fixture(scope="session")
def cups_server() -> Iterator[CupsServer]:
    if os.geteuid() != 0 and not _cups_available():
        pytest.skip("CUPS and cups-pdf are not installed and only root can install them")
    directory = Path(tempfile.mkdtemp(prefix="kc-cups-"))
    env = {**os.environ}
    env.pop("KC_CUPS_QUEUE", None)  # the queue name comes from the directory: one per worker
    for _ in range(3):  # a port found free can be taken by another process before cupsd binds
        port = _free_port()
        env["KC_CUPS_PORT"] = str(port)
        started = subprocess.run(  # noqa: S603
            [str(SCRIPT), "start", str(directory)],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if started.returncode == 0 or "cannot listen" not in started.stderr:
            break
    try:
        if started.returncode != 0:
            log = directory / "log" / "error_log"
            detail = log.read_text() if log.exists() else ""
            pytest.fail(f"cups.sh start failed:\n{started.stdout}\n{started.stderr}\n{detail}")
        queue = (directory / "queues").read_text().split()[0]
        base = f"ipp://127.0.0.1:{port}/printers"
        yield CupsServer(
            dir=directory,
            port=port,
            queue=queue,
            printer_uri=f"{base}/{queue}",
            offline_uri=f"{base}/{queue}_OFF",
            out_dir=directory / "out",
        )
    finally:
        subprocess.run([str(SCRIPT), "stop", str(directory)], env=env, timeout=60, check=False)  # noqa: S603
        shutil.rmtree(directory, ignore_errors=True)
