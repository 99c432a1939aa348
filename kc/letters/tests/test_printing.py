"""The print room on a real CUPS server with the cups-pdf printer (DESIGN.md §7)."""

import time

import pytest

from kc.letters import ipp, layout, printroom, services
from kc.letters.models import Delivery, LetterEvent, PrintBatch, PrintJob
from kc.letters.samples import SAMPLES, invoice_lines
from kc.letters.tests import pdfcheck
from kc.letters.tests.factories import LetterheadFactory, customer_with_address

pytestmark = [pytest.mark.django_db, pytest.mark.cups]


def wait_until_printed(job: PrintJob, timeout: float = 90) -> PrintJob:
    deadline = time.monotonic() + timeout
    while True:
        printroom.check_jobs()
        job.refresh_from_db()
        if job.state != PrintJob.State.SUBMITTED or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def test_a_batch_prints_once_and_the_output_is_right(cups_server, settings, agent) -> None:  # type: ignore[no-untyped-def]
    settings.KC_PRINTER_URI = cups_server.printer_uri
    LetterheadFactory()
    first = services.create_letter(
        kind="invoice",
        partner=customer_with_address(first_name="Jürgen", last_name="Müßig"),
        values={**SAMPLES["invoice"], "positionen": invoice_lines(45)},
        actor=agent,
    )
    second = services.create_letter(
        kind="free_text", partner=customer_with_address(), values=SAMPLES["free_text"], actor=agent
    )
    (batch,) = printroom.assemble_batches()
    batch = printroom.build_batch(batch.pk)
    job = printroom.request_print(batch=batch, actor=agent)
    submitted = printroom.submit_job(job.pk)
    assert submitted is not None and submitted.state == PrintJob.State.SUBMITTED
    assert printroom.submit_job(job.pk) is None  # a second task for the same job does nothing
    job = wait_until_printed(submitted)
    assert job.state == PrintJob.State.COMPLETED

    out = cups_server.wait_for_output(job.cups_job_id).read_bytes()
    assert pdfcheck.page_count(out) == batch.pdf_pages == 1 + first.pages + second.pages
    assert f"Druckstapel {batch.number}" in pdfcheck.page_text(out, 0)
    # Ghostscript (inside cups-pdf) drops the Unicode map of non-ASCII glyphs: match ASCII.
    name = next(w for w in pdfcheck.words(out, 1) if w.text.startswith("Frau J"))
    assert name.x0 == pytest.approx(layout.ADDRESS_TEXT_LEFT, abs=0.5)
    window_top = layout.ADDRESS_TOP + layout.ENDORSEMENT_HEIGHT
    assert window_top <= name.top <= layout.ADDRESS_TOP + layout.ADDRESS_HEIGHT
    marks = [pdfcheck.page_text(out, page) for page in range(1, pdfcheck.page_count(out))]
    assert f"KC|{batch.number}|{first.number}|1/2" in marks[0]
    assert f"KC|{batch.number}|{first.number}|2/2" in marks[1]
    assert f"KC|{batch.number}|{second.number}|1/1" in marks[2]

    batch.refresh_from_db()
    assert batch.state == PrintBatch.State.PRINTED
    assert set(batch.deliveries.values_list("state", flat=True)) == {Delivery.State.PRINTED}
    assert first.events.filter(kind=LetterEvent.Kind.PRINTED).count() == 1
    assert len(ipp.find_jobs(cups_server.printer_uri, job_name=job.job_name)) == 1

    with pytest.raises(printroom.PrintRoomError, match="Grund"):
        printroom.request_print(batch=batch, actor=agent)
    requested = printroom.request_print(batch=batch, actor=agent, reason="Papierstau Blatt 3")
    reprint = printroom.submit_job(requested.pk)
    assert reprint is not None
    assert wait_until_printed(reprint).state == PrintJob.State.COMPLETED
    event = first.events.get(kind=LetterEvent.Kind.REPRINTED)
    assert "Papierstau Blatt 3" in event.detail and event.actor == agent

    printroom.mark_enveloped(batch=batch, actor=agent)
    printroom.mark_posted(batch=batch, actor=agent)
    steps = list(first.events.values_list("kind", flat=True))
    assert steps == ["created", "queued", "batched", "printed", "reprinted", "enveloped", "posted"]


def test_a_stopped_printer_holds_the_job_with_the_reason(cups_server, settings, agent) -> None:  # type: ignore[no-untyped-def]
    settings.KC_PRINTER_URI = cups_server.offline_uri
    LetterheadFactory()
    services.create_letter(
        kind="free_text", partner=customer_with_address(), values=SAMPLES["free_text"], actor=agent
    )
    (batch,) = printroom.assemble_batches()
    printroom.build_batch(batch.pk)
    job = printroom.request_print(batch=batch, actor=agent)
    waiting = printroom.submit_job(job.pk)
    assert waiting is not None and waiting.state == PrintJob.State.PENDING
    assert waiting.cups_job_id is None
    batch.refresh_from_db()
    assert batch.problem == "Drucker ist angehalten."
    assert ipp.find_jobs(cups_server.offline_uri, job_name=job.job_name) == []
