"""Proofs of payment: upload checks, OCR on receipts made by the suite, reading the facts.

Tests marked `tesseract` need the binary with German data: the session fixture installs it
with scripts/tesseract.sh (as root, as CI runs); without root and without Tesseract they are
skipped. Everything else is pure and runs everywhere.
"""

from __future__ import annotations

import io
import shutil
import struct
import zipfile
import zlib
from datetime import date

import pytest
from PIL import Image

from kc.core import uploads
from kc.disconnection import receipts
from kc.disconnection.receipts import ProofRejected, prepare_upload, read_receipt
from kc.disconnection.tests import receipt_images as images

OWN = [images.UTILITY_IBAN]


def _png(size: tuple[int, int] = (40, 30), mode: str = "RGB", **save: object) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "white").save(out, "PNG", **save)
    return out.getvalue()


def _opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# --- prepare_upload: type by content --------------------------------------------------------


def test_a_png_is_a_png_whatever_it_was_called() -> None:
    # (There is no name to go by: a "beleg.pdf" that is a PNG arrives as these bytes.)
    proof = prepare_upload(images.transfer_receipt())
    assert (proof.kind, proof.content_type, proof.text) == ("image", "image/png", "")
    assert _opened(proof.data).format == "PNG"
    assert (proof.width, proof.height) == _opened(proof.data).size


def test_a_phone_photo_stays_a_jpeg() -> None:
    proof = prepare_upload(images.transfer_receipt(photo=True))
    assert proof.content_type == "image/jpeg"
    assert _opened(proof.data).format == "JPEG"


def test_webp_is_accepted_and_stored_as_jpeg() -> None:
    out = io.BytesIO()
    _opened(images.transfer_receipt()).save(out, "WEBP", quality=90)
    proof = prepare_upload(out.getvalue())
    assert proof.content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"MZ\x90\x00\x03" + bytes(200), "EXE"),
        (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "unbekannt"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "unbekannt"),
        (b"GIF89a" + bytes(40), "GIF"),
        (b"just some text, not a receipt", "unbekannt"),
    ],
    ids=["exe", "html", "svg", "gif", "text"],
)
def test_other_types_are_refused(data: bytes, named: str) -> None:
    with pytest.raises(ProofRejected, match=rf"^Dateityp nicht erlaubt: .*{named}"):
        prepare_upload(data)


def test_a_zip_is_refused_even_with_a_receipt_inside() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("beleg.png", images.transfer_receipt())
    with pytest.raises(ProofRejected, match="Dateityp nicht erlaubt: ZIP-Archiv"):
        prepare_upload(out.getvalue())


def test_heic_without_a_pillow_plugin_asks_for_jpeg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "_pillow_opens", lambda fmt: fmt != "HEIF")
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)
    with pytest.raises(ProofRejected, match=r"HEIC-Foto. Bitte das Foto als JPEG"):
        prepare_upload(heic)


def test_empty_and_too_large_files_are_refused() -> None:
    with pytest.raises(ProofRejected, match="leer"):
        prepare_upload(b"")
    data = images.transfer_receipt()
    with pytest.raises(ProofRejected, match=r"^Datei zu groß: 0,0 MB, erlaubt sind höchstens"):
        prepare_upload(data, max_bytes=len(data) - 1)
    assert prepare_upload(data, max_bytes=len(data)).kind == "image"


