"""Check a customer's upload by its content and make it safe to store and show.

Pure (no ORM): callers store the prepared bytes and scan them with clamd.

- The size is checked first, before a single byte is looked at.
- The type comes from the content only (a file name or the browser's content type can lie):
  JPEG, PNG, WebP and (if allowed) PDF; HEIC only when a Pillow plug-in can open it.
- Images: the pixel count is checked on the header before anything is decoded (decompression
  bombs), the picture is turned upright by its EXIF orientation, flattened to RGB or greyscale
  on white paper and re-encoded from the raw pixels, so no metadata survives (EXIF incl. GPS,
  XMP, ICC, PNG text). PNG stays PNG (screenshots stay crisp), everything else becomes JPEG.
- PDFs: kept as they are after a sanity check (readable, not password protected, has pages,
  not too many).

Messages (UploadRejected) are German, for customers and staff alike.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from typing import IO, Literal

import filetype  # type: ignore[import-untyped]
from django.utils.translation import gettext as _
from PIL import Image, ImageOps
from pypdf import PdfReader

from kc.core.validation import Refusal

MiB = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MiB
DEFAULT_MAX_PIXELS = 40_000_000
# Longest side of a stored image: enough for a person (or OCR) to read a phone photo.
STORED_MAX_SIDE = 3000
JPEG_QUALITY = 90
DEFAULT_MAX_PDF_PAGES = 20

UploadKind = Literal["image", "pdf"]

# Pillow format per MIME type that filetype reports.
_IMAGE_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/heic": "HEIF",
    "image/heif": "HEIF",
}
_TYPE_NAMES = {
    "application/pdf": "PDF",
    "image/heic": "HEIC-Foto",
    "image/heif": "HEIF-Foto",
    "image/gif": "GIF-Bild",
    "image/tiff": "TIFF-Bild",
    "image/bmp": "BMP-Bild",
    "image/avif": "AVIF-Bild",
    "application/zip": "ZIP-Archiv",
    "application/x-msdownload": "Programmdatei (EXE)",
    "application/x-executable": "Programmdatei",
    "application/x-rar-compressed": "RAR-Archiv",
    "application/x-7z-compressed": "7z-Archiv",
    "application/gzip": "GZIP-Archiv",
}
_PILLOW_ERRORS = (OSError, SyntaxError, ValueError, EOFError, KeyError, IndexError)


class UploadRejected(Refusal):
    """The upload is not accepted; the message (German) can be shown to customer and staff.
    `code` names the reason for callers that react to it (e.g. "too_large", "type")."""

    def __init__(self, message: str, *, code: str = "rejected") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class PreparedUpload:
    """An accepted upload. For images `data` is the clean re-encoding (no metadata), for PDFs
    the original bytes; width/height are pixels for images and points of the first page for
    PDFs; `extension` (no dot) fits `content_type` for a stored file name."""

    kind: UploadKind
    content_type: str
    data: bytes
    extension: str
    width: int
    height: int
    pages: int = 1


def read_upload(stream: IO[bytes], *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of an uploaded file, refused by its declared size (Django's UploadedFile
    has `.size`) before reading, and never reading more than max_bytes + 1."""
    declared = getattr(stream, "size", None)
    if isinstance(declared, int) and declared > max_bytes:
        raise _too_large(declared, max_bytes)
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes)
    return data


def prepare_upload(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    allow_pdf: bool = True,
    max_pdf_pages: int | None = DEFAULT_MAX_PDF_PAGES,
    max_side: int = STORED_MAX_SIDE,
) -> PreparedUpload:
    """Check an upload (photo, screenshot or PDF) and make it safe to store and show.

    Raises UploadRejected with a German message for everything that is not accepted.
    `max_pdf_pages=None` leaves the page count to the caller.
    """
    if len(data) > max_bytes:  # first: nothing else is looked at in a file that is too large
        raise _too_large(len(data), max_bytes)
    if not data:
        raise UploadRejected(_("Die Datei ist leer."), code="empty")
    guess = filetype.guess(data)
    mime: str = guess.mime if guess is not None else ""
    if mime == "application/pdf" and allow_pdf:
        return _prepare_pdf(data, max_pdf_pages)
    pillow_format = _IMAGE_FORMATS.get(mime)
    if pillow_format is not None and _pillow_opens(pillow_format):
        return _prepare_image(data, pillow_format, max_pixels, max_side)
    allowed = _allowed(allow_pdf)
    if mime in ("image/heic", "image/heif"):
        raise UploadRejected(
            _(
                "Dateityp nicht erlaubt: {name}. Bitte das Foto als JPEG senden (in der Kamera "
                "„Maximale Kompatibilität“ wählen) oder einen Screenshot. {allowed}"
            ).format(name=_TYPE_NAMES[mime], allowed=allowed),
            code="heic",
        )
    name = _TYPE_NAMES.get(mime) or (f"{guess.extension.upper()}-Datei" if guess else None)
    raise UploadRejected(
        _("Dateityp nicht erlaubt: {name}. {allowed}").format(
            name=name or _("unbekannt"), allowed=allowed
        ),
        code="type",
    )


