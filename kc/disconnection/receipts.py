"""Proof of payment (Zahlbeleg): check an upload, OCR it, read the payment facts off it.

Pure functions, no ORM: the services store the prepared file, match the facts against the
open items and decide. Three steps, usable on their own:

- `prepare_upload(data)`: the shared upload check of kc.core.uploads (type by content, size and
  pixel limits, images upright and re-encoded without any metadata, PDF sanity), plus a
  receipt's page limit and the PDF's text layer.
- `ocr(image)`: Tesseract (German) on a cleaned-up greyscale copy; a page that reads badly is
  tried turned by 90/270/180 degrees and the best reading is kept.
- `read_receipt(text)`: amount in cents, date, payer IBAN (mod-97 checked), Verwendungszweck,
  our contract account, invoice and posting numbers, tolerant of OCR noise.

`read_proof(proof)` chains the last two for a prepared upload. Messages meant for customers and
staff (ProofRejected, notes) are German.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import time
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Literal

from PIL import Image, ImageOps
from pypdf import PageObject, PdfReader

from kc.core import uploads

MiB = uploads.MiB
DEFAULT_MAX_BYTES = uploads.DEFAULT_MAX_BYTES
DEFAULT_MAX_PIXELS = uploads.DEFAULT_MAX_PIXELS
# Longest side handed to Tesseract: text of a receipt photo stays well above the ~20 px
# x-height Tesseract needs, and garbage (a page read sideways) costs less time.
OCR_MAX_SIDE = 2400
# Smaller images (low-resolution scans, screenshots) are enlarged to this for Tesseract.
OCR_MIN_SIDE = 2000
MAX_PDF_PAGES = 10
# A PDF whose text layer has fewer visible characters than this is a scan.
MIN_PDF_TEXT = 20
# Mean word confidence (0-100) from which a reading is taken without trying other rotations.
GOOD_OCR_CONFIDENCE = 70

ProofKind = Literal["image", "pdf"]
Confidence = Literal["high", "low", "none"]


class ProofRejected(uploads.UploadRejected):
    """The upload is not accepted; the message (German) can be shown to customer and staff."""


class OcrError(RuntimeError):
    """OCR failed for this image (timeout, Tesseract crashed)."""


class OcrUnavailable(OcrError):  # noqa: N818 - a state, not an error of the image
    """Tesseract or its German language data is not installed (scripts/tesseract.sh)."""


@dataclass(frozen=True)
class PreparedProof:
    """An accepted upload. For images `data` is the cleaned re-encoding (no metadata), for
    PDFs the original bytes. `text` is the PDF's text layer ("" for images and scans);
    width/height are pixels for images and points of the first page for PDFs."""

    kind: ProofKind
    content_type: str
    data: bytes
    text: str
    width: int
    height: int
    pages: int = 1
    needs_ocr_of_pdf: bool = False


@dataclass(frozen=True)
class OcrResult:
    text: str
    confidence: int  # mean word confidence 0-100, weighted by word length
    seconds: float  # wall time of the whole call, tries included
    rotation: int = 0  # degrees (counter-clockwise) the image was turned for this reading
    tries: int = 1


@dataclass(frozen=True)
class ReceiptFacts:
    amount_cents: int | None
    date: date | None
    payer_iban: str | None
    reference: str | None
    account_numbers: list[str] = field(default_factory=list)
    invoice_numbers: list[str] = field(default_factory=list)
    confidence: Confidence = "none"
    notes: list[str] = field(default_factory=list)
    posting_numbers: list[str] = field(default_factory=list)
    recipient_iban: str | None = None


@dataclass(frozen=True)
class ProofReading:
    """What `read_proof` found: the facts and where the text came from."""

    facts: ReceiptFacts
    source: Literal["pdf_text", "ocr", "none"]
    ocr: OcrResult | None = None


# --- upload -------------------------------------------------------------------------------


def prepare_upload(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_pixels: int = DEFAULT_MAX_PIXELS
) -> PreparedProof:
    """Check an uploaded proof of payment and make it safe to store and show
    (kc.core.uploads), with the text layer of a PDF for reading it.

    Raises ProofRejected with a German message for everything that is not accepted.
    """
    try:
        upload = uploads.prepare_upload(
            data, max_bytes=max_bytes, max_pixels=max_pixels, max_pdf_pages=None
        )
    except uploads.UploadRejected as error:
        raise ProofRejected(str(error), code=error.code) from error
    if upload.kind == "image":
        return PreparedProof(
            kind="image",
            content_type=upload.content_type,
            data=upload.data,
            text="",
            width=upload.width,
            height=upload.height,
        )
    if upload.pages > MAX_PDF_PAGES:
        raise ProofRejected(
            f"Das PDF hat {upload.pages} Seiten; ein Zahlbeleg hat höchstens {MAX_PDF_PAGES}.",
            code="pdf_pages",
        )
    text = _pdf_text(upload.data)
    return PreparedProof(
        kind="pdf",
        content_type=upload.content_type,
        data=upload.data,
        text=text,
        width=upload.width,
        height=upload.height,
        pages=upload.pages,
        needs_ocr_of_pdf=len(re.sub(r"\s", "", text)) < MIN_PDF_TEXT,
    )


def _pdf_text(data: bytes) -> str:
    """The text layer of a PDF that kc.core.uploads has accepted."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            reader.decrypt("")
        text = "\n".join(_page_text(page) for page in reader.pages)
    except Exception as exc:  # pypdf raises many kinds on a broken file
        raise ProofRejected("PDF beschädigt oder unvollständig übertragen.", code="broken") from exc
    return _clean_text(text)