def test_a_truncated_jpeg_is_refused() -> None:
    photo = images.transfer_receipt(photo=True)
    with pytest.raises(ProofRejected, match=r"^Bild beschädigt"):
        prepare_upload(photo[: len(photo) // 2])


def test_garbage_after_a_png_signature_is_refused() -> None:
    with pytest.raises(ProofRejected, match=r"^Bild beschädigt"):
        prepare_upload(b"\x89PNG\r\n\x1a\n" + bytes(100))


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares the given size (a decompression bomb's trick)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    pixels = zlib.compress(b"\x00" * 1024)  # far too little data: never decoded anyway
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("width", "height"), [(7000, 7000), (100_000, 100_000)], ids=["49MP", "10GP"]
)
def test_a_decompression_bomb_is_refused_from_its_header(width: int, height: int) -> None:
    # 10 gigapixels would need 10 GB to decode: refused before any pixel is allocated.
    with pytest.raises(ProofRejected, match=r"^Bild zu groß"):
        prepare_upload(_png_claiming(width, height))


def test_the_pixel_limit_is_a_parameter() -> None:
    with pytest.raises(ProofRejected, match=r"^Bild zu groß: 40 × 30 Pixel"):
        prepare_upload(_png(), max_pixels=1000)
    assert prepare_upload(_png(), max_pixels=1200).width == 40


def test_a_large_photo_is_scaled_down_for_storing() -> None:
    proof = prepare_upload(_png((4000, 2000)))
    assert (proof.width, proof.height) == (3000, 1500)


def test_transparency_becomes_white_paper() -> None:
    proof = prepare_upload(_png((20, 20), mode="RGBA"))  # "white" RGBA is opaque: make it clear
    out = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 0, 0)).save(out, "PNG")
    proof = prepare_upload(out.getvalue())
    assert _opened(proof.data).getpixel((5, 5)) == (255, 255, 255)


# --- prepare_upload: metadata and orientation -------------------------------------------------


def test_exif_gps_xmp_and_icc_are_removed() -> None:
    photo = images.transfer_receipt(photo=True)
    source = _opened(photo)
    assert source.getexif().get_ifd(0x8825)  # the generator really put GPS in
    out = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret</x:xmpmeta>'
    source.save(out, "JPEG", exif=source.getexif(), icc_profile=b"\0" * 128, xmp=xmp)
    marked = _opened(out.getvalue())
    assert {"exif", "icc_profile", "xmp"} <= set(marked.info)

    cleaned = _opened(prepare_upload(out.getvalue()).data)
    assert len(cleaned.getexif()) == 0
    assert not ({"exif", "icc_profile", "xmp", "comment"} & set(cleaned.info))
    assert b"Exif" not in prepare_upload(out.getvalue()).data[:4096]


def test_png_text_chunks_are_removed() -> None:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Erika Mustermann")
    cleaned = _opened(prepare_upload(_png(pnginfo=info)).data)
    assert "Author" not in cleaned.info


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_the_exif_orientation_is_applied(orientation: int) -> None:
    photo = images.transfer_receipt(photo=True, exif_orientation=orientation)
    stored = _opened(photo)
    upright = _opened(images.transfer_receipt(photo=True))
    if orientation in (6, 8):
        assert stored.size == (upright.height, upright.width)
    proof = prepare_upload(photo)
    assert (proof.width, proof.height) == upright.size
    # Same picture, not just the same size: compare a coarse thumbnail.
    got = _opened(proof.data).convert("L").resize((32, 20))
    want = upright.convert("L").resize((32, 20))
    diff = sum(abs(a - b) for a, b in zip(got.tobytes(), want.tobytes(), strict=True))
    assert diff / (32 * 20) < 12


# --- prepare_upload: PDF ----------------------------------------------------------------------


def test_a_pdf_keeps_its_bytes_and_gives_its_text() -> None:
    pdf = images.pdf_receipt()
    proof = prepare_upload(pdf)
    assert (proof.kind, proof.content_type, proof.data) == ("pdf", "application/pdf", pdf)
    assert "Überweisungsbeleg" in proof.text
    assert "Betrag 312,00 EUR" in proof.text
    assert not proof.needs_ocr_of_pdf
    assert (proof.width, proof.height, proof.pages) == (595, 842, 1)


