"""Creditor id, mandate reference and IBAN rules as agents and customers meet them."""

import pytest
from django.core.exceptions import ValidationError

from kc.payments import identifiers
from kc.payments.identifiers import (
    is_valid_creditor_id,
    make_mandate_reference,
    sepa_text,
    validate_creditor_id,
    validate_iban,
    validate_mandate_reference,
)


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("DE98ZZZ09999999999", "DE98ZZZ09999999999"),
        (" de98 zzz0 9999 9999 99 ", "DE98ZZZ09999999999"),
        # The business code is not part of the check.
        ("DE98ABC09999999999", "DE98ABC09999999999"),
        ("AT61ZZZ01234567890", "AT61ZZZ01234567890"),
    ],
)
def test_valid_creditor_ids(value: str, normalised: str) -> None:
    assert validate_creditor_id(value) == normalised
    assert is_valid_creditor_id(value)


@pytest.mark.parametrize(
    "value",
    [
        "DE99ZZZ09999999999",  # wrong check digits
        "DE97ZZZ09999999999",
        "DE98ZZZ09999999990",  # national part changed
        "DE98ZZZ0999999999",  # German national part too short
        "DE98ZZZ099999999999",  # ... too long
        "DE98ZZZ0999999999A",  # ... not digits
        "DE00ZZZ09999999999",
        "DE98ZZ",
        "98DEZZZ09999999999",
        "",
        "DE98ZZZ09999999999Ä",
    ],
)
def test_invalid_creditor_ids(value: str) -> None:
    assert not is_valid_creditor_id(value)
    with pytest.raises(ValidationError) as error:
        validate_creditor_id(value)
    assert error.value.code == "invalid"
    assert "Gläubiger-Identifikationsnummer" in error.value.messages[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("KC-100004711-001", "KC-100004711-001"),
        ("  Mandat 4711/2020  ", "Mandat 4711/2020"),
        ("A+?/-:().,' b", "A+?/-:().,' b"),
        ("X" * 35, "X" * 35),
    ],
)
def test_valid_mandate_references(value: str, expected: str) -> None:
    assert validate_mandate_reference(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Mandat-Bär", "enthält nicht erlaubte Zeichen: ä"),
        ("Straße_ä&ä", "enthält nicht erlaubte Zeichen: ß, _, ä, &"),
        ("X" * 36, "ist 36 Zeichen lang, erlaubt sind höchstens 35"),
        ("", "fehlt"),
        ("   ", "fehlt"),
        ("/KC-1", "„/“"),
        ("KC-1/", "„/“"),
        ("KC//1", "„//“"),
    ],
)
def test_invalid_mandate_references(value: str, message: str) -> None:
    with pytest.raises(ValidationError) as error:
        validate_mandate_reference(value)
    assert error.value.code == "invalid"
    assert message in error.value.messages[0]


def test_make_mandate_reference() -> None:
    assert make_mandate_reference("100004711", 1) == "KC-100004711-001"
    assert make_mandate_reference("100004711", 12) == "KC-100004711-012"
    assert make_mandate_reference("100004711", 1234) == "KC-100004711-1234"
    longest = make_mandate_reference("9" * 28, 999)
    assert len(longest) == 35
    assert validate_mandate_reference(longest) == longest
    for account, serial in (("9" * 29, 1), ("", 1), ("1-2", 1), ("12", 0), ("Ä1", 1)):
        with pytest.raises(ValueError):
            make_mandate_reference(account, serial)


@pytest.mark.parametrize(
    ("value", "iban", "bic"),
    [
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000", "COBADEFFXXX"),
        ("de02100100109307118603", "DE02100100109307118603", "PBNKDEFFXXX"),
        ("NL91ABNA0417164300", "NL91ABNA0417164300", "ABNANL2A"),
        # A bank schwifty knows no BIC for: the caller asks for one.
        ("GB82WEST12345698765432", "GB82WEST12345698765432", ""),
    ],
)
def test_valid_ibans(value: str, iban: str, bic: str) -> None:
    assert validate_iban(value) == (iban, bic)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("DE89370400440532013001", "Prüfziffer der IBAN stimmt nicht"),
        ("DE8937040044053201300", "muss 22 Zeichen lang sein, eingegeben sind 21"),
        # IBAN check digits right, account check digit of the Sparkasse's method wrong.
        ("DE28340500001234567890", "Kontonummer in der IBAN ist ungültig"),
        ("DE44999999990532013000", "Bankleitzahl 99999999 in der IBAN ist nicht bekannt"),
        ("XX89370400440532013000", "bekannten Ländercode"),
        ("DE89-3704-0044-0532-0130-00", "ungültige Zeichen"),
    ],
)
def test_invalid_ibans(value: str, message: str) -> None:
    with pytest.raises(ValidationError) as error:
        validate_iban(value)
    assert error.value.code == "invalid_iban"
    assert message in error.value.messages[0]


def test_sepa_text_is_the_file_writers() -> None:
    assert sepa_text("Jürgen Weiß & Söhne", 70) == "Juergen Weiss + Soehne"
    assert identifiers.SEPA_CHARS.endswith(" ")
