"""kc.letters.ipp: the wire format on bytes, the transport against a stub, and a real CUPS."""

from __future__ import annotations

import io
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from kc.letters import ipp
from kc.letters.ipp import (
    TAG_BEGIN_COLLECTION,
    TAG_BOOLEAN,
    TAG_CHARSET,
    TAG_END,
    TAG_END_COLLECTION,
    TAG_ENUM,
    TAG_INTEGER,
    TAG_JOB,
    TAG_KEYWORD,
    TAG_LANGUAGE,
    TAG_MEMBER_NAME,
    TAG_NAME,
    TAG_NAME_WITH_LANGUAGE,
    TAG_NO_VALUE,
    TAG_OPERATION,
    TAG_PRINTER,
    TAG_RANGE,
    TAG_TEXT,
    TAG_URI,
    Attribute,
    Group,
    Message,
    attr,
)
from kc.letters.tests.conftest import CupsServer


def one(tag: int, name: str, value: bytes) -> bytes:
    """One attribute value on the wire, written out by hand."""
    return (
        bytes([tag])
        + struct.pack(">H", len(name))
        + name.encode()
        + struct.pack(">H", len(value))
        + value
    )


# --- wire format ---------------------------------------------------------------------------


def test_encode_integer_boolean_and_keyword_values() -> None:
    assert ipp.encode_attribute(attr(TAG_INTEGER, "job-id", 258)) == (
        b"\x21\x00\x06job-id\x00\x04\x00\x00\x01\x02"
    )
    assert ipp.encode_attribute(attr(TAG_ENUM, "job-state", 9)) == one(
        TAG_ENUM, "job-state", b"\x00\x00\x00\x09"
    )
    assert ipp.encode_attribute(attr(TAG_BOOLEAN, "my-jobs", False)) == one(
        TAG_BOOLEAN, "my-jobs", b"\x00"
    )
    assert ipp.encode_attribute(attr(TAG_NAME, "job-name", "Brief Müller")) == one(
        TAG_NAME, "job-name", "Brief Müller".encode()
    )
    assert ipp.encode_attribute(attr(TAG_INTEGER, "n", -1)).endswith(b"\xff\xff\xff\xff")


def test_a_set_of_values_repeats_the_tag_with_empty_names() -> None:
    encoded = ipp.encode_attribute(attr(TAG_KEYWORD, "requested-attributes", "job-id", "job-state"))
    assert encoded == (
        b"\x44\x00\x14requested-attributes\x00\x06job-id" + b"\x44\x00\x00\x00\x09job-state"
    )


def test_encode_rejects_values_of_the_wrong_type() -> None:
    with pytest.raises(TypeError):
        ipp.encode_value(TAG_INTEGER, "1")
    with pytest.raises(TypeError):
        ipp.encode_value(TAG_INTEGER, True)
    with pytest.raises(TypeError):
        ipp.encode_value(TAG_BOOLEAN, 1)
    with pytest.raises(TypeError):
        ipp.encode_value(TAG_KEYWORD, b"raw")
    with pytest.raises(ValueError, match="no value"):
        ipp.encode_attribute(Attribute(TAG_KEYWORD, "empty", ()))


def test_request_header_and_operation_attributes_in_order() -> None:
    data = ipp.encode_request(
        ipp.OP_GET_JOBS, 7, [attr(TAG_URI, "printer-uri", "ipp://h/printers/p")]
    )
    assert data[:8] == b"\x01\x01\x00\x0a\x00\x00\x00\x07"
    assert data[8] == TAG_OPERATION
    assert data[9:].startswith(one(TAG_CHARSET, "attributes-charset", b"utf-8"))
    assert data.endswith(one(TAG_URI, "printer-uri", b"ipp://h/printers/p") + bytes([TAG_END]))
    names = [a.name for a in ipp.decode_message(data).groups[0].attributes]
    assert names == ["attributes-charset", "attributes-natural-language", "printer-uri"]