def test_a_pdf_with_text_is_read_without_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_ocr(*args: object, **kwargs: object) -> None:
        raise AssertionError("a PDF with a text layer needs no OCR")

    monkeypatch.setattr(receipts, "ocr", no_ocr)
    reading = receipts.read_proof(prepare_upload(images.pdf_receipt()), own_ibans=OWN)
    facts = reading.facts
    assert reading.source == "pdf_text"
    assert (facts.amount_cents, facts.date) == (31200, date(2026, 11, 27))
    assert facts.payer_iban == images.PAYER_IBAN
    assert facts.recipient_iban == images.UTILITY_IBAN
    assert facts.reference == images.REFERENCE
    assert (facts.account_numbers, facts.invoice_numbers) == (["400000000123"], ["R00000042"])
    assert facts.confidence == "high"


def test_a_scanned_pdf_needs_ocr() -> None:
    proof = prepare_upload(images.scanned_pdf_receipt())
    assert proof.kind == "pdf"
    assert proof.needs_ocr_of_pdf


def test_a_scanned_pdf_without_pdftoppm_goes_to_a_person(monkeypatch: pytest.MonkeyPatch) -> None:
    real_which = shutil.which
    monkeypatch.setattr(
        shutil, "which", lambda name: None if name == "pdftoppm" else real_which(name)
    )
    reading = receipts.read_proof(prepare_upload(images.scanned_pdf_receipt()))
    assert reading.source == "none"
    assert reading.facts.confidence == "none"
    assert "PDF ohne Text" in reading.facts.notes[0]