def _page_text(page: PageObject) -> str:
    """The page's text with rows kept together (label and value on one line, as OCR gives
    them); the plain extraction when the layout one fails on an odd PDF."""
    try:
        return page.extract_text(extraction_mode="layout") or ""
    except Exception:  # noqa: BLE001 - pypdf raises many kinds on odd content streams
        return page.extract_text() or ""


def _clean_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def render_pdf_page(data: bytes, *, timeout_s: float = 20, max_side: int = OCR_MAX_SIDE) -> bytes:
    """The PDF's first page as a PNG for OCR (poppler's pdftoppm); OcrUnavailable without it.

    -scale-to bounds the size whatever page size the PDF declares.
    """
    binary = shutil.which("pdftoppm")
    if binary is None:
        raise OcrUnavailable("pdftoppm (poppler-utils) ist nicht installiert")
    with tempfile.TemporaryDirectory(prefix="kc-receipt-") as tmp:
        source = os.path.join(tmp, "in.pdf")
        with open(source, "wb") as handle:
            handle.write(data)
        target = os.path.join(tmp, "page")
        command = [binary, "-png", "-f", "1", "-l", "1", "-singlefile"]
        command += ["-scale-to", str(max_side), source, target]
        try:
            subprocess.run(command, capture_output=True, timeout=timeout_s, check=True)  # noqa: S603  # nosec B603
        except subprocess.TimeoutExpired as exc:
            raise OcrError(f"pdftoppm: nach {timeout_s:g} s abgebrochen") from exc
        except subprocess.CalledProcessError as exc:
            raise OcrError(f"pdftoppm: {exc.stderr.decode(errors='replace')[:200]}") from exc
        with open(target + ".png", "rb") as handle:
            return handle.read()


# --- OCR ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tesseract:
    binary: str
    langs: str  # the -l argument
    osd: bool  # orientation detection data installed


