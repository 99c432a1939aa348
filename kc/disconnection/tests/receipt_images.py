"""Proofs of payment made by the test suite: bank receipts as scans, photos and PDFs.

Every generator is deterministic (no clock, seeded noise), so OCR results are repeatable, and
returns the file's bytes as an upload would bring them. Used by test_receipts.py and the
reconnection benchmark. Text is rendered with the DejaVu fonts shipped for the letters.

Sizes are those of real scans: the base layout is an A5-wide printout at 150 dpi (body text
about 11 pt); `photo=True` renders it larger and puts it into a phone photo (background,
slight rotation and perspective, uneven light, sensor noise, JPEG with EXIF incl. GPS).
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont
from PIL.TiffImagePlugin import IFDRational

FONTS = Path(__file__).resolve().parents[2] / "letters" / "fonts"
REGULAR = FONTS / "DejaVuSans.ttf"
BOLD = FONTS / "DejaVuSans-Bold.ttf"

PAYER_IBAN = "DE02 1203 0000 0000 2020 51"
# The utility's collection account (a valid example IBAN): the recipient on every receipt.
UTILITY_IBAN = "DE89 3704 0044 0532 0130 00"
UTILITY = "Stadtwerke Musterstadt GmbH"
REFERENCE = "Vertragskonto 400000000123 Rechnung R00000042"

# Fixed EXIF of the phone photos: camera, time and a position (a town hall) that must not
# survive the upload.
GPS_LATITUDE = (IFDRational(52), IFDRational(31), IFDRational(1234, 100))
GPS_LONGITUDE = (IFDRational(13), IFDRational(24), IFDRational(3456, 100))


def _font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(BOLD if bold else REGULAR), size)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and font.getlength(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line] if line else lines


def _render(
    bank: str, title: str, rows: Sequence[tuple[str, str]], footer: Sequence[str], scale: float
) -> Image.Image:
    """A white receipt: bank and title on top, label-value rows, small print below."""

    def px(value: float) -> int:
        return round(value * scale)

    head, title_font = _font(px(34), bold=True), _font(px(30), bold=True)
    label_font, value_font, small = _font(px(24)), _font(px(24)), _font(px(18))
    width, margin, value_x = px(1240), px(70), px(460)
    value_width = width - value_x - margin
    # Layout first (how many lines each value takes), then draw on a page of that height.
    wrapped = [(label, _wrap(value, value_font, value_width)) for label, value in rows]
    line_h = px(38)
    height = px(300) + sum(max(1, len(v)) for _, v in wrapped) * line_h + px(40) * len(footer)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    y = px(50)
    draw.text((margin, y), bank, font=head, fill=20)
    y += px(60)
    draw.text((margin, y), title, font=title_font, fill=0)
    y += px(60)
    draw.line((margin, y, width - margin, y), fill=120, width=max(1, px(2)))
    y += px(30)
    for label, values in wrapped:
        draw.text((margin, y), label, font=label_font, fill=60)
        for value in values or [""]:
            draw.text((value_x, y), value, font=value_font, fill=0)
            y += line_h
    y += px(10)
    draw.line((margin, y, width - margin, y), fill=120, width=max(1, px(2)))
    y += px(30)
    for text in footer:
        draw.text((margin, y), text, font=small, fill=70)
        y += px(40)
    return page


def _noise(image: Image.Image, amount: int, seed: int) -> Image.Image:
    """Add seeded sensor-like noise of up to ±amount grey levels (0 = none)."""
    if amount <= 0:
        return image
    rng = random.Random(seed)
    grain = Image.frombytes("L", image.size, rng.randbytes(image.width * image.height))
    # Softened a little: real sensor noise is not independent per pixel after demosaicing.
    grain = grain.filter(ImageFilter.GaussianBlur(0.6)).point(lambda v: v * 2 * amount // 255)
    if image.mode != "L":
        grain = Image.merge(image.mode, [grain] * len(image.getbands()))
    return ImageChops.add(image, grain, offset=-amount)


def _lighting(image: Image.Image) -> Image.Image:
    """Uneven light: a window on one side, shadow on the other (left-to-right and vertical)."""
    w, h = image.size
    small = Image.new("L", (16, 16))
    small.putdata(
        [round(255 - 55 * (x / 15) - 25 * (y / 15)) for y in range(16) for x in range(16)]
    )
    light = small.resize((w, h), Image.Resampling.BICUBIC).convert(image.mode)
    return ImageChops.multiply(image, light)


def _as_photo(page: Image.Image, seed: int) -> Image.Image:
    """The receipt on a desk, photographed by hand: tilted, in perspective, unevenly lit."""
    rng = random.Random(seed)
    paper = page.convert("RGB")
    border_x, border_y = paper.width // 8, paper.height // 6
    desk = Image.new("RGB", (paper.width + 2 * border_x, paper.height + 2 * border_y), (96, 84, 70))
    desk.paste(paper, (border_x, border_y))
    tilted = desk.rotate(
        rng.uniform(1.5, 3.0), resample=Image.Resampling.BICUBIC, fillcolor=(96, 84, 70)
    )
    w, h = tilted.size
    # Perspective: the top edge a little narrower than the bottom (phone held slightly low).
    d = w * 0.03
    quad = (d, 0.0, 0.0, float(h), float(w), float(h), w - d, 0.0)
    warped = tilted.transform(
        (w, h), Image.Transform.QUAD, quad, Image.Resampling.BICUBIC, fillcolor=(96, 84, 70)
    )
    return _lighting(warped)


def _photo_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "KC-Testphone"  # Make
    exif[0x0110] = "Model 7"  # Model
    exif[0x0132] = "2026:11:27 10:15:00"  # DateTime
    exif[0x0131] = "Camera 1.0"  # Software
    if orientation != 1:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)  # GPSInfo
    gps.update({1: "N", 2: GPS_LATITUDE, 3: "E", 4: GPS_LONGITUDE})  # latitude, longitude
    return exif


# The pixels to store so that a viewer applying the EXIF orientation shows the receipt upright.
_STORE_FOR_ORIENTATION = {
    1: None,
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_90,
    8: Image.Transpose.ROTATE_270,
}


def _finish(
    page: Image.Image,
    *,
    rotate_deg: float,
    noise: int,
    blur: float,
    photo: bool,
    seed: int,
    exif_orientation: int,
    fmt: str,
) -> bytes:
    image: Image.Image = _as_photo(page, seed) if photo else page
    if rotate_deg:
        fill: int | tuple[int, int, int] = (96, 84, 70) if photo else 255
        image = image.rotate(
            rotate_deg, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill
        )
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    image = _noise(image, noise or (14 if photo else 0), seed)
    transpose = _STORE_FOR_ORIENTATION[exif_orientation]
    if transpose is not None:
        image = image.transpose(transpose)
    out = io.BytesIO()
    if photo or fmt == "JPEG":
        image.convert("RGB").save(
            out, "JPEG", quality=85, exif=_photo_exif(exif_orientation).tobytes()
        )
    else:
        image.save(out, fmt)
    return out.getvalue()


def transfer_receipt(
    amount: str = "312,00",
    date: str = "27.11.2026",
    iban: str = PAYER_IBAN,
    reference: str = REFERENCE,
    payer: str = "Erika Mustermann",
    *,
    rotate_deg: float = 0,
    noise: int = 0,
    blur: float = 0,
    scale: float = 1.0,
    photo: bool = False,
    exif_orientation: int = 1,
    fmt: str = "PNG",
    seed: int = 7,
) -> bytes:
    """An online-banking transfer confirmation ("Überweisungsbeleg").

    Distractors on purpose: a fee row of 0,00 EUR and a print date a day after the transfer.
    rotate_deg turns counter-clockwise (a crooked scan, or 90 for one scanned sideways);
    photo=True makes it a phone photo (JPEG with EXIF incl. GPS); exif_orientation stores the
    pixels turned so that the EXIF Orientation tag (3, 6 or 8) makes them upright again.
    """
    rows = [
        ("Auftraggeber", payer),
        ("IBAN Auftraggeber", iban),
        ("Empfänger", UTILITY),
        ("IBAN Empfänger", UTILITY_IBAN),
        ("BIC", "COBADEFFXXX"),
        ("Betrag", f"{amount} EUR"),
        ("Entgelt", "0,00 EUR"),
        ("Ausführungsdatum", date),
        ("Verwendungszweck", reference),
    ]
    footer = [
        "Erstellt am 28.11.2026 um 09:14 Uhr im Online-Banking.",
        "Dieser Beleg wurde maschinell erstellt und ist ohne Unterschrift gültig.",
    ]
    render_scale = scale * (1.5 if photo else 1.0)
    page = _render("Musterbank eG", "Überweisungsbeleg", rows, footer, render_scale)
    return _finish(
        page,
        rotate_deg=rotate_deg,
        noise=noise,
        blur=blur,
        photo=photo,
        seed=seed,
        exif_orientation=exif_orientation,
        fmt=fmt,
    )


def cash_deposit_slip(
    amount: str = "312,00",
    date: str = "27.11.2026",
    reference: str = REFERENCE,
    depositor: str = "Erika Mustermann",
    *,
    rotate_deg: float = 0,
    noise: int = 0,
    blur: float = 0,
    scale: float = 1.0,
    photo: bool = False,
    seed: int = 11,
) -> bytes:
    """A branch's cash deposit slip ("Bareinzahlung"): no payer IBAN, only the recipient's."""
    rows = [
        ("Einzahler", depositor),
        ("Empfänger", UTILITY),
        ("IBAN Empfänger", UTILITY_IBAN),
        ("Einzahlungsbetrag", f"{amount} €"),
        ("Datum", date),
        ("Verwendungszweck", reference),
    ]
    footer = ["Filiale 0042, Kasse 3, Beleg-Nr. 7781", "Betrag dankend erhalten."]
    page = _render(
        "Sparkasse Musterstadt",
        "Einzahlungsbeleg Bareinzahlung",
        rows,
        footer,
        scale * (1.5 if photo else 1.0),
    )
    return _finish(
        page,
        rotate_deg=rotate_deg,
        noise=noise,
        blur=blur,
        photo=photo,
        seed=seed,
        exif_orientation=1,
        fmt="PNG",
    )


def unreadable_receipt(seed: int = 3) -> bytes:
    """A phone photo of a receipt, out of focus and shaken: a person has to look at it."""
    page = _render(
        "Musterbank eG",
        "Überweisungsbeleg",
        [
            ("Betrag", "312,00 EUR"),
            ("Ausführungsdatum", "27.11.2026"),
            ("Verwendungszweck", REFERENCE),
        ],
        [],
        1.5,
    )
    photo = _as_photo(page, seed).filter(ImageFilter.GaussianBlur(14))
    photo = _noise(photo, 40, seed)
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=70, exif=_photo_exif().tobytes())
    return out.getvalue()


def pdf_receipt(
    amount: str = "312,00",
    date: str = "27.11.2026",
    iban: str = PAYER_IBAN,
    reference: str = REFERENCE,
    payer: str = "Erika Mustermann",
) -> bytes:
    """The online bank's PDF confirmation with a text layer (as the portal upload brings it)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    for name, path in (("KcTestSans", REGULAR), ("KcTestSans-Bold", BOLD)):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(path)))
    out = io.BytesIO()
    # invariant=True: no creation date or random ID, so the bytes are the same every run.
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True)
    _, height = A4
    y = height - 72
    pdf.setFont("KcTestSans-Bold", 16)
    pdf.drawString(60, y, "Musterbank eG")
    y -= 28
    pdf.drawString(60, y, "Überweisungsbeleg")
    y -= 36
    pdf.setFont("KcTestSans", 11)
    for label, value in [
        ("Auftraggeber", payer),
        ("IBAN Auftraggeber", iban),
        ("Empfänger", UTILITY),
        ("IBAN Empfänger", UTILITY_IBAN),
        ("Betrag", f"{amount} EUR"),
        ("Ausführungsdatum", date),
        ("Verwendungszweck", reference),
    ]:
        pdf.drawString(60, y, label)
        pdf.drawString(220, y, value)
        y -= 18
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def scanned_pdf_receipt(**kwargs: object) -> bytes:
    """A PDF that is only a scanned image (no text layer): OCR or a person must read it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    scan = Image.open(io.BytesIO(transfer_receipt(**kwargs)))  # type: ignore[arg-type]
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True)
    width, height = A4
    shown_w = width - 80
    shown_h = shown_w * scan.height / scan.width
    pdf.drawImage(ImageReader(scan), 40, height - 40 - shown_h, shown_w, shown_h)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