def test_broken_and_locked_pdfs_are_refused() -> None:
    with pytest.raises(ProofRejected, match=r"^PDF beschädigt"):
        prepare_upload(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage")
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(images.pdf_receipt())))
    writer.encrypt(user_password="geheim", owner_password="geheimer", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(ProofRejected, match="Passwort"):
        prepare_upload(out.getvalue())


# --- OCR --------------------------------------------------------------------------------------

OCR_CASES = {
    "straight": lambda: images.transfer_receipt(),
    "rotated 5°": lambda: images.transfer_receipt(rotate_deg=5),
    "rotated -3° with noise": lambda: images.transfer_receipt(rotate_deg=-3, noise=25),
    "blurred and noisy scan": lambda: images.transfer_receipt(noise=40, blur=1),
    "phone photo": lambda: images.transfer_receipt(photo=True),
    # The photo is tilted 1.5-3° already: 3° more makes up to 6°.
    "phone photo rotated 3°": lambda: images.transfer_receipt(photo=True, rotate_deg=3),
    "scan sideways (90°)": lambda: images.transfer_receipt(rotate_deg=90),
    "photo sideways (270°)": lambda: images.transfer_receipt(photo=True, rotate_deg=270),
    "photo upside down": lambda: images.transfer_receipt(photo=True, rotate_deg=180),
    "photo, EXIF orientation 6": lambda: images.transfer_receipt(photo=True, exif_orientation=6),
}


@pytest.mark.tesseract
@pytest.mark.parametrize("make", OCR_CASES.values(), ids=OCR_CASES.keys())
def test_ocr_reads_the_facts_of_a_transfer_receipt(tesseract, make) -> None:  # type: ignore[no-untyped-def]
    reading = receipts.read_proof(prepare_upload(make()), own_ibans=OWN)
    facts = reading.facts
    assert reading.source == "ocr"
    assert reading.ocr is not None
    assert reading.ocr.confidence >= receipts.GOOD_OCR_CONFIDENCE, reading.ocr.text
    assert facts.amount_cents == 31200, reading.ocr.text
    assert facts.date == date(2026, 11, 27), reading.ocr.text
    assert facts.payer_iban == images.PAYER_IBAN, reading.ocr.text
    # The recipient's "89" is sometimes read as "8Y" (then it is dropped, never the payer's).
    assert facts.recipient_iban in (images.UTILITY_IBAN, None), reading.ocr.text
    assert facts.reference is not None
    assert facts.reference.startswith("Vertragskonto 400000000123 Rechnung R"), facts.reference
    assert facts.account_numbers == ["400000000123"]
    assert facts.invoice_numbers == ["R00000042"]
    assert facts.confidence == "high", facts.notes


@pytest.mark.tesseract
def test_ocr_reads_other_amounts_and_dates(tesseract) -> None:  # type: ignore[no-untyped-def]
    receipt = images.transfer_receipt(
        amount="1.234,56",
        date="03.02.2027",
        iban="DE75 5121 0800 1245 1261 99",
        reference="Rechnung R12345678 Vertragskonto 412345678901",
        photo=True,
    )
    facts = receipts.read_proof(prepare_upload(receipt), own_ibans=OWN).facts
    assert (facts.amount_cents, facts.date) == (123456, date(2027, 2, 3))
    assert facts.payer_iban == "DE75 5121 0800 1245 1261 99"
    assert (facts.account_numbers, facts.invoice_numbers) == (["412345678901"], ["R12345678"])


@pytest.mark.tesseract
def test_ocr_reads_a_cash_deposit_slip(tesseract) -> None:  # type: ignore[no-untyped-def]
    facts = receipts.read_proof(
        prepare_upload(images.cash_deposit_slip(photo=True)), own_ibans=OWN
    ).facts
    assert (facts.amount_cents, facts.date) == (31200, date(2026, 11, 27))
    assert facts.payer_iban is None  # paid in cash
    assert facts.recipient_iban == images.UTILITY_IBAN
    assert facts.account_numbers == ["400000000123"]
    assert facts.confidence == "high"


@pytest.mark.tesseract
def test_an_unreadable_photo_goes_to_a_person(tesseract) -> None:  # type: ignore[no-untyped-def]
    reading = receipts.read_proof(prepare_upload(images.unreadable_receipt()), own_ibans=OWN)
    assert reading.facts.confidence == "none"
    assert reading.facts.amount_cents is None
    assert "Kein Betrag erkannt." in reading.facts.notes


@pytest.mark.tesseract
def test_a_blank_page_reads_as_nothing(tesseract) -> None:  # type: ignore[no-untyped-def]
    result = receipts.ocr(_png((800, 600)))
    assert (result.text, result.confidence, result.tries) == ("", 0, 1)


@pytest.mark.tesseract
def test_a_scanned_pdf_is_rendered_and_read(tesseract) -> None:  # type: ignore[no-untyped-def]
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm missing: scripts/tesseract.sh install brings poppler-utils")
    reading = receipts.read_proof(prepare_upload(images.scanned_pdf_receipt()), own_ibans=OWN)
    assert reading.source == "ocr"
    assert (reading.facts.amount_cents, reading.facts.date) == (31200, date(2026, 11, 27))
    assert reading.facts.confidence == "high"


@pytest.mark.tesseract
def test_ocr_gives_up_at_its_timeout(tesseract) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(receipts.OcrError, match="abgebrochen"):
        receipts.ocr(images.transfer_receipt(photo=True), timeout_s=0.05)


def test_ocr_without_tesseract_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    receipts._tesseract.cache_clear()
    monkeypatch.setattr(shutil, "which", lambda name: None)
    try:
        with pytest.raises(receipts.OcrUnavailable, match="tesseract ist nicht installiert"):
            receipts.ocr(images.transfer_receipt())
    finally:
        receipts._tesseract.cache_clear()


# --- read_receipt -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "cents"),
    [
        ("Betrag: 312,00 €", 31200),
        ("Betrag 312,00 EUR", 31200),
        ("Betrag EUR 1.234,56", 123456),
        ("Überweisungsbetrag: 1.234,56 €", 123456),
        ("Betrag: 312,00", 31200),
        ("Betrag: 12.345.678,90 €", 1234567890),
        ("Betrag -312,00 EUR", 31200),  # online banking shows the debit negative
        ("Betrag − 312,00 €", 31200),
        ("Betrag 312, 00 E", 31200),  # OCR: space after the comma, € read as E
        ("Betrag 1 234,56 €", 123456),  # space as thousands separator
        ("Betrag 3l2,O0 EUR", 31200),  # l and O for digits
        ("Einzahlungsbetrag 50,00 €", 5000),
        ("Summe 99,99 €", 9999),
        ("Betrag 312.00 EUR", 31200),  # English-style screenshot
        ("Betrag 0,01 €", 1),
    ],
)
def test_amounts(line: str, cents: int) -> None:
    assert read_receipt(line).amount_cents == cents