@cache
def _tesseract() -> _Tesseract:
    binary = shutil.which("tesseract")
    if binary is None:
        raise OcrUnavailable("tesseract ist nicht installiert (scripts/tesseract.sh install)")
    listed = subprocess.run(  # noqa: S603  # nosec B603
        [binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
    )
    installed = set(listed.stdout.split()[1:]) if listed.returncode == 0 else set()
    if "deu" not in installed:
        raise OcrUnavailable("Tesseract hat keine deutschen Sprachdaten (tesseract-ocr-deu)")
    # German only: adding eng costs ~0.2 s per call and read nothing better on our receipts
    # (IBAN, BIC, EUR are plain Latin letters for the German model too).
    return _Tesseract(binary, "deu", "osd" in installed)


def ocr(image: bytes, *, timeout_s: float = 20) -> OcrResult:
    """Read the text of a receipt image with Tesseract (German), single-threaded.

    The page is read as one block (--psm 6: label and value of a row stay on one line).
    Small skew (a few degrees) Tesseract handles itself. A reading with a mean confidence
    below GOOD_OCR_CONFIDENCE may be a page lying sideways or upside down (a photo without
    an EXIF orientation): Tesseract's orientation detection says how to turn it, and the
    turned page is read once more; the better reading is kept. Without the detection data
    the three other rotations are tried in turn. timeout_s bounds the whole call.
    """
    started = time.monotonic()
    deadline = started + timeout_s
    engine = _tesseract()
    page = _ocr_input(image)

    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise OcrError(f"OCR nach {timeout_s:g} s abgebrochen")
        return left

    confidence, text = _read(engine, page, remaining())
    best, tries = (confidence, text, 0), 1
    if confidence < GOOD_OCR_CONFIDENCE and text:
        turns: tuple[int, ...] = (270, 90, 180)
        if engine.osd:
            detected = _detect_rotation(engine, page, remaining())
            turns = (detected,) if detected else ()
        for turn in turns:
            try:
                confidence, text = _read(engine, page.rotate(turn, expand=True), remaining())
            except OcrError:
                break  # out of time: keep what was read
            tries += 1
            if confidence > best[0]:
                best = (confidence, text, turn)
            if confidence >= GOOD_OCR_CONFIDENCE:
                break
    return OcrResult(
        text=best[1],
        confidence=best[0],
        seconds=round(time.monotonic() - started, 3),
        rotation=best[2],
        tries=tries,
    )


def _ocr_input(data: bytes) -> Image.Image:
    """Greyscale, bounded size, contrast stretched (phone photos are grey on grey)."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.width * opened.height > DEFAULT_MAX_PIXELS:
                raise OcrError("Bild zu groß für OCR")
            opened.draft("L", (OCR_MAX_SIDE, OCR_MAX_SIDE))
            image = ImageOps.exif_transpose(opened).convert("L")
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise OcrError("Bild nicht lesbar") from exc
    image.thumbnail((OCR_MAX_SIDE, OCR_MAX_SIDE), Image.Resampling.LANCZOS)
    longest = max(image.size)
    if longest < OCR_MIN_SIDE:
        # A 150 dpi scan has an x-height of ~13 px, below what Tesseract reads well: enlarged,
        # 28 instead of 26 of 30 generated scans were read without a wrong digit (+0.06 s).
        factor = min(OCR_MIN_SIDE / longest, 2.5)
        size = (round(image.width * factor), round(image.height * factor))
        image = image.resize(size, Image.Resampling.LANCZOS)
    # 1 % clipped on both ends: dark desk and glare do not set the range for the paper.
    return ImageOps.autocontrast(image, cutoff=1)


def _tesseract_run(
    engine: _Tesseract, image: Image.Image, args: list[str], timeout: float
) -> tuple[str, str]:
    """stdout and stderr of one Tesseract call on the image."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)  # speed over size: it only goes down a pipe
    # One thread: the target is per core, and OpenMP threads only fight the worker pool.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    command = [engine.binary, "stdin", "stdout", "--dpi", "300", *args]
    try:
        done = subprocess.run(  # noqa: S603  # nosec B603
            command, input=buffer.getvalue(), capture_output=True, timeout=timeout, env=env
        )
    except subprocess.TimeoutExpired as exc:
        raise OcrError("OCR abgebrochen: Zeit überschritten") from exc
    output = done.stdout.decode("utf-8", errors="replace")
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip()[-300:]
        raise OcrError(f"tesseract: Exit {done.returncode}: {detail}")
    return output, done.stderr.decode("utf-8", errors="replace")


def _read(engine: _Tesseract, image: Image.Image, timeout: float) -> tuple[int, str]:
    tsv, _ = _tesseract_run(engine, image, ["-l", engine.langs, "--psm", "6", "tsv"], timeout)
    return _parse_tsv(tsv)


_OSD_ROTATE = re.compile(r"^Rotate: (\d+)", re.MULTILINE)
_OSD_CONFIDENCE = re.compile(r"^Orientation confidence: ([\d.]+)", re.MULTILINE)


def _detect_rotation(engine: _Tesseract, page: Image.Image, timeout: float) -> int:
    """Degrees (counter-clockwise, as Image.rotate takes them) that put the text upright;
    0 when the page is upright or the detection is unsure. On a copy of at most 1400 px:
    the detection was as right there as on the full page and takes half the time."""
    small = page.copy()
    small.thumbnail((1400, 1400), Image.Resampling.LANCZOS)
    try:
        # "Too few characters" is exit 0 or 1 depending on the version: both mean unsure.
        out, err = _tesseract_run(engine, small, ["-l", "osd", "--psm", "0"], timeout)
    except OcrError:
        return 0
    report = out + err
    rotate, sure = _OSD_ROTATE.search(report), _OSD_CONFIDENCE.search(report)
    if rotate is None or sure is None or float(sure.group(1)) < 1.0:
        return 0
    # Tesseract says how far to turn clockwise; Image.rotate turns counter-clockwise.
    return (360 - int(rotate.group(1))) % 360


def _parse_tsv(tsv: str) -> tuple[int, str]:
    """Text by lines and the mean word confidence, weighted by word length."""
    lines: dict[tuple[str, str, str, str], list[str]] = {}
    weight = total = 0.0
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5":  # level 5: a word
            continue
        word = cells[11].strip()
        conf = float(cells[10])
        if not word or conf < 0:
            continue
        lines.setdefault((cells[1], cells[2], cells[3], cells[4]), []).append(word)
        weight += len(word)
        total += conf * len(word)
    text = "\n".join(" ".join(words) for words in lines.values())
    return (round(total / weight) if weight else 0), text


def read_proof(
    proof: PreparedProof, *, own_ibans: Collection[str] = (), timeout_s: float = 20
) -> ProofReading:
    """The facts of a prepared proof: from the PDF's text layer, else by OCR.

    A scanned PDF is rendered with pdftoppm when it is installed; without it the proof goes
    to a person (facts with confidence "none" and a note). A missing Tesseract raises
    OcrUnavailable: that is a broken installation, not a bad receipt.
    """
    if proof.kind == "pdf" and not proof.needs_ocr_of_pdf:
        return ProofReading(read_receipt(proof.text, own_ibans=own_ibans), "pdf_text")
    image = proof.data
    if proof.kind == "pdf":
        try:
            image = render_pdf_page(proof.data, timeout_s=timeout_s)
        except OcrError as exc:
            note = f"PDF ohne Text, nicht gelesen ({exc}): bitte selbst prüfen."
            return ProofReading(_nothing([note]), "none")
    result = ocr(image, timeout_s=timeout_s)
    facts = read_receipt(result.text, own_ibans=own_ibans)
    if facts.confidence == "high" and result.confidence < GOOD_OCR_CONFIDENCE:
        facts = _with(facts, "low", f"OCR unsicher (Konfidenz {result.confidence} %).")
    return ProofReading(facts, "ocr", result)


# --- reading the facts ----------------------------------------------------------------------

# IBAN length per SEPA country; BBANs of the second set are digits only (OCR fixes apply).
_IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
    "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28,
    "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31,
    "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    "VA": 22,
}  # fmt: skip
_NUMERIC_BBAN = {
    "AT", "BE", "CZ", "DE", "DK", "EE", "ES", "FI", "HR", "HU", "IS", "LT", "NO", "PL", "PT",
    "SE", "SI", "SK",
}  # fmt: skip
# Letters OCR reads in place of digits (only applied where digits must stand).
_DIGIT_LOOKALIKES = str.maketrans("OoQDIl|i!SsBZz", "00001111155822")

