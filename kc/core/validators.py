"""Validators for German business identifiers. Pure functions plus Django wrappers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_POSTAL_CODE = re.compile(r"^\d{5}$")
_MALO_ID = re.compile(r"^[1-9]\d{10}$")


def is_german_postal_code(value: str) -> bool:
    # German codes run from 01001 to 99998; 00xxx was never assigned.
    return bool(_POSTAL_CODE.match(value)) and 1001 <= int(value) <= 99998


def validate_german_postal_code(value: str) -> None:
    if not is_german_postal_code(value):
        raise ValidationError(
            _("„%(value)s“ ist keine gültige deutsche Postleitzahl (fünf Ziffern)."),
            code="invalid_postal_code",
            params={"value": value},
        )


def malo_check_digit(first_ten: str) -> int:
    """BDEW check digit of a market location ID over its first ten digits."""
    odd = sum(int(d) for d in first_ten[0::2])
    even = sum(int(d) for d in first_ten[1::2])
    return (10 - (odd + 2 * even) % 10) % 10


def is_malo_id(value: str) -> bool:
    return bool(_MALO_ID.match(value)) and malo_check_digit(value[:10]) == int(value[10])


def validate_malo_id(value: str) -> None:
    if not _MALO_ID.match(value):
        raise ValidationError(
            _("Die MaLo-ID hat genau 11 Ziffern und beginnt nicht mit 0."),
            code="invalid_malo_format",
        )
    if not is_malo_id(value):
        raise ValidationError(
            _("Die Prüfziffer der MaLo-ID „%(value)s“ stimmt nicht."),
            code="invalid_malo_check_digit",
            params={"value": value},
        )