def test_round_trip_of_a_message_with_document_data() -> None:
    message = Message(
        version=(1, 1),
        code=ipp.OP_PRINT_JOB,
        request_id=123456,
        groups=(
            Group(
                TAG_OPERATION,
                (
                    attr(TAG_CHARSET, "attributes-charset", "utf-8"),
                    attr(TAG_LANGUAGE, "attributes-natural-language", "de"),
                    attr(TAG_NAME, "job-name", "Mahnung 2026/0815 – Äöü"),
                    attr(TAG_KEYWORD, "which-jobs", "all"),
                    attr(TAG_BOOLEAN, "my-jobs", True),
                ),
            ),
            Group(
                TAG_JOB,
                (
                    attr(TAG_INTEGER, "copies", 1),
                    attr(TAG_ENUM, "finishings", 3, 4, 5),
                    attr(TAG_TEXT, "job-message", ""),
                ),
            ),
        ),
        data=b"%PDF-1.7\n...",
    )
    encoded = ipp.encode_message(message)
    assert ipp.decode_message(encoded) == message


def test_decode_a_response_built_by_hand() -> None:
    response = b"".join(
        [
            b"\x01\x01",  # IPP/1.1
            b"\x00\x00",  # successful-ok
            b"\x00\x00\x00\x2a",  # request-id 42
            bytes([TAG_OPERATION]),
            one(TAG_CHARSET, "attributes-charset", b"utf-8"),
            one(TAG_LANGUAGE, "attributes-natural-language", b"en"),
            one(TAG_TEXT, "status-message", b"successful-ok"),
            bytes([TAG_JOB]),
            one(TAG_INTEGER, "job-id", struct.pack(">i", 17)),
            one(TAG_NAME, "job-name", b"kc-brief-1"),
            one(TAG_ENUM, "job-state", struct.pack(">i", 9)),
            one(TAG_KEYWORD, "job-state-reasons", b"job-completed-successfully"),
            one(TAG_KEYWORD, "", b"processing-to-stop-point"),
            one(TAG_NO_VALUE, "time-at-completed", b""),
            bytes([TAG_JOB]),  # a second job group
            one(TAG_INTEGER, "job-id", struct.pack(">i", 18)),
            bytes([TAG_PRINTER]),
            one(TAG_BOOLEAN, "printer-is-accepting-jobs", b"\x01"),
            one(TAG_RANGE, "copies-supported", struct.pack(">ii", 1, 9999)),
            one(TAG_NAME_WITH_LANGUAGE, "printer-name", b"\x00\x02de\x00\x04Saal"),
            bytes([TAG_END]),
        ]
    )
    message = ipp.decode_message(response)
    assert (message.version, message.code, message.request_id) == ((1, 1), 0, 42)
    assert [g.tag for g in message.groups] == [TAG_OPERATION, TAG_JOB, TAG_JOB, TAG_PRINTER]
    job = message.groups[1]
    assert job.get("job-id") == Attribute(TAG_INTEGER, "job-id", (17,))
    assert job.get("job-name") == Attribute(TAG_NAME, "job-name", ("kc-brief-1",))
    assert job.get("job-state") == Attribute(TAG_ENUM, "job-state", (9,))
    reasons = job.get("job-state-reasons")
    assert reasons is not None
    assert reasons.values == ("job-completed-successfully", "processing-to-stop-point")
    assert job.get("time-at-completed") == Attribute(TAG_NO_VALUE, "time-at-completed", (None,))
    assert [g.get("job-id") for g in message.groups_of(TAG_JOB)][1] == attr(
        TAG_INTEGER, "job-id", 18
    )
    printer = message.groups[3]
    assert printer.get("printer-is-accepting-jobs") == attr(
        TAG_BOOLEAN, "printer-is-accepting-jobs", True
    )
    assert printer.get("copies-supported") == Attribute(TAG_RANGE, "copies-supported", ((1, 9999),))
    name = printer.get("printer-name")
    assert name is not None and name.value == "Saal"
    assert ipp._job(job) == ipp.IppJob(
        job_id=17,
        job_name="kc-brief-1",
        state=9,
        state_reasons=("job-completed-successfully", "processing-to-stop-point"),
    )