_IBAN_START = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2}) ?([0-9OoQDIl|]{2})")
_IBAN_BODY = re.compile(r"(?: ?[A-Za-z0-9|!]){11,40}")

_PAYER_LABELS = (
    "auftraggeber", "kontoinhaber", "einzahler", "zahler", "absender", "von konto",
    "ihre iban", "ihr konto", "zahlungspflichtig", "belastet", "abbuchung von",
)  # fmt: skip
_RECIPIENT_LABELS = ("empfänger", "empfaenger", "begünstigt", "beguenstigt", "gutschrift auf")

_AMOUNT_LABELS = (  # (label, rank): lower ranks win
    ("überweisungsbetrag", 0), ("einzahlungsbetrag", 0), ("zahlbetrag", 0),
    ("zahlungsbetrag", 0), ("betrag", 1), ("gesamtbetrag", 1), ("summe", 2),
)  # fmt: skip
_NOT_PAID_LABELS = (
    "entgelt", "gebühr", "gebuehr", "provision", "kontostand", "saldo", "verfügbar",
    "verfuegbar", "dispo", "limit",
)  # fmt: skip
_DATE_LABELS = (
    ("ausführungsdatum", 0), ("ausgeführt am", 0), ("ausfuehrungsdatum", 0),
    ("buchungstag", 0), ("buchungsdatum", 0), ("überweisungsdatum", 0),
    ("einzahlungsdatum", 0), ("zahlungsdatum", 0), ("wertstellung", 1), ("valuta", 1),
    ("datum", 2), ("erstellt", 4), ("gedruckt", 4), ("druckdatum", 4), ("fällig", 4),
)  # fmt: skip
_REFERENCE_LABELS = ("verwendungszweck", "verwendungszw", "zahlungsreferenz", "referenz", "zweck")
_ANY_LABEL = (
    *_PAYER_LABELS, *_RECIPIENT_LABELS, *(label for label, _ in _AMOUNT_LABELS),
    *_NOT_PAID_LABELS, *(label for label, _ in _DATE_LABELS), *_REFERENCE_LABELS,
    "iban", "bic", "bank", "kreditinstitut", "beleg",
)  # fmt: skip

