import pytest

from kc.letters.document import Column, Paragraph, Table
from kc.letters.placeholders import Bold, TemplateError, fill_blocks, fill_text, template_problems

TABLE = Table((Column("A", 20),), (("x",),))


def test_unknown_and_malformed_placeholders_are_reported() -> None:
    problems = template_problems("Hallo {{ nmae }} und {{ Name! }}", allowed={"name"}, tables=set())
    assert any("Unbekannter Platzhalter „{{ nmae }}“" in p for p in problems)
    assert any("kein gültiger" in p for p in problems)
    assert template_problems("Hallo {{ name }}", allowed={"name"}, tables=set()) == []
    assert template_problems("Hallo {{ name }", allowed={"name"}, tables=set())


def test_a_table_must_stand_alone() -> None:
    problems = template_problems("Hier: {{ posten }}", allowed=set(), tables={"posten"})
    assert problems == ["Eine Tabelle muss allein in ihrem Absatz stehen."]
    assert template_problems("Hier:\n\n{{ posten }}", allowed=set(), tables={"posten"}) == []


def test_fill_blocks_builds_paragraphs_tables_and_bold_lines() -> None:
    text = (
        "{{ anrede }}\n\nHier die Posten:\n\n{{ posten }}\n\n{{ summe }}\n\n{{ leer }}"
        "\n\nGruß\nTeam"
    )
    blocks = fill_blocks(
        text, {"anrede": "Guten Tag,", "posten": TABLE, "summe": Bold("Summe 3,00 €"), "leer": ""}
    )
    assert blocks == (
        Paragraph("Guten Tag,"),
        Paragraph("Hier die Posten:"),
        TABLE,
        Paragraph("Summe 3,00 €", bold=True),
        Paragraph("Gruß\nTeam"),
    )


def test_values_are_not_templates_themselves() -> None:
    assert fill_text("Betreff {{ a }}", {"a": "{{ b }}"}) == "Betreff {{ b }}"


def test_missing_value_is_an_error() -> None:
    with pytest.raises(TemplateError, match="fehlt der Wert"):
        fill_text("{{ a }}", {})
    with pytest.raises(TemplateError, match="Tabelle, kein Text"):
        fill_text("{{ t }}", {"t": TABLE})