def test_decode_a_collection() -> None:
    response = b"".join(
        [
            b"\x01\x01\x00\x00\x00\x00\x00\x01",
            bytes([TAG_PRINTER]),
            one(TAG_BEGIN_COLLECTION, "media-col-default", b""),
            one(TAG_MEMBER_NAME, "", b"media-size"),
            one(TAG_BEGIN_COLLECTION, "", b""),
            one(TAG_MEMBER_NAME, "", b"x-dimension"),
            one(TAG_INTEGER, "", struct.pack(">i", 21000)),
            one(TAG_MEMBER_NAME, "", b"y-dimension"),
            one(TAG_INTEGER, "", struct.pack(">i", 29700)),
            one(TAG_END_COLLECTION, "", b""),
            one(TAG_MEMBER_NAME, "", b"media-source"),
            one(TAG_KEYWORD, "", b"tray-1"),
            one(TAG_END_COLLECTION, "", b""),
            one(TAG_ENUM, "printer-state", struct.pack(">i", 3)),
            bytes([TAG_END]),
        ]
    )
    printer = ipp.decode_message(response).groups[0]
    media = printer.get("media-col-default")
    assert media is not None and isinstance(media.value, ipp.Collection)
    size = media.value.get("media-size")
    assert size is not None and isinstance(size.value, ipp.Collection)
    assert [(m.name, m.values) for m in size.value.members] == [
        ("x-dimension", (21000,)),
        ("y-dimension", (29700,)),
    ]
    source = media.value.get("media-source")
    assert source is not None and source.value == "tray-1"
    assert printer.get("printer-state") == Attribute(TAG_ENUM, "printer-state", (3,))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x01\x01\x00\x00",  # header cut short
        b"\x01\x01\x00\x00\x00\x00\x00\x01",  # no end-of-attributes tag
        b"\x01\x01\x00\x00\x00\x00\x00\x01\x01\x21\x00\x06job-id\x00\x04\x00\x00",  # value cut
        b"\x01\x01\x00\x00\x00\x00\x00\x01\x21\x00\x01x\x00\x04\x00\x00\x00\x01\x03",  # no group
        b"\x01\x01\x00\x00\x00\x00\x00\x01\x01\x22\x00\x01b\x00\x02\x00\x01\x03",  # 2-byte bool
    ],
)
def test_malformed_messages_raise_decode_errors(data: bytes) -> None:
    with pytest.raises(ipp.IppDecodeError):
        ipp.decode_message(data)


@pytest.mark.parametrize(
    ("uri", "target"),
    [
        ("ipp://127.0.0.1:16631/printers/KC_PDF", ("http", "127.0.0.1", 16631, "/printers/KC_PDF")),
        ("ipp://druck.example/printers/Saal", ("http", "druck.example", 631, "/printers/Saal")),
        ("ipps://druck.example/printers/Saal", ("https", "druck.example", 631, "/printers/Saal")),
        ("http://[::1]:8631/printers/x", ("http", "::1", 8631, "/printers/x")),
    ],
)
def test_printer_uri_to_http_target(uri: str, target: tuple[str, str, int, str]) -> None:
    assert ipp.http_target(uri) == target


def test_other_uri_schemes_are_refused() -> None:
    with pytest.raises(ValueError, match="not an IPP printer URI"):
        ipp.http_target("lpd://druck/queue")