_D = r"[0-9OoIl]"  # a digit as OCR may print it
_AMOUNT = re.compile(
    rf"(?<![0-9.,])([-−–]\s?)?((?:{_D}{{1,3}}(?:[. ]{_D}{{3}})+)|{_D}{{1,7}})"
    rf"\s?[,]\s?({_D}{{2}})(?![0-9])"
)
_DOT_DECIMAL = re.compile(r"(?<![0-9.,])(\d{1,7})\.(\d{2})(?![0-9.,])")
_CURRENCY = re.compile(r"(?:€|\bEUR\b|\bEuro\b|\bE\b)", re.IGNORECASE)
# OCR turns a date's dot into "," or "‚" now and then: one of the two must stay a dot.
_DATE_NUMERIC = re.compile(
    rf"(?<![0-9])({_D}{{1,2}})\s?([.,‚])\s?({_D}{{1,2}})\s?([.,‚])\s?({_D}{{4}}|{_D}{{2}})(?![0-9])"
)
_DATE_ISO = re.compile(r"(?<![0-9])(\d{4})-(\d{2})-(\d{2})(?![0-9])")
_MONTHS = {
    "januar": 1, "jan": 1, "februar": 2, "feb": 2, "märz": 3, "maerz": 3, "mär": 3, "april": 4,
    "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "dezember": 12, "dez": 12,
}  # fmt: skip
_DATE_WORDS = re.compile(r"(?<![0-9])(\d{1,2})\.\s?([A-Za-zäÄ]{3,9})\.?\s+(\d{4})(?![0-9])")
_ACCOUNT = re.compile(rf"(?<![0-9A-Za-z])4(?: ?{_D}){{11}}(?![0-9])")
_INVOICE = re.compile(rf"(?<![0-9A-Za-z])R ?((?:{_D}){{8}})(?![0-9A-Za-z])")
_POSTING = re.compile(rf"(?<![0-9A-Za-z])(?:BU|8U) ?((?:{_D}){{10}})(?![0-9A-Za-z])")


