"""The rendered PDF, measured: DIN 5008 form B positions, marks, fonts, characters, pages."""

import datetime

import pytest

from kc.letters import layout as geo
from kc.letters.compose import compose
from kc.letters.document import Column, LetterDocument, Paragraph, Sender, Table
from kc.letters.kinds import KINDS
from kc.letters.pdf import LetterLayoutError, UnprintableTextError, address_problems, render_letter
from kc.letters.samples import invoice_lines, sample_values
from kc.letters.tests import pdfcheck

SENDER = Sender(
    name="Stadtwerke Musterstadt GmbH",
    street_line="Hauptstraße 1",
    city_line="42651 Musterstadt",
    phone="0800 1234 567",
    email="kundenservice@stadtwerke-musterstadt.example",
    bank_name="Sparkasse Musterstadt",
    iban="DE02 1203 0000 0000 2020 51",
    bic="BYLADEM1001",
    creditor_id="DE98ZZZ09999999999",
)
RECIPIENT = ("Frau Jürgen Müßig-Özdemir", "Gärtnerstraße 12a", "42651 Musterstadt")


def letter(blocks: tuple = (Paragraph("Guten Tag,"),), recipient=RECIPIENT) -> LetterDocument:  # type: ignore[no-untyped-def,type-arg]
    return LetterDocument(
        sender=SENDER,
        recipient=recipient,
        subject="Ihre Rechnung",
        date=datetime.date(2026, 11, 28),
        blocks=blocks,
        references=(("Kundennummer", "1000123"), ("Vertragskonto", "200012345")),
        letter_number="B00000001",
    )


def word_at(pdf: bytes, text: str, page: int = 0) -> pdfcheck.Word:
    return next(w for w in pdfcheck.words(pdf, page) if w.text.startswith(text))


def test_address_sits_in_the_window_and_return_line_above_it() -> None:
    pdf = render_letter(letter())
    name = word_at(pdf, "Frau Jürgen")
    assert name.x0 == pytest.approx(geo.ADDRESS_TEXT_LEFT, abs=0.3)
    window_top = geo.ADDRESS_TOP + geo.ENDORSEMENT_HEIGHT
    city = word_at(pdf, "42651 Musterstadt")
    assert window_top <= name.top and city.bottom <= geo.ADDRESS_TOP + geo.ADDRESS_HEIGHT
    assert name.x1 <= geo.ADDRESS_LEFT + geo.ADDRESS_WIDTH
    back = word_at(pdf, "Stadtwerke Musterstadt GmbH · Hauptstraße 1")
    assert back.top >= geo.ADDRESS_TOP and back.bottom <= window_top


def test_fold_and_hole_marks_at_their_heights() -> None:
    pdf = render_letter(letter())
    marks = sorted(y for x0, x1, y in pdfcheck.horizontal_lines(pdf) if x1 < 12)
    assert marks == pytest.approx([105.0, 148.5, 210.0], abs=0.2)


def test_reference_block_right_of_the_window() -> None:
    pdf = render_letter(letter())
    label = word_at(pdf, "Kundennummer")
    assert label.x0 == pytest.approx(geo.INFO_LEFT, abs=0.3)
    assert label.top >= geo.INFO_TOP
    assert "28.11.2026" in pdfcheck.page_text(pdf)


def test_footer_carries_bank_data_and_creditor_id_and_fonts_are_embedded() -> None:
    pdf = render_letter(letter())
    text = pdfcheck.page_text(pdf)
    assert "Gläubiger-ID DE98ZZZ09999999999" in text
    assert "IBAN DE02 1203 0000 0000 2020 51" in text
    fonts = pdfcheck.embedded_fonts(pdf)
    assert fonts and all(fonts.values())


def test_german_characters_survive() -> None:
    special = "Äpfel, Öl, Übermut, ärgerlich, öde, üben, Straße, „Zitat“ – 12,50 € · § 41f"
    pdf = render_letter(letter((Paragraph(special),)))
    assert special in pdfcheck.page_text(pdf)


def test_long_table_breaks_across_pages_with_header_and_page_numbers() -> None:
    pdf = render_letter(letter((Paragraph("Ihre Positionen:"), invoice_lines(60))))
    pages = pdfcheck.page_count(pdf)
    assert pages >= 2
    for page in range(pages):
        text = pdfcheck.page_text(pdf, page)
        assert f"Seite {page + 1} von {pages}" in text
        assert "Position" in text and "Betrag" in text  # the header repeats
    last = pdfcheck.page_text(pdf, pages - 1)
    assert "Summe brutto" in last and "Arbeitspreis" in last  # sums not alone on a page


def test_table_cells_wrap_instead_of_overflowing() -> None:
    table = Table(
        (Column("Position", 30), Column("Betrag", 20, "right")), (("Sehr " * 20, "1,00 €"),)
    )
    pdf = render_letter(letter((table,)))
    for word in pdfcheck.words(pdf):
        assert word.x1 <= geo.PAGE_WIDTH - geo.TEXT_RIGHT + 0.5


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_renders_from_its_default_text(kind: str) -> None:
    spec = KINDS[kind]
    document = compose(
        kind=kind,
        subject_template=spec.subject,
        body_template=spec.body,
        values=sample_values(kind),
        sender=SENDER,
        recipient=RECIPIENT,
        references=(),
        date=datetime.date(2026, 11, 28),
    )
    pdf = render_letter(document)
    text = " ".join(pdfcheck.page_text(pdf, p) for p in range(pdfcheck.page_count(pdf)))
    assert "{{" not in text and "}}" not in text
    assert document.subject in text.replace("\n", " ")


def test_address_too_long_for_the_window_is_refused() -> None:
    long_name = "Frau Maximiliane Alexandra von und zu Hohenzollern-Sigmaringen-Großherzogin"
    assert address_problems((long_name, "Hauptstraße 1", "42651 Musterstadt"))
    with pytest.raises(LetterLayoutError, match="mm breit"):
        render_letter(letter(recipient=(long_name, "Hauptstraße 1", "42651 Musterstadt")))


def test_missing_address_and_too_many_lines_are_refused() -> None:
    with pytest.raises(LetterLayoutError, match="Anschrift fehlt"):
        render_letter(letter(recipient=()))
    with pytest.raises(LetterLayoutError, match="7 Zeilen"):
        render_letter(letter(recipient=tuple(f"Zeile {n}" for n in range(7))))


def test_character_missing_in_the_font_is_refused_not_dropped() -> None:
    with pytest.raises(UnprintableTextError, match="U\\+4E2D"):
        render_letter(letter((Paragraph("Name: 中"),)))


def test_same_input_same_bytes() -> None:
    assert render_letter(letter()) == render_letter(letter())