@pytest.mark.parametrize(
    ("state", "reasons", "accepting", "problem"),
    [
        (3, ("none",), True, None),
        (4, ("none",), True, None),
        (3, ("toner-low-warning", "media-empty-warning"), True, None),
        (3, ("cups-waiting-for-job-completed",), True, None),
        (5, ("paused",), True, "stopped"),
        (5, ("none",), True, "stopped"),
        (3, ("none",), False, "not-accepting"),
        (5, ("paused",), False, "stopped"),
        (3, ("offline-report",), True, "offline"),
        (5, ("paused", "offline-report"), True, "offline"),
        (4, ("media-empty-error",), True, "media-empty"),
        (4, ("media-needed",), True, "media-empty"),
        (5, ("media-jam-error", "media-empty-error"), True, "media-jam"),
        (3, ("door-open-error",), True, "door-open"),
        (3, ("toner-empty-error",), True, "toner-empty"),
        (3, ("input-tray-missing-error",), True, "tray-missing"),
        (3, ("other-error",), True, "error"),
    ],
)
def test_printer_problem_codes(
    state: int, reasons: tuple[str, ...], accepting: bool, problem: str | None
) -> None:
    status = ipp.PrinterStatus(state, reasons, accepting)
    assert status.problem == problem
    assert status.ready is (problem is None)


def test_ipp_error_names_its_status() -> None:
    error = ipp.IppError(0x0406, "The printer or class does not exist.")
    assert error.status_name == "client-error-not-found"
    assert str(error) == "client-error-not-found (0x0406): The printer or class does not exist."
    assert isinstance(error, ipp.PrintError)
    assert isinstance(ipp.PrinterUnreachable("x"), ipp.PrintError)


# --- transport against a stub server -----------------------------------------------------


@dataclass
class StubPrinter:
    """An HTTP server answering every POST with a canned IPP response; records requests."""

    port: int
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    status: int = 200
    reply: bytes = b""


def _read_chunked(stream: io.BufferedIOBase) -> bytes:
    body = b""
    while size := int(stream.readline().strip().split(b";")[0], 16):
        body += stream.read(size)
        stream.readline()
    stream.readline()
    return body