def test_the_labelled_amount_wins_over_fees_and_balances() -> None:
    text = "\n".join(
        [
            "Kontostand 1.500,00 EUR",
            "Entgelt 2,50 EUR",
            "Gebühr: 0,00 €",
            "Betrag 312,00 EUR",
            "Neuer Saldo 1.188,00 EUR",
        ]
    )
    facts = read_receipt(text)
    assert facts.amount_cents == 31200
    assert not any("Mehrere" in note for note in facts.notes)


def test_a_transfer_amount_wins_over_a_plain_sum() -> None:
    assert read_receipt("Summe 400,00 €\nÜberweisungsbetrag 312,00 €").amount_cents == 31200


def test_an_amount_below_its_label() -> None:
    assert read_receipt("Betrag\n312,00 €\nDatum\n27.11.2026").amount_cents == 31200


def test_an_unlabelled_amount_needs_a_currency_and_stays_low() -> None:
    facts = read_receipt("Sie haben 312,00 € überwiesen.\nVertragskonto 400000000123")
    assert facts.amount_cents == 31200
    assert facts.confidence == "low"
    assert "Betrag ohne Bezeichnung erkannt." in facts.notes
    assert read_receipt("Ablage 12,50 Regal 7").amount_cents is None


def test_two_different_labelled_amounts_are_noted() -> None:
    facts = read_receipt(
        "Betrag 312,00 EUR\nBetrag 310,00 EUR\n27.11.2026 Datum\nVertragskonto 400000000123"
    )
    assert facts.amount_cents == 31200
    assert facts.confidence == "low"
    assert "Mehrere Beträge erkannt: 312,00 €, 310,00 €; der erste ist übernommen." in facts.notes


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Ausführungsdatum 27.11.2026", date(2026, 11, 27)),
        ("Ausführungsdatum: 27.11.26", date(2026, 11, 27)),
        ("Buchungstag 2026-11-27", date(2026, 11, 27)),
        ("Datum 1.2.2027", date(2027, 2, 1)),
        ("Datum 27. 11. 2026", date(2026, 11, 27)),
        ("Datum 27.11.2O26", date(2026, 11, 27)),  # O for 0
        ("Ausführungsdatum 27.11 ‚2026", date(2026, 11, 27)),  # a dot read as a low quote
        ("Datum 27,11,2026", None),  # no dot left: not taken for a date
        ("Ausgeführt am 27. November 2026", date(2026, 11, 27)),
        ("Datum 3. Dez. 2026", date(2026, 12, 3)),
        ("Datum 31.02.2026", None),  # no such day
        ("Datum 27.11.1926", None),  # not a plausible payment
    ],
)
def test_dates(line: str, expected: date | None) -> None:
    assert read_receipt(line).date == expected


def test_the_execution_date_wins_over_the_print_date() -> None:
    text = "Erstellt am 28.11.2026 09:14\nDatum 26.11.2026\nAusführungsdatum 27.11.2026"
    assert read_receipt(text).date == date(2026, 11, 27)
    assert read_receipt("Erstellt am 28.11.2026 09:14").date == date(2026, 11, 28)


