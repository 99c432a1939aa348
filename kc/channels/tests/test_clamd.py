"""Attachments through a real clamd (scripts/clamd.sh, EICAR test signature only)."""

from __future__ import annotations

import io
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kc.cases.models import Attachment
from kc.channels import tasks
from kc.channels.tests.conftest import ROOT
from kc.core import clamd

pytestmark = [pytest.mark.clamd, pytest.mark.timeout(900)]

SCRIPT = ROOT / "scripts" / "clamd.sh"
# The EICAR anti-virus test file, assembled here so the repository holds no scanner bait.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
STREAM_MAX_MB = 8


@dataclass(frozen=True)
class Clamd:
    dir: Path
    port: int

    def scan(self, data: bytes, timeout: float = 30.0) -> clamd.ScanVerdict:
        return clamd.scan_bytes(data, host="127.0.0.1", port=self.port, timeout=timeout)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _clamd_available() -> bool:
    return bool(shutil.which("clamd")) or Path("/usr/sbin/clamd").exists()


@pytest.fixture(scope="session")
def clamd_server() -> Iterator[Clamd]:
    if os.geteuid() != 0 and not _clamd_available():
        pytest.skip("clamd is not installed and only root can install it")
    server = Clamd(Path(tempfile.mkdtemp(prefix="kc-clamd-")), _free_port())
    env = {
        **os.environ,
        "KC_CLAMD_PORT": str(server.port),
        "KC_CLAMD_STREAM_MAX": f"{STREAM_MAX_MB}M",
    }
    started = subprocess.run(  # noqa: S603
        [str(SCRIPT), "start", str(server.dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    try:
        if started.returncode != 0:
            log = server.dir / "clamd.log"
            detail = log.read_text() if log.exists() else ""
            pytest.fail(f"clamd.sh start failed:\n{started.stderr}\n{detail}")
        yield server
    finally:
        subprocess.run([str(SCRIPT), "stop", str(server.dir)], env=env, timeout=60, check=False)  # noqa: S603
        shutil.rmtree(server.dir, ignore_errors=True)


def _zip(*members: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


def test_eicar_is_infected_with_the_signature_name(clamd_server: Clamd) -> None:
    verdict = clamd_server.scan(EICAR)
    assert not verdict.clean
    assert verdict.signature is not None and verdict.signature.startswith("Kc.Test.EICAR")


def test_pdf_like_bytes_are_clean(clamd_server: Clamd) -> None:
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + bytes(range(256)) * 600 + b"%%EOF\n"
    assert clamd_server.scan(pdf) == clamd.ScanVerdict(clean=True, signature=None)
    assert clamd_server.scan(b"").clean


def test_eicar_inside_a_zip_is_found(clamd_server: Clamd) -> None:
    verdict = clamd_server.scan(_zip(("rechnung.txt", b"Hallo"), ("tools/eicar.com", EICAR)))
    assert not verdict.clean
    assert verdict.signature is not None and verdict.signature.startswith("Kc.Test.EICAR")


def test_zip_bomb_is_cut_off_quickly(clamd_server: Clamd) -> None:
    # 16 members of 16 MB zeros: 256 MB unpacked from a ~250 kB mail attachment.
    bomb = _zip(*((f"teil{i}.bin", bytes(16 << 20)) for i in range(16)))
    assert len(bomb) < 1 << 20
    started = time.monotonic()
    verdict = clamd_server.scan(bomb)
    assert time.monotonic() - started < 5
    assert not verdict.clean
    assert verdict.signature is not None
    assert verdict.signature.startswith("Heuristics.Limits.Exceeded")


def test_single_member_bomb_is_not_expanded(clamd_server: Clamd) -> None:
    # One 64 MB member: clamd unpacks at most MaxFileSize of it (its documented behaviour),
    # so it answers at once; it may call that clean or a limit, never hang or blow up.
    bomb = _zip(("nullen.bin", bytes(64 << 20)))
    started = time.monotonic()
    verdict = clamd_server.scan(bomb)
    assert time.monotonic() - started < 5
    assert verdict.clean or (verdict.signature or "").startswith("Heuristics.Limits")


def test_stream_over_the_size_limit_is_an_error_not_clean(clamd_server: Clamd) -> None:
    with pytest.raises(clamd.ClamdSizeLimitError, match="size limit exceeded"):
        clamd_server.scan(bytes((STREAM_MAX_MB + 1) << 20))
    assert clamd_server.scan(b"noch da").clean  # clamd survives it


def test_closed_port_is_unavailable() -> None:
    with pytest.raises(clamd.ClamdUnavailable):
        clamd.scan_bytes(b"x", host="127.0.0.1", port=_free_port(), timeout=2)


def test_server_that_hangs_up_is_unavailable() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def hang_up() -> None:
            conn, _ = listener.accept()
            conn.recv(100)
            conn.close()

        thread = threading.Thread(target=hang_up)
        thread.start()
        with pytest.raises(clamd.ClamdUnavailable):
            clamd.scan_bytes(b"x", host="127.0.0.1", port=listener.getsockname()[1], timeout=2)
        thread.join()


def test_instream_framing_is_length_prefixed_with_terminator() -> None:
    received = bytearray()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def answer() -> None:
            conn, _ = listener.accept()
            with conn:
                while not received.endswith(b"\0\0\0\0"):
                    received.extend(conn.recv(1 << 16))
                conn.sendall(b"stream: OK\0")

        thread = threading.Thread(target=answer)
        thread.start()
        data = b"a" * (clamd.CHUNK_SIZE + 10)
        verdict = clamd.scan_bytes(
            data, host="127.0.0.1", port=listener.getsockname()[1], timeout=5
        )
        thread.join()
    assert verdict.clean
    first = struct.pack("!I", clamd.CHUNK_SIZE) + b"a" * clamd.CHUNK_SIZE
    expected = b"zINSTREAM\0" + first + struct.pack("!I", 10) + b"a" * 10 + b"\0\0\0\0"
    assert bytes(received) == expected


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ("stream: OK", clamd.ScanVerdict(clean=True)),
        ("stream: Win.Test.EICAR_HDB-1 FOUND", clamd.ScanVerdict(False, "Win.Test.EICAR_HDB-1")),
    ],
)
def test_reply_parsing(reply: str, verdict: clamd.ScanVerdict) -> None:
    assert clamd.parse_reply(reply) == verdict


def test_reply_errors() -> None:
    with pytest.raises(clamd.ClamdSizeLimitError):
        clamd.parse_reply("INSTREAM size limit exceeded. ERROR")
    with pytest.raises(clamd.ClamdError):
        clamd.parse_reply("stream: Can't allocate memory ERROR")
    with pytest.raises(clamd.ClamdUnavailable):
        clamd.parse_reply("")


# --- tasks against the real clamd ----------------------------------------------------


@pytest.fixture
def attachment_factory(db: None, settings, tmp_path):  # type: ignore[no-untyped-def]
    from kc.cases.tests.test_attachments import make_attachment

    settings.MEDIA_ROOT = tmp_path
    return make_attachment


def test_task_marks_eicar_infected_and_pdf_clean(  # type: ignore[no-untyped-def]
    clamd_server: Clamd, attachment_factory, settings
) -> None:
    settings.KC_CLAMD = {"host": "127.0.0.1", "port": clamd_server.port, "timeout": 10}
    bad = attachment_factory(EICAR, filename="eicar.com")
    good = attachment_factory(b"%PDF-1.4 Rechnung", filename="rechnung.pdf")
    assert tasks.scan_attachment.call(bad.pk) == "infected"
    assert tasks.scan_attachment.call(good.pk) == "clean"
    bad.refresh_from_db()
    good.refresh_from_db()
    assert (bad.scan, bad.scan_detail.startswith("Kc.Test.EICAR")) == ("infected", True)
    assert (good.scan, good.may_open) == ("clean", True)


def test_clamd_down_keeps_pending_and_the_sweep_retries(  # type: ignore[no-untyped-def]
    clamd_server: Clamd, attachment_factory, settings
) -> None:
    settings.KC_CLAMD = {"host": "127.0.0.1", "port": _free_port(), "timeout": 2}
    attachment = attachment_factory(b"%PDF-1.4 Abschlag", filename="abschlag.pdf", age_minutes=5)
    assert tasks.scan_attachment.call(attachment.pk) == "pending"
    attachment.refresh_from_db()
    assert attachment.scan == Attachment.Scan.PENDING
    assert "nicht erreichbar" in attachment.scan_detail
    assert tasks.scan_pending_attachments.call() == 0  # still down: nothing marked clean
    attachment.refresh_from_db()
    assert attachment.scan == Attachment.Scan.PENDING

    settings.KC_CLAMD = {"host": "127.0.0.1", "port": clamd_server.port, "timeout": 10}
    assert tasks.scan_pending_attachments.call() == 1
    attachment.refresh_from_db()
    assert (attachment.scan, attachment.scan_detail) == ("clean", "")


def test_attachment_over_the_stream_limit_fails_for_good(  # type: ignore[no-untyped-def]
    clamd_server: Clamd, attachment_factory, settings
) -> None:
    settings.KC_CLAMD = {"host": "127.0.0.1", "port": clamd_server.port, "timeout": 10}
    attachment = attachment_factory(bytes((STREAM_MAX_MB + 1) << 20), filename="riesig.bin")
    assert tasks.scan_attachment.call(attachment.pk) == "failed"
    attachment.refresh_from_db()
    assert not attachment.may_open
    assert "size limit" in attachment.scan_detail