def read_receipt(text: str, *, own_ibans: Collection[str] = ()) -> ReceiptFacts:
    """The payment facts on a German receipt (OCR or PDF text). Pure; never raises.

    own_ibans: the utility's own accounts; such an IBAN is the recipient, never the payer.
    Confidence "high": a labelled amount, a date and something that names the customer (our
    account or invoice number, or the payer's IBAN), without contradictions; "none": neither
    amount nor a number or IBAN found (a person must read it); "low" otherwise.
    """
    lines = _clean_text(text).splitlines()
    notes: list[str] = []
    own = {_compact(iban) for iban in own_ibans}

    payer_iban, recipient_iban, iban_spans = _find_ibans(lines, own, notes)
    # Numbers inside an IBAN are not our numbers: blank the IBANs out before looking.
    plain = [_blank(line, iban_spans.get(index, [])) for index, line in enumerate(lines)]
    amount, amount_rank = _find_amount(plain, notes)
    found_date, date_rank = _find_date(plain, notes)
    reference = _find_reference(lines)
    joined = "\n".join(plain)
    accounts = _unique(_digits(match.group(0)) for match in _ACCOUNT.finditer(joined))
    invoices = _unique("R" + _digits(m.group(1)) for m in _INVOICE.finditer(joined))
    postings = _unique("BU" + _digits(m.group(1)) for m in _POSTING.finditer(joined))

    names_customer = bool(accounts or invoices or payer_iban)
    if amount is None and not names_customer and not postings:
        confidence: Confidence = "none"
    elif (
        amount is not None
        and amount_rank <= 2
        and found_date is not None
        and date_rank <= 2
        and names_customer
        and not any(note.startswith(("Mehrere", "Widersprüchlich")) for note in notes)
    ):
        confidence = "high"
    else:
        confidence = "low"
    if amount is None:
        notes.append("Kein Betrag erkannt.")
    if found_date is None:
        notes.append("Kein Datum erkannt.")
    if not names_customer:
        notes.append("Weder Vertragskonto, Rechnungsnummer noch IBAN des Zahlers erkannt.")
    return ReceiptFacts(
        amount_cents=amount,
        date=found_date,
        payer_iban=payer_iban,
        reference=reference,
        account_numbers=accounts,
        invoice_numbers=invoices,
        confidence=confidence,
        notes=notes,
        posting_numbers=postings,
        recipient_iban=recipient_iban,
    )


def _nothing(notes: list[str]) -> ReceiptFacts:
    return ReceiptFacts(None, None, None, None, confidence="none", notes=notes)


def _with(facts: ReceiptFacts, confidence: Confidence, note: str) -> ReceiptFacts:
    from dataclasses import replace

    return replace(facts, confidence=confidence, notes=[*facts.notes, note])


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _digits(text: str) -> str:
    return re.sub(r"\s", "", text).translate(_DIGIT_LOOKALIKES)


def _compact(iban: str) -> str:
    return re.sub(r"\s", "", iban).upper()


def _blank(line: str, spans: list[tuple[int, int]]) -> str:
    for start, end in spans:
        line = line[:start] + " " * (end - start) + line[end:]
    return line


