import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from kc.core.validators import (
    is_german_postal_code,
    is_malo_id,
    malo_check_digit,
    validate_german_postal_code,
    validate_malo_id,
)


@pytest.mark.parametrize("code", ["01067", "42651", "99998", "10115"])
def test_valid_postal_codes(code: str) -> None:
    assert is_german_postal_code(code)


@pytest.mark.parametrize("code", ["", "4265", "426511", "00999", "99999", "4265a", " 42651"])
def test_invalid_postal_codes(code: str) -> None:
    assert not is_german_postal_code(code)
    with pytest.raises(ValidationError):
        validate_german_postal_code(code)


@pytest.mark.parametrize("malo", ["41373559241", "51238696781"])
def test_published_malo_ids_are_valid(malo: str) -> None:
    assert is_malo_id(malo)
    validate_malo_id(malo)


def test_bad_check_digit_has_its_own_message() -> None:
    with pytest.raises(ValidationError) as err:
        validate_malo_id("41373559242")
    assert err.value.code == "invalid_malo_check_digit"


@pytest.mark.parametrize("malo", ["4137355924", "01373559241", "4137355924X", ""])
def test_bad_malo_format(malo: str) -> None:
    with pytest.raises(ValidationError) as err:
        validate_malo_id(malo)
    assert err.value.code == "invalid_malo_format"


@given(st.integers(min_value=1_000_000_000, max_value=9_999_999_999), st.integers(0, 9))
def test_any_single_digit_change_is_detected(first_ten: int, position: int) -> None:
    body = str(first_ten)
    malo = body + str(malo_check_digit(body))
    assert is_malo_id(malo)
    digits = list(malo)
    digits[position] = str((int(digits[position]) + 1) % 10)
    changed = "".join(digits)
    if changed[0] != "0":
        assert not is_malo_id(changed)
