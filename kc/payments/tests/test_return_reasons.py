"""SEPA return reasons: every code the banks send us has a German text and a mandate decision."""

import pytest
from django.utils import translation

from kc.payments.return_reasons import REASONS, reason_for

REQUIRED = [
    "AC01", "AC04", "AC06", "AC13", "AG01", "AG02", "AM04", "AM05", "BE05", "CNOR",
    "DNOR", "FF01", "MD01", "MD02", "MD06", "MD07", "MS02", "MS03", "RC01", "RR01",
    "RR02", "RR03", "RR04", "SL01", "FOCR", "DUPL", "TECH", "FRAD",
]  # fmt: skip

BLOCKING = {
    "AC01", "AC04", "AC06", "AC13", "AG01", "DNOR", "MD01", "MD02", "MD07", "MS02",
    "RC01", "RR01", "RR02", "RR04", "SL01", "FRAD",
}  # fmt: skip


def test_every_required_code_has_text_and_action() -> None:
    with translation.override("de"):
        for code in REQUIRED:
            reason = REASONS[code]
            assert reason.code == code
            assert str(reason.text).strip()
            assert str(reason.customer_action).strip()


@pytest.mark.parametrize("code", REQUIRED)
def test_mandate_decision(code: str) -> None:
    assert REASONS[code].blocks_mandate is (code in BLOCKING)


def test_texts_agents_read_out() -> None:
    with translation.override("de"):
        assert str(REASONS["AM04"].text) == "Konto nicht gedeckt"
        assert str(REASONS["AC04"].text) == "Konto erloschen"
        assert str(REASONS["MD06"].text) == (
            "Rückgabe auf Verlangen des Zahlungspflichtigen (Erstattung innerhalb 8 Wochen)"
        )
        assert "Bankverbindung" in str(REASONS["AC04"].customer_action)


def test_known_code_is_found_whatever_the_spelling() -> None:
    assert reason_for(" am04 ") is REASONS["AM04"]


def test_unknown_code_gets_a_generic_reason_that_keeps_the_mandate() -> None:
    reason = reason_for("XY99")
    with translation.override("de"):
        assert str(reason.text) == "Unbekannter Rückgabegrund XY99"
    assert reason.code == "XY99"
    assert reason.blocks_mandate is False


def test_missing_code() -> None:
    reason = reason_for("")
    assert reason.blocks_mandate is False
    with translation.override("de"):
        assert str(reason.text) == "Kein Rückgabegrund angegeben"