def iban_is_valid(iban: str) -> bool:
    """ISO 13616 check digits (mod 97) and the country's length."""
    compact = _compact(iban)
    if _IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def format_iban(iban: str) -> str:
    compact = _compact(iban)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _find_ibans(
    lines: list[str], own: set[str], notes: list[str]
) -> tuple[str | None, str | None, dict[int, list[tuple[int, int]]]]:
    payer: str | None = None
    recipient: str | None = None
    unlabelled: list[str] = []
    spans: dict[int, list[tuple[int, int]]] = {}
    for index, line in enumerate(lines):
        for start in _IBAN_START.finditer(line):
            country = start.group(1)
            length = _IBAN_LENGTHS.get(country)
            if length is None:
                continue
            body = _IBAN_BODY.match(line, start.end())
            raw = line[start.start() : body.end() if body else start.end()]
            iban, used = _iban_from(raw, country, length)
            if iban is None and sum(char.isdigit() for char in raw[:used]) < 12:
                continue  # two capitals and two digits, nothing like an IBAN
            # Its digits are no account number, even when the IBAN itself is misread.
            spans.setdefault(index, []).append((start.start(), start.start() + used))
            if iban is None:
                shown = raw[:used].strip()
                notes.append(f"IBAN nicht lesbar oder Prüfziffer falsch: {shown}")
                continue
            label = line[: start.start()].lower()
            if not label.strip() and index > 0 and not _IBAN_START.search(lines[index - 1]):
                label = lines[index - 1].lower()  # label on the line above (app layouts)
            if iban in own or any(word in label for word in _RECIPIENT_LABELS):
                recipient = recipient or iban
            elif any(word in label for word in _PAYER_LABELS):
                payer = payer or iban
            else:
                unlabelled.append(iban)
    if payer is None:
        others = [iban for iban in unlabelled if iban != recipient]
        if others:
            payer = others[0]
            notes.append("IBAN ohne Bezeichnung als IBAN des Zahlers angenommen.")
    return (
        format_iban(payer) if payer else None,
        format_iban(recipient) if recipient else None,
        spans,
    )


def _iban_from(raw: str, country: str, length: int) -> tuple[str | None, int]:
    """The valid IBAN at the start of raw (None if invalid) and how many characters of raw
    it takes (spaces included)."""
    chars: list[str] = []
    used = 0
    for position, char in enumerate(raw):
        if char == " ":
            continue
        chars.append(char)
        used = position + 1
        if len(chars) == length:
            break
    if len(chars) < length:
        return None, used
    candidate = "".join(chars).upper()
    check = candidate[2:4].translate(_DIGIT_LOOKALIKES)
    bban = candidate[4:]
    if country in _NUMERIC_BBAN:
        bban = "".join(chars[4:]).translate(_DIGIT_LOOKALIKES)
    iban = country + check + bban
    return (iban if iban_is_valid(iban) else None), used


def _label_rank(line: str, labels: tuple[tuple[str, int], ...]) -> int | None:
    lowered = line.lower()
    ranks = [rank for label, rank in labels if label in lowered]
    return min(ranks) if ranks else None


def _amounts_in(line: str) -> list[tuple[int, int, bool]]:
    """Amounts (cents, position, has a currency next to it) in a line."""
    found: list[tuple[int, int, bool]] = []
    for match in _AMOUNT.finditer(line):
        if not re.search(r"[0-9]", match.group(2)):
            continue  # letters only ("lo,Ol"): not a number misread, just text
        whole = _digits(match.group(2).replace(".", "").replace(" ", ""))
        cents = int(whole) * 100 + int(_digits(match.group(3)))
        around = line[max(0, match.start() - 5) : match.end() + 5]
        found.append((cents, match.start(), bool(_CURRENCY.search(around))))
    for match in _DOT_DECIMAL.finditer(line):  # 312.00 EUR (English-style screenshots)
        around = line[max(0, match.start() - 5) : match.end() + 5]
        if _CURRENCY.search(around):
            found.append((int(match.group(1)) * 100 + int(match.group(2)), match.start(), True))
    return found


def _find_amount(lines: list[str], notes: list[str]) -> tuple[int | None, int]:
    """The paid amount in cents and its rank (0-2 labelled, 3 only a currency, 9 none)."""
    candidates: list[tuple[int, int]] = []  # rank, cents
    for index, line in enumerate(lines):
        lowered = line.lower()
        rank = _label_rank(line, _AMOUNT_LABELS)
        if any(word in lowered for word in _NOT_PAID_LABELS):
            continue  # a fee or a balance, not what was paid
        amounts = _amounts_in(line)
        if rank is not None and not amounts and index + 1 < len(lines):
            # Label above the value (banking apps): take the next line's amount.
            following = lines[index + 1]
            if _label_rank(following, _AMOUNT_LABELS) is None:
                amounts = _amounts_in(following)
        if rank is not None and amounts:
            candidates.append((rank, amounts[0][0]))
        elif rank is None:
            candidates.extend((3, cents) for cents, _, currency in amounts if currency)
    candidates = [(rank, cents) for rank, cents in candidates if cents > 0]
    if not candidates:
        return None, 9
    best_rank = min(rank for rank, _ in candidates)
    values = _unique(str(cents) for rank, cents in candidates if rank == best_rank)
    if len(values) > 1:
        shown = ", ".join(_euro(int(value)) for value in values)
        notes.append(f"Mehrere Beträge erkannt: {shown}; der erste ist übernommen.")
    if best_rank >= 3:
        notes.append("Betrag ohne Bezeichnung erkannt.")
    return int(values[0]), best_rank