@pytest.mark.parametrize(
    ("line", "iban"),
    [
        ("IBAN Auftraggeber DE02 1203 0000 0000 2020 51", "DE02 1203 0000 0000 2020 51"),
        ("IBAN Auftraggeber: DE02120300000000202051", "DE02 1203 0000 0000 2020 51"),
        ("Auftraggeber IBAN DEO2 12O3 0000 0000 2020 5l", "DE02 1203 0000 0000 2020 51"),
        ("Kontoinhaber DE02 I203 0000 0000 2020 51 BIC BYLADEM1001", "DE02 1203 0000 0000 2020 51"),
        ("Zahler AT61 1904 3002 3457 3201", "AT61 1904 3002 3457 3201"),
        ("Auftraggeber NL91 ABNA 0417 1643 00", "NL91 ABNA 0417 1643 00"),
        ("IBAN Auftraggeber DE02 1203 0000 0000 2020 52", None),  # check digits wrong
        ("Von Konto DE02 1203 0000 0000 2020", None),  # too short
    ],
)
def test_payer_ibans(line: str, iban: str | None) -> None:
    assert read_receipt(line).payer_iban == iban


def test_a_wrong_check_digit_is_noted() -> None:
    facts = read_receipt("IBAN Auftraggeber DE02 1203 0000 0000 2020 52")
    assert any(note.startswith("IBAN nicht lesbar oder Prüfziffer falsch") for note in facts.notes)


def test_recipient_and_own_ibans_are_not_the_payer() -> None:
    text = "IBAN Empfänger DE89 3704 0044 0532 0130 00\nIBAN Auftraggeber DE02120300000000202051"
    facts = read_receipt(text)
    assert facts.payer_iban == "DE02 1203 0000 0000 2020 51"
    assert facts.recipient_iban == "DE89 3704 0044 0532 0130 00"
    # Without labels, the utility's own account is still known as the recipient.
    facts = read_receipt("DE89 3704 0044 0532 0130 00\nDE02 1203 0000 0000 2020 51", own_ibans=OWN)
    assert facts.payer_iban == "DE02 1203 0000 0000 2020 51"
    assert "IBAN ohne Bezeichnung als IBAN des Zahlers angenommen." in facts.notes
    only_ours = read_receipt("Überweisung an DE89370400440532013000", own_ibans=OWN)
    assert only_ours.payer_iban is None


def test_an_iban_label_on_the_line_above() -> None:
    facts = read_receipt("Auftraggeber\nDE02 1203 0000 0000 2020 51")
    assert facts.payer_iban == "DE02 1203 0000 0000 2020 51"


@pytest.mark.parametrize(
    ("text", "accounts"),
    [
        ("Vertragskonto 400000000123", ["400000000123"]),
        ("VK 4000 0000 0123", ["400000000123"]),  # spaces from OCR or the customer
        ("Kundennr. 4OOOOOOOO123", ["400000000123"]),
        ("Konten 400000000123 und 412345678901", ["400000000123", "412345678901"]),
        ("Vertragskonto 400000000123 400000000123", ["400000000123"]),
        ("Nummer 4000000001234", []),  # 13 digits
        ("Nummer 300000000123", []),  # does not start with 4
        ("IBAN DE89 4000 0000 0123 4567 89", []),  # digits of an IBAN-like run are skipped
    ],
)
def test_account_numbers(text: str, accounts: list[str]) -> None:
    assert read_receipt(text).account_numbers == accounts


def test_account_numbers_inside_a_valid_iban_are_not_ours() -> None:
    # A valid IBAN whose BBAN has a 4-group looking like an account number.
    facts = read_receipt("IBAN Auftraggeber DE02 1203 0000 0000 2020 51 Vertragskonto 400000000777")
    assert facts.account_numbers == ["400000000777"]