@pytest.fixture
def stub_printer() -> Iterator[StubPrinter]:
    stub = StubPrinter(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.headers.get("Transfer-Encoding") == "chunked":
                body = _read_chunked(self.rfile)
            else:
                body = self.rfile.read(int(self.headers["Content-Length"]))
            stub.requests.append((dict(self.headers.items()), body))
            self.send_response(stub.status)
            self.send_header("Content-Type", "application/ipp")
            self.send_header("Content-Length", str(len(stub.reply)))
            self.end_headers()
            self.wfile.write(stub.reply)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()


def _job_id_reply(job_id: int) -> bytes:
    return ipp.encode_message(
        Message(
            (1, 1),
            0,
            1,
            (
                Group(TAG_OPERATION, (attr(TAG_CHARSET, "attributes-charset", "utf-8"),)),
                Group(TAG_JOB, (attr(TAG_INTEGER, "job-id", job_id),)),
            ),
        )
    )


class _Unseekable(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(min(len(buffer), 1000))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_print_job_streams_a_file_with_content_length(
    stub_printer: StubPrinter, tmp_path: Path
) -> None:
    stub_printer.reply = _job_id_reply(4711)
    document = bytes(range(256)) * 1000  # 256 kB: several chunks
    path = tmp_path / "brief.pdf"
    path.write_bytes(b"HEADER" + document)
    uri = f"ipp://127.0.0.1:{stub_printer.port}/printers/stub"
    with path.open("rb") as fh:
        fh.seek(6)  # from the current position on
        assert ipp.print_job(uri, fh, job_name="kc-1", user="druck") == 4711
    headers, body = stub_printer.requests[0]
    assert headers["Content-Type"] == "application/ipp"
    assert int(headers["Content-Length"]) == len(body)
    assert body.endswith(bytes([TAG_END]) + document)
    request = ipp.decode_message(body)
    assert request.code == ipp.OP_PRINT_JOB
    assert request.data == document
    operation = request.groups[0]
    assert operation.get("printer-uri") == attr(TAG_URI, "printer-uri", uri)
    assert operation.get("job-name") == attr(TAG_NAME, "job-name", "kc-1")
    assert operation.get("requesting-user-name") == attr(TAG_NAME, "requesting-user-name", "druck")
    format_ = operation.get("document-format")
    assert format_ is not None and format_.value == "application/pdf"


def test_print_job_with_bytes_and_with_an_unseekable_stream(stub_printer: StubPrinter) -> None:
    stub_printer.reply = _job_id_reply(5)
    uri = f"ipp://127.0.0.1:{stub_printer.port}/printers/stub"
    assert ipp.print_job(uri, b"%PDF-bytes", job_name="a") == 5
    assert (
        ipp.print_job(uri, io.BufferedReader(_Unseekable(b"%PDF-stream" * 500)), job_name="b") == 5
    )
    (_, body_a), (headers_b, body_b) = stub_printer.requests
    assert ipp.decode_message(body_a).data == b"%PDF-bytes"
    assert headers_b.get("Transfer-Encoding") == "chunked"
    assert ipp.decode_message(body_b).data == b"%PDF-stream" * 500


def test_http_errors_and_garbage_become_ipp_errors(stub_printer: StubPrinter) -> None:
    uri = f"ipp://127.0.0.1:{stub_printer.port}/printers/stub"
    stub_printer.status = 401
    with pytest.raises(ipp.IppError) as caught:
        ipp.printer_status(uri)
    assert caught.value.http_status == 401
    assert caught.value.status_code == 0x0402
    stub_printer.status, stub_printer.reply = 200, b"<html>not a printer</html>"
    with pytest.raises(ipp.IppError, match="malformed IPP response"):
        ipp.printer_status(uri)


def test_a_status_code_from_the_server_raises_ipp_error(stub_printer: StubPrinter) -> None:
    stub_printer.reply = ipp.encode_message(
        Message(
            (1, 1),
            0x0506,
            1,
            (Group(TAG_OPERATION, (attr(TAG_TEXT, "status-message", "Not accepting jobs."),)),),
        )
    )
    with pytest.raises(ipp.IppError) as caught:
        ipp.print_job(f"ipp://127.0.0.1:{stub_printer.port}/p", b"x", job_name="x")
    assert caught.value.status_code == 0x0506
    assert caught.value.message == "Not accepting jobs."


def test_nothing_listening_raises_printer_unreachable() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ipp.PrinterUnreachable, match="Connection refused"):
        ipp.printer_status(f"ipp://127.0.0.1:{port}/printers/x", timeout=5)
    with pytest.raises(ipp.PrinterUnreachable):
        ipp.print_job(f"ipp://127.0.0.1:{port}/printers/x", b"%PDF", job_name="x", timeout=5)


def test_no_answer_in_time_raises_printer_unreachable() -> None:
    with socket.socket() as sock:  # listens, never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        started = time.monotonic()
        with pytest.raises(ipp.PrinterUnreachable, match=r"no answer within 0\.3 s"):
            ipp.get_job(f"ipp://127.0.0.1:{sock.getsockname()[1]}/printers/x", 1, timeout=0.3)
        assert time.monotonic() - started < 5


# --- a real CUPS ---------------------------------------------------------------------------


def cups[F: Callable[..., None]](test: F) -> F:
    """Needs the CUPS server; generous timeout, as the first such test may install CUPS."""
    return pytest.mark.cups(pytest.mark.timeout(900)(test))


def two_page_pdf(marker: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for page in (1, 2):
        canvas.drawString(72, 700, f"{marker} Seite {page} von 2 – Grüße")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def wait_finished(uri: str, job_id: int, timeout: float = 60) -> ipp.IppJob:
    deadline = time.monotonic() + timeout
    while not (job := ipp.get_job(uri, job_id)).finished:
        assert time.monotonic() < deadline, f"job {job_id} still {job.state_name} after {timeout} s"
        time.sleep(0.05)
    return job


@cups
def test_print_a_two_page_pdf(cups_server: CupsServer, tmp_path: Path) -> None:
    marker = uuid.uuid4().hex[:8]
    path = tmp_path / "brief.pdf"
    path.write_bytes(two_page_pdf(marker))
    name = f"kc-test-{marker}"
    with path.open("rb") as fh:
        job_id = ipp.print_job(cups_server.printer_uri, fh, job_name=name)
    job = wait_finished(cups_server.printer_uri, job_id)
    assert job.state == ipp.JOB_COMPLETED, (job, cups_server.log_tail())
    assert job.job_name == name
    assert job.impressions_completed == 2
    assert job.time_at_completed is not None and abs(job.time_at_completed - time.time()) < 600
    output = cups_server.wait_for_output(job_id)
    assert output.name == f"job_{job_id}-{name}.pdf"
    reader = PdfReader(output)
    assert len(reader.pages) == 2
    # Distilled again by Ghostscript, but the A4 pages and their text are kept.
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    assert f"{marker} Seite 2 von 2" in reader.pages[1].extract_text()


@cups
def test_find_jobs_by_name(cups_server: CupsServer) -> None:
    name = f"kc-find-{uuid.uuid4().hex}"
    other = ipp.print_job(cups_server.printer_uri, two_page_pdf("x"), job_name=f"{name}-other")
    job_id = ipp.print_job(cups_server.printer_uri, two_page_pdf("y"), job_name=name)
    jobs = ipp.find_jobs(cups_server.printer_uri, job_name=name)
    assert [job.job_id for job in jobs] == [job_id]
    wait_finished(cups_server.printer_uri, job_id)
    wait_finished(cups_server.printer_uri, other)
    # Finished jobs are still found (job history is kept) ...
    (found,) = ipp.find_jobs(cups_server.printer_uri, job_name=name)
    assert (found.job_id, found.state) == (job_id, ipp.JOB_COMPLETED)
    # ... but CUPS shows a job's name only to the user who printed it.
    assert ipp.find_jobs(cups_server.printer_uri, job_name=name, user="someone-else") == []
    assert ipp.find_jobs(cups_server.printer_uri, job_name="kc-find-nothing") == []


@cups
def test_printer_status_ready_and_stopped(cups_server: CupsServer) -> None:
    ready = ipp.printer_status(cups_server.printer_uri)
    assert ready.ready, ready
    assert ready.state in (ipp.PRINTER_IDLE, ipp.PRINTER_PROCESSING)
    assert ready.is_accepting_jobs

    stopped = ipp.printer_status(cups_server.offline_uri)
    assert not stopped.ready
    assert stopped.state == ipp.PRINTER_STOPPED
    assert stopped.problem == "stopped"
    assert "paused" in stopped.state_reasons  # cupsdisable: stopped, but still accepting jobs
    assert stopped.is_accepting_jobs


@cups
def test_a_job_on_a_stopped_queue_stays_pending_and_can_be_canceled(
    cups_server: CupsServer,
) -> None:
    job_id = ipp.print_job(cups_server.offline_uri, two_page_pdf("z"), job_name="kc-stopped")
    time.sleep(0.5)
    job = ipp.get_job(cups_server.offline_uri, job_id)
    assert job.state == ipp.JOB_PENDING
    assert not job.finished
    ipp.cancel_job(cups_server.offline_uri, job_id)
    job = ipp.get_job(cups_server.offline_uri, job_id)
    assert job.state == ipp.JOB_CANCELED
    assert job.impressions_completed == 0
    with pytest.raises(ipp.IppError) as caught:  # finished jobs cannot be canceled
        ipp.cancel_job(cups_server.offline_uri, job_id)
    assert caught.value.status_code == 0x0404


@cups
def test_unknown_queue_and_job(cups_server: CupsServer) -> None:
    missing = f"ipp://127.0.0.1:{cups_server.port}/printers/KC_NO_SUCH_QUEUE"
    with pytest.raises(ipp.IppError) as caught:
        ipp.printer_status(missing)
    assert caught.value.status_code == 0x0406
    assert caught.value.status_name == "client-error-not-found"
    with pytest.raises(ipp.IppError) as caught:
        ipp.print_job(missing, two_page_pdf("n"), job_name="kc-missing")
    assert caught.value.status_code == 0x0406
    with pytest.raises(ipp.IppError) as caught:
        ipp.get_job(cups_server.printer_uri, 999_999)
    assert caught.value.status_code == 0x0406
