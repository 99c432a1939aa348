"""Print room without a printer: batches, the batch PDF, withdrawal, print requests."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from kc.letters import printroom, services
from kc.letters.models import Delivery, Letter, LetterEvent, PrintBatch, PrintJob
from kc.letters.placeholders import Value
from kc.letters.samples import SAMPLES, invoice_lines
from kc.letters.tests import pdfcheck
from kc.letters.tests.factories import LetterheadFactory, customer_with_address

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def letterhead() -> None:
    LetterheadFactory()


def letters(count: int, kind: str = "free_text", **values: Value) -> list[Letter]:
    return [
        services.create_letter(
            kind=kind,
            partner=customer_with_address(),
            values={**SAMPLES[kind], **values},
            actor=None,
        )
        for _ in range(count)
    ]


def test_batches_group_by_envelope_and_postage_and_respect_the_size() -> None:
    short = letters(3)
    long = letters(1, "invoice", positionen=invoice_lines(400))  # > 9 sheets: C4 Großbrief
    batches = printroom.assemble_batches(max_letters=2)
    shapes = sorted((b.envelope, b.postage_class, b.letter_count) for b in batches)
    assert shapes == [("C4", "gross", 1), ("DL", "standard", 1), ("DL", "standard", 2)]
    assert printroom.assemble_batches() == []  # nothing is batched twice
    for letter in [*short, *long]:
        delivery = letter.deliveries.get()
        assert delivery.state == Delivery.State.BATCHED and delivery.batch is not None
        assert letter.events.filter(kind=LetterEvent.Kind.BATCHED).count() == 1
    standard = next(b for b in batches if b.letter_count == 2)
    assert standard.postage_total == Decimal("1.90")


def test_batch_pdf_has_cover_letters_and_control_marks() -> None:
    written = letters(2, "invoice", positionen=invoice_lines(45))  # two pages each
    (batch,) = printroom.assemble_batches()
    batch = printroom.build_batch(batch.pk)
    assert batch.state == PrintBatch.State.READY
    pdf = batch.pdf.read()
    assert pdfcheck.page_count(pdf) == batch.pdf_pages == 1 + 4
    cover = pdfcheck.page_text(pdf, 0)
    assert f"Druckstapel {batch.number}" in cover and "Briefe 2" in cover and "1,90 €" in cover
    for page, (letter, sheet) in enumerate([(0, 1), (0, 2), (1, 1), (1, 2)], start=1):
        text = pdfcheck.page_text(pdf, page)
        assert f"KC|{batch.number}|{written[letter].number}|{sheet}/2" in text
    assert printroom.build_batch(batch.pk).pdf.name == batch.pdf.name  # built once
    reader = PdfReader(io.BytesIO(pdf))
    names_per_page = [
        {str(font.get_object()["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}  # type: ignore[index]
        - {"/Helvetica"}  # the control mark's font, one object for the whole batch
        for page in reader.pages
    ]
    # Each letter's font subsets have their own name (a printer may cache fonts by name).
    assert names_per_page[1] == names_per_page[2] != names_per_page[3]
    assert not (names_per_page[0] & names_per_page[1]) and not (
        names_per_page[1] & names_per_page[3]
    )


def test_withdrawing_a_batched_letter_rebuilds_the_batch(agent) -> None:  # type: ignore[no-untyped-def]
    first, second = letters(2)
    (batch,) = printroom.assemble_batches()
    printroom.build_batch(batch.pk)
    services.withdraw_letter(letter=first, reason="Adresse falsch", actor=agent)
    batch.refresh_from_db()
    assert batch.state == PrintBatch.State.BUILDING and batch.letter_count == 1
    printroom.build_batch(batch.pk)
    batch = PrintBatch.objects.get(pk=batch.pk)
    pdf = batch.pdf.read()
    text = " ".join(pdfcheck.page_text(pdf, p) for p in range(batch.pdf_pages))
    assert second.number in text and first.number not in text
    services.withdraw_letter(letter=second, reason="auch", actor=agent)
    assert printroom.build_batch(batch.pk).state == PrintBatch.State.EMPTY


def test_print_requests_are_checked(agent, settings) -> None:  # type: ignore[no-untyped-def]
    letters(1)
    (batch,) = printroom.assemble_batches()
    settings.KC_PRINTER_URI = ""
    with pytest.raises(printroom.PrintRoomError, match="kein Drucker"):
        printroom.request_print(batch=batch, actor=agent)
    settings.KC_PRINTER_URI = "ipp://127.0.0.1:9/printers/none"
    with pytest.raises(printroom.PrintRoomError, match="nicht druckbereit"):
        printroom.request_print(batch=batch, actor=agent)
    printroom.build_batch(batch.pk)
    job = printroom.request_print(batch=batch, actor=agent)
    assert job.job_name.startswith(f"kc-{batch.number}-1-") and job.state == PrintJob.State.PENDING
    with pytest.raises(printroom.PrintRoomError, match="bereits beim Drucker"):
        printroom.request_print(batch=batch, actor=agent)  # a double click
    PrintJob.objects.filter(pk=job.pk).update(state=PrintJob.State.FAILED)
    with pytest.raises(printroom.PrintRoomError, match="Grund"):
        printroom.request_print(batch=batch, actor=agent)
    again = printroom.request_print(batch=batch, actor=agent, reason="Papierstau")
    assert again.attempt == 2 and again.reason == "Papierstau"


def test_unreachable_printer_keeps_the_job_waiting_with_the_reason(agent, settings) -> None:  # type: ignore[no-untyped-def]
    letters(1)
    (batch,) = printroom.assemble_batches()
    printroom.build_batch(batch.pk)
    settings.KC_PRINTER_URI = "ipp://127.0.0.1:9/printers/none"  # nothing listens on port 9
    job = printroom.request_print(batch=batch, actor=agent)
    waiting = printroom.submit_job(job.pk)
    assert waiting is not None and waiting.state == PrintJob.State.PENDING
    batch.refresh_from_db()
    assert "nicht erreichbar" in batch.problem
    assert batch.deliveries.get().state == Delivery.State.BATCHED  # nothing lost


def test_envelope_and_post_only_in_order(agent) -> None:  # type: ignore[no-untyped-def]
    (letter,) = letters(1)
    (batch,) = printroom.assemble_batches()
    with pytest.raises(printroom.PrintRoomError):
        printroom.mark_enveloped(batch=batch, actor=agent)
    PrintBatch.objects.filter(pk=batch.pk).update(state=PrintBatch.State.PRINTED)
    with pytest.raises(printroom.PrintRoomError):
        printroom.mark_posted(batch=batch, actor=agent)
    printroom.mark_enveloped(batch=batch, actor=agent)
    printroom.mark_posted(batch=batch, actor=agent)
    assert letter.deliveries.get().state == Delivery.State.POSTED
    assert list(letter.events.values_list("kind", flat=True))[-2:] == ["enveloped", "posted"]
    assert io.BytesIO(letter.pdf.read()).getbuffer().nbytes > 0
    assert PdfReader(letter.pdf.path).pages