def _euro(cents: int) -> str:
    euros, rest = divmod(cents, 100)
    return f"{euros:,}".replace(",", ".") + f",{rest:02d} €"


def _dates_in(line: str) -> list[date]:
    found: list[tuple[int, date]] = []
    for match in _DATE_NUMERIC.finditer(line):
        if sum(char.isdigit() for char in match.group(0)) < 4 or "." not in match.group(2, 4):
            continue
        day, month, year = (int(_digits(group)) for group in match.group(1, 3, 5))
        if year < 100:
            year += 2000
        found.extend((match.start(), value) for value in _valid_date(year, month, day))
    for match in _DATE_ISO.finditer(line):
        year, month, day = (int(group) for group in match.groups())
        found.extend((match.start(), value) for value in _valid_date(year, month, day))
    for match in _DATE_WORDS.finditer(line):
        month_number = _MONTHS.get(match.group(2).lower())
        if month_number:
            dated = _valid_date(int(match.group(3)), month_number, int(match.group(1)))
            found.extend((match.start(), value) for value in dated)
    return [value for _, value in sorted(found, key=lambda item: item[0])]


def _valid_date(year: int, month: int, day: int) -> list[date]:
    if not 2000 <= year <= 2099:
        return []
    try:
        return [date(year, month, day)]
    except ValueError:
        return []


def _find_date(lines: list[str], notes: list[str]) -> tuple[date | None, int]:
    candidates: list[tuple[int, date]] = []
    for index, line in enumerate(lines):
        rank = _label_rank(line, _DATE_LABELS)
        dates = _dates_in(line)
        if rank is not None and not dates and index + 1 < len(lines):
            following = lines[index + 1]
            if _label_rank(following, _DATE_LABELS) is None:
                dates = _dates_in(following)
        candidates.extend((3 if rank is None else rank, value) for value in dates[:1])
        if rank is None:
            candidates.extend((3, value) for value in dates[1:])
    if not candidates:
        return None, 9
    best_rank = min(rank for rank, _ in candidates)
    values = _unique(value.isoformat() for rank, value in candidates if rank == best_rank)
    if len(values) > 1 and best_rank <= 2:
        notes.append(f"Mehrere Daten erkannt: {', '.join(values)}; das erste ist übernommen.")
    if best_rank >= 3:
        notes.append("Datum ohne Bezeichnung erkannt.")
    return date.fromisoformat(values[0]), best_rank


def _find_reference(lines: list[str]) -> str | None:
    """The Verwendungszweck (or, without one, a labelled payment reference)."""
    for label in _REFERENCE_LABELS:  # by priority, over all lines
        for index, line in enumerate(lines):
            lowered = line.lower()
            if label not in lowered:
                continue
            rest = line[lowered.index(label) + len(label) :]
            rest = re.sub(r"^[A-Za-zäöüß.]*\s*[:.\-]?\s*", "", rest)  # "Verwendungszweck:" etc.
            parts = [rest] if rest else []
            # Continuation lines (a wrapped Verwendungszweck) as long as they carry numbers
            # and start no other row.
            for following in lines[index + 1 : index + 4]:
                if any(word in following.lower() for word in _ANY_LABEL):
                    break
                if not re.search(r"\d{4}", following):
                    break
                parts.append(following)
            reference = " ".join(parts).strip()
            if reference:
                return reference[:280]
    return None