@pytest.mark.parametrize(
    ("text", "invoices", "postings"),
    [
        ("Rechnung R00000042", ["R00000042"], []),
        ("Rechnung RO0000042", ["R00000042"], []),
        ("Rechnungen R00000042, R00000043", ["R00000042", "R00000043"], []),
        ("Rechnung R 00000042", ["R00000042"], []),
        ("Buchung BU0000001234", [], ["BU0000001234"]),
        ("Buchung BU 000000I234", [], ["BU0000001234"]),
        ("Rechnung R000000421", [], []),  # nine digits
        ("Rechnung XR00000042", [], []),
        ("Raum Rollladen", [], []),
    ],
)
def test_invoice_and_posting_numbers(text: str, invoices: list[str], postings: list[str]) -> None:
    facts = read_receipt(text)
    assert (facts.invoice_numbers, facts.posting_numbers) == (invoices, postings)


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("Verwendungszweck Vertragskonto 400000000123", "Vertragskonto 400000000123"),
        ("Verwendungszweck: R00000042", "R00000042"),
        ("Verwendungszw. Abschlag 11/2026", "Abschlag 11/2026"),
        (
            "Verwendungszweck Vertragskonto 400000000123\nRechnung R00000042\n"
            "Erstellt am 28.11.2026",
            "Vertragskonto 400000000123 Rechnung R00000042",
        ),
        ("Kundenreferenz NOTPROVIDED\nVerwendungszweck Strom 2026", "Strom 2026"),
        ("Zahlungsreferenz RF18 5390 0754 7034", "RF18 5390 0754 7034"),
        ("Betrag 312,00 €", None),
    ],
)
def test_references(text: str, reference: str | None) -> None:
    assert read_receipt(text).reference == reference


def test_confidence_levels() -> None:
    complete = (
        "Betrag 312,00 EUR\nAusführungsdatum 27.11.2026\n"
        "Verwendungszweck Vertragskonto 400000000123"
    )
    assert read_receipt(complete).confidence == "high"
    no_date = "Betrag 312,00 EUR\nVerwendungszweck Vertragskonto 400000000123"
    assert read_receipt(no_date).confidence == "low"
    nobody = "Betrag 312,00 EUR\nAusführungsdatum 27.11.2026"
    facts = read_receipt(nobody)
    assert facts.confidence == "low"
    assert "Weder Vertragskonto, Rechnungsnummer noch IBAN des Zahlers erkannt." in facts.notes
    only_account = read_receipt("Vertragskonto 400000000123")
    assert (only_account.confidence, only_account.amount_cents) == ("low", None)


@pytest.mark.parametrize(
    "text",
    ["", "   \n\n", "x ER BET DS Et ARE K\n3 N\na bey ROT Eee 3\nE- E> >", "Musterbank eG"],
)
def test_nothing_readable_is_confidence_none(text: str) -> None:
    facts = read_receipt(text)
    assert facts.confidence == "none"
    assert (facts.amount_cents, facts.date, facts.payer_iban, facts.reference) == (None,) * 4
    assert "Kein Betrag erkannt." in facts.notes


def test_a_whole_ocr_reading_with_typical_noise() -> None:
    text = """Musterbank eG
Überweisungsbeleg
Auftraggeber Erika Mustermann
IBAN Auftraggeber DEO2 1203 0000 0000 2020 51
Empfänger Stadtwerke Musterstadt GmbH
IBAN Empfänger DE89 3704 0044 0532 0130 00
BIC COBADEFFXXX
Betrag 312,00 E
Entgelt 0,00 EUR
Ausführungsdatum 27.11.2026
Verwendungszweck Vertragskonto 4000 0000 0123 Rechnung RO0000042
Erstellt am 28.11.2026 um 09:14 Uhr im Online-Banking."""
    facts = read_receipt(text, own_ibans=OWN)
    assert facts.amount_cents == 31200
    assert facts.date == date(2026, 11, 27)
    assert facts.payer_iban == "DE02 1203 0000 0000 2020 51"
    assert facts.recipient_iban == "DE89 3704 0044 0532 0130 00"
    assert facts.account_numbers == ["400000000123"]
    assert facts.invoice_numbers == ["R00000042"]
    assert facts.confidence == "high"
    assert facts.notes == []


def test_iban_helpers() -> None:
    assert receipts.iban_is_valid("DE89 3704 0044 0532 0130 00")
    assert not receipts.iban_is_valid("DE89 3704 0044 0532 0130 01")
    assert not receipts.iban_is_valid("XX89 3704 0044 0532 0130 00")
    assert receipts.format_iban("de89370400440532013000") == "DE89 3704 0044 0532 0130 00"
