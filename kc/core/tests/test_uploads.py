"""The shared upload check: type by content, size first, pixel bombs, metadata removed, PDFs."""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from typing import Any

import filetype  # type: ignore[import-untyped]
import pytest
from PIL import Image, TiffImagePlugin
from pypdf import PdfWriter

from kc.core import clamd, uploads
from kc.core.uploads import MiB, UploadRejected, prepare_upload, read_upload
from kc.core.validation import Refusal

GPS_IFD = 0x8825


def _image(fmt: str, size: tuple[int, int] = (60, 40), mode: str = "RGB", **save: object) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else 128).save(out, fmt, **save)
    return out.getvalue()


def _photo_with_gps() -> bytes:
    """A JPEG as a phone takes it: GPS position, camera, rotated by its EXIF orientation."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: turn 90° clockwise to view
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = tuple(TiffImagePlugin.IFDRational(Fraction(v)) for v in (51, 30, 0))
    gps[3] = "E"
    gps[4] = tuple(TiffImagePlugin.IFDRational(Fraction(v)) for v in (7, 28, 0))
    return _image("JPEG", size=(80, 40), exif=exif.tobytes())


def _opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _pdf(pages: int = 1, password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- accepted -------------------------------------------------------------------------------


def test_gps_and_all_exif_are_gone_and_the_photo_is_upright() -> None:
    photo = _photo_with_gps()
    source = _opened(photo)
    assert source.getexif().get_ifd(GPS_IFD)  # the test really put a position in
    assert source.size == (80, 40)

    prepared = prepare_upload(photo)

    assert (prepared.kind, prepared.content_type, prepared.extension) == (
        "image",
        "image/jpeg",
        "jpg",
    )
    cleaned = _opened(prepared.data)
    assert len(cleaned.getexif()) == 0
    assert not cleaned.getexif().get_ifd(GPS_IFD)
    assert b"Exif" not in prepared.data and b"PhoneMaker" not in prepared.data
    assert cleaned.size == (40, 80) == (prepared.width, prepared.height)  # turned upright


def test_a_png_stays_png_without_its_text_chunks() -> None:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Erika Mustermann")
    prepared = prepare_upload(_image("PNG", mode="RGBA", pnginfo=info))
    assert (prepared.content_type, prepared.extension) == ("image/png", "png")
    cleaned = _opened(prepared.data)
    assert cleaned.format == "PNG" and cleaned.mode == "RGB"
    assert "Author" not in cleaned.info


def test_webp_becomes_jpeg() -> None:
    prepared = prepare_upload(_image("WEBP"))
    assert (prepared.kind, prepared.content_type) == ("image", "image/jpeg")
    assert _opened(prepared.data).format == "JPEG"


def test_a_pdf_is_kept_as_it_is() -> None:
    pdf = _pdf(pages=2)
    prepared = prepare_upload(pdf)
    assert (prepared.kind, prepared.content_type, prepared.extension) == (
        "pdf",
        "application/pdf",
        "pdf",
    )
    assert prepared.data == pdf
    assert (prepared.width, prepared.height, prepared.pages) == (595, 842, 2)


def test_a_large_image_is_scaled_down() -> None:
    prepared = prepare_upload(_image("PNG", size=(1200, 600)), max_side=300)
    assert (prepared.width, prepared.height) == (300, 150)


# --- refused --------------------------------------------------------------------------------


def test_html_named_jpg_is_refused_by_its_content() -> None:
    html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    with pytest.raises(UploadRejected, match=r"^Dateityp nicht erlaubt: unbekannt\.") as caught:
        prepare_upload(html)  # the name "zaehler.jpg" never reaches this function
    assert caught.value.code == "type"
    assert isinstance(caught.value, Refusal)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(UploadRejected, match=r"^Die Datei ist leer\.$") as caught:
        prepare_upload(b"")
    assert caught.value.code == "empty"


def test_a_200_mb_file_is_refused_by_size_before_anything_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def must_not_look(data: bytes) -> None:
        raise AssertionError("the content of a file that is too large is never looked at")

    monkeypatch.setattr(filetype, "guess", must_not_look)
    huge = b"\xff\xd8\xff\xe0" + bytes(200 * MiB)
    with pytest.raises(UploadRejected, match=r"^Datei zu groß: 200,0 MB, erlaubt") as caught:
        prepare_upload(huge)
    assert caught.value.code == "too_large"


def test_read_upload_refuses_by_declared_size_and_reads_no_more_than_allowed() -> None:
    class Declared(io.BytesIO):
        size = 200 * MiB

        def read(self, size: int | None = -1) -> bytes:
            raise AssertionError("not read")

    with pytest.raises(UploadRejected, match="Datei zu groß"):
        read_upload(Declared(), max_bytes=MiB)
    with pytest.raises(UploadRejected, match="Datei zu groß"):
        read_upload(io.BytesIO(bytes(MiB + 1)), max_bytes=MiB)
    assert read_upload(io.BytesIO(b"abc"), max_bytes=MiB) == b"abc"


def test_a_pdf_is_refused_where_only_photos_are_allowed() -> None:
    with pytest.raises(UploadRejected, match=r"^Dateityp nicht erlaubt: PDF\. Erlaubt sind Fotos"):
        prepare_upload(_pdf(), allow_pdf=False)
    assert prepare_upload(_image("JPEG"), allow_pdf=False).kind == "image"


def test_a_pixel_bomb_is_refused_from_its_header() -> None:
    with pytest.raises(UploadRejected, match=r"^Bild zu groß: 60 × 40 Pixel") as caught:
        prepare_upload(_image("PNG"), max_pixels=1000)
    assert caught.value.code == "too_many_pixels"


def test_broken_images_are_refused() -> None:
    photo = _image("JPEG", size=(400, 300))
    with pytest.raises(UploadRejected, match=r"^Bild beschädigt"):
        prepare_upload(photo[: len(photo) // 3])
    with pytest.raises(UploadRejected, match=r"^Bild beschädigt"):
        prepare_upload(b"\x89PNG\r\n\x1a\n" + bytes(100))


def test_heic_without_a_plugin_asks_for_jpeg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "_pillow_opens", lambda fmt: fmt != "HEIF")
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)
    with pytest.raises(UploadRejected, match=r"HEIC-Foto\. Bitte das Foto als JPEG") as caught:
        prepare_upload(heic)
    assert caught.value.code == "heic"


def test_pdf_sanity() -> None:
    with pytest.raises(UploadRejected, match="Passwort"):
        prepare_upload(_pdf(password="geheim"))
    with pytest.raises(UploadRejected, match=r"^Das PDF hat 3 Seiten; erlaubt sind höchstens 2"):
        prepare_upload(_pdf(pages=3), max_pdf_pages=2)
    assert prepare_upload(_pdf(pages=3), max_pdf_pages=None).pages == 3
    with pytest.raises(UploadRejected, match=r"^PDF beschädigt"):
        prepare_upload(b"%PDF-1.7\n" + bytes(200))


# --- clamd with the configured settings -------------------------------------------------------


@contextmanager
def _fake_clamd(reply: bytes) -> Iterator[int]:
    """A one-connection clamd that reads an INSTREAM and answers `reply`; yields its port."""
    server = socket.create_server(("127.0.0.1", 0))
    port = int(server.getsockname()[1])

    def serve() -> None:
        connection, _address = server.accept()
        with connection:
            received = b""
            while not received.endswith(b"\0\0\0\0"):
                part = connection.recv(65536)
                if not part:
                    break
                received += part
            connection.sendall(reply + b"\0")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        thread.join(timeout=5)
        server.close()


@pytest.mark.parametrize(
    ("reply", "state", "signature"),
    [
        (b"stream: OK", "clean", None),
        (b"stream: Eicar-Test-Signature FOUND", "infected", "Eicar-Test-Signature"),
        (b"INSTREAM size limit exceeded. ERROR", "unavailable", None),
    ],
    ids=["clean", "infected", "size-limit"],
)
def test_scan_configured_answers_clean_infected_or_unavailable(
    settings: Any, reply: bytes, state: str, signature: str | None
) -> None:
    with _fake_clamd(reply) as port:
        settings.KC_CLAMD = {"host": "127.0.0.1", "port": port, "timeout": 5}
        outcome = clamd.scan_configured(b"some bytes")
    assert (outcome.state, outcome.signature) == (state, signature)


def test_scan_configured_without_clamd_is_unavailable(settings: Any) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        free_port = int(probe.getsockname()[1])
    settings.KC_CLAMD = {"host": "127.0.0.1", "port": free_port, "timeout": 2}
    assert clamd.scan_configured(b"x").state == "unavailable"
    settings.KC_CLAMD = {"host": "", "port": 3310, "timeout": 2}
    assert clamd.scan_configured(b"x") == clamd.ScanOutcome(
        "unavailable", detail="clamd ist nicht konfiguriert"
    )