def _allowed(allow_pdf: bool) -> str:
    if allow_pdf:
        return _("Erlaubt sind Fotos (JPEG, PNG, WebP) und PDF.")
    return _("Erlaubt sind Fotos (JPEG, PNG, WebP).")


def _too_large(size: int, max_bytes: int) -> UploadRejected:
    return UploadRejected(
        _("Datei zu groß: {size} MB, erlaubt sind höchstens {limit} MB.").format(
            size=_megabytes(size), limit=_megabytes(max_bytes)
        ),
        code="too_large",
    )


def _megabytes(size: int) -> str:
    return f"{size / MiB:.1f}".replace(".", ",")


@cache
def _pillow_opens(pillow_format: str) -> bool:
    Image.init()  # registers the plug-ins (HEIF only when e.g. pillow-heif is installed)
    return pillow_format in Image.OPEN


def _prepare_image(
    data: bytes, pillow_format: str, max_pixels: int, max_side: int
) -> PreparedUpload:
    image = _decode(data, pillow_format, max_pixels, max_side)
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    # A new image from the raw pixels carries no info dict: no EXIF, GPS, XMP, ICC, text.
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    out = io.BytesIO()
    if pillow_format == "PNG":  # screenshots: lossless keeps the text crisp
        clean.save(out, "PNG", optimize=False, compress_level=6)
        content_type, extension = "image/png", "png"
    else:
        clean.save(out, "JPEG", quality=JPEG_QUALITY, subsampling=0)
        content_type, extension = "image/jpeg", "jpg"
    return PreparedUpload(
        kind="image",
        content_type=content_type,
        data=out.getvalue(),
        extension=extension,
        width=clean.width,
        height=clean.height,
    )


def _decode(data: bytes, pillow_format: str, max_pixels: int, max_side: int) -> Image.Image:
    """The picture upright and flattened; the pixel limit is checked on the header."""
    try:
        with Image.open(io.BytesIO(data), formats=[pillow_format]) as opened:
            # Checked before a single pixel is decoded: a decompression bomb declares its
            # size. (Pillow's own global limit stays as a second line.)
            width, height = opened.size
            if width * height > max_pixels:
                raise UploadRejected(
                    _(
                        "Bild zu groß: {width} × {height} Pixel, erlaubt sind höchstens "
                        "{limit} Megapixel."
                    ).format(width=width, height=height, limit=max_pixels // 1_000_000),
                    code="too_many_pixels",
                )
            if width < 1 or height < 1:
                raise UploadRejected(_("Bild beschädigt: es hat keine Pixel."), code="broken")
            # A large JPEG can be decoded at 1/2, 1/4 or 1/8 scale: much less memory and time.
            opened.draft(None, (max_side, max_side))
            opened.load()
            return _flatten(ImageOps.exif_transpose(opened))
    except UploadRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise UploadRejected(_("Bild zu groß: zu viele Pixel."), code="too_many_pixels") from exc
    except _PILLOW_ERRORS as exc:
        # Truncated or corrupt data, broken EXIF: Pillow raises one of these.
        raise UploadRejected(
            _("Bild beschädigt oder unvollständig übertragen. Bitte erneut senden."),
            code="broken",
        ) from exc


def _flatten(image: Image.Image) -> Image.Image:
    """RGB or L without transparency or palette (transparent areas become white paper)."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return image.convert("I").point(lambda v: v / 256).convert("L")
    if image.mode == "CMYK":
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    paper.alpha_composite(rgba)
    return paper.convert("RGB")


def _prepare_pdf(data: bytes, max_pages: int | None) -> PreparedUpload:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UploadRejected(
                _("Das PDF ist mit einem Passwort geschützt. Bitte ohne Passwort senden."),
                code="pdf_encrypted",
            )
        pages = len(reader.pages)
        if pages == 0:
            raise UploadRejected(_("PDF beschädigt: es hat keine Seiten."), code="broken")
        if max_pages is not None and pages > max_pages:
            raise UploadRejected(
                _("Das PDF hat {pages} Seiten; erlaubt sind höchstens {limit}.").format(
                    pages=pages, limit=max_pages
                ),
                code="pdf_pages",
            )
        box = reader.pages[0].mediabox
        width, height = round(float(box.width)), round(float(box.height))
    except UploadRejected:
        raise
    except Exception as exc:  # pypdf raises many kinds on a broken file
        raise UploadRejected(
            _("PDF beschädigt oder unvollständig übertragen."), code="broken"
        ) from exc
    return PreparedUpload(
        kind="pdf",
        content_type="application/pdf",
        data=data,
        extension="pdf",
        width=width,
        height=height,
        pages=pages,
    )
