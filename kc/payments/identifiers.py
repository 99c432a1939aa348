"""Rules for SEPA identifiers as typed by agents and customers: creditor id, mandate reference,
IBAN. Free text for files is `sepa_text` (re-exported from the Django-free sepa_xml)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty import exceptions as iban_errors

from kc.customers.services import normalize_iban
from kc.payments.sepa_xml import (
    ID_MAX,
    SEPA_CHARS,
    creditor_id_ok,
    sepa_id_problem,
    sepa_text,
)

__all__ = [
    "SEPA_CHARS",
    "is_valid_creditor_id",
    "make_mandate_reference",
    "sepa_text",
    "validate_creditor_id",
    "validate_iban",
    "validate_mandate_reference",
]

_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
MANDATE_PREFIX = "KC"


def _normalise_creditor_id(value: str) -> str:
    return "".join(value.split()).upper()


def is_valid_creditor_id(value: str) -> bool:
    return creditor_id_ok(_normalise_creditor_id(value))


def validate_creditor_id(value: str) -> str:
    """The creditor identifier without spaces in capitals, e.g. "DE98ZZZ09999999999".

    Layout: country, 2 check digits, 3-character business code (free, not part of the check),
    national identifier (Germany: 11 digits). Check digits: ISO 7064 MOD 97-10 over national
    identifier + country + "00"."""
    normalised = _normalise_creditor_id(value)
    if not creditor_id_ok(normalised):
        raise ValidationError(
            _(
                "„%(value)s“ ist keine gültige Gläubiger-Identifikationsnummer: erwartet wird "
                "z. B. DE98ZZZ09999999999 (Land, zwei Prüfziffern, drei Zeichen "
                "Geschäftsbereich, in Deutschland 11 Ziffern) mit passenden Prüfziffern."
            ),
            code="invalid",
            params={"value": value},
        )
    return normalised


def validate_mandate_reference(value: str) -> str:
    """The mandate reference with surrounding spaces removed.

    Rule (EPC SDD implementation guidelines for the Mandate Identification, and the German
    banks' DFÜ agreement, Annex 3): at most 35 characters, only letters A-Z a-z, digits and
    + ? / - : ( ) . , ' and space; it must not start with a space or "/", must not end with "/"
    and must not contain "//". Banks compare references without regard to case, so two mandates
    of one creditor must differ in more than case."""
    reference = value.strip()
    problem = sepa_id_problem(reference)
    if problem is None:
        return reference
    if not reference:
        message = _("Die Mandatsreferenz fehlt.")
    elif len(reference) > ID_MAX:
        message = _("Die Mandatsreferenz ist %(length)d Zeichen lang, erlaubt sind höchstens 35.")
    elif _NOT_ALLOWED.search(reference):
        message = _(
            "Die Mandatsreferenz enthält nicht erlaubte Zeichen: %(chars)s. Erlaubt sind "
            "Buchstaben ohne Umlaute, Ziffern, Leerzeichen und + ? / - : ( ) . , '"
        )
    else:
        message = _(
            "Die Mandatsreferenz darf nicht mit „/“ beginnen oder enden und kein „//“ enthalten."
        )
    chars = ", ".join(dict.fromkeys(_NOT_ALLOWED.findall(reference)))
    raise ValidationError(
        message, code="invalid", params={"length": len(reference), "chars": chars}
    )


def make_mandate_reference(account_number: str, serial: int) -> str:
    """The reference of a contract account's `serial`-th mandate: "KC-{account number}-{serial}"
    with the serial at least three digits, e.g. "KC-100004711-001".

    Deterministic (a new mandate for the same account gets the next serial, so references are
    never reused), at most 35 characters for account numbers up to 28 characters and serials
    below 1,000, and only digits, letters and "-"."""
    account = account_number.strip()
    if not account or not account.isalnum() or not account.isascii():
        raise ValueError(f"account number {account_number!r} must be letters and digits")
    if serial < 1:
        raise ValueError(f"serial {serial} must be positive")
    reference = f"{MANDATE_PREFIX}-{account}-{serial:03d}"
    if len(reference) > ID_MAX:
        raise ValueError(f"mandate reference {reference!r} is longer than {ID_MAX} characters")
    return reference


def validate_iban(value: str) -> tuple[str, str]:
    """(IBAN, BIC) for an IBAN a customer can pay by SEPA with; BIC "" when the bank's BIC is
    not known (the caller asks for it then).

    Beyond the ISO check digits and the country's length this checks the German account-number
    check digit of the bank's Bundesbank method and that a German bank code exists."""
    try:
        iban = IBAN(value, validate_bban=True)
    except iban_errors.InvalidCountryCode as exc:
        raise _iban_error(_("Die IBAN beginnt nicht mit einem bekannten Ländercode.")) from exc
    except iban_errors.InvalidLength as exc:
        raise _iban_error(_iban_length_message(value)) from exc
    except iban_errors.InvalidChecksumDigits as exc:
        raise _iban_error(
            _("Die Prüfziffer der IBAN stimmt nicht – bitte auf Tippfehler prüfen.")
        ) from exc
    except iban_errors.InvalidBBANChecksum as exc:
        raise _iban_error(
            _("Die Kontonummer in der IBAN ist ungültig (Prüfziffer der Bank stimmt nicht).")
        ) from exc
    except iban_errors.SchwiftyException as exc:
        raise _iban_error(
            _("Die IBAN enthält ungültige Zeichen oder passt nicht zum Aufbau ihres Landes.")
        ) from exc
    if not iban.in_sepa_zone:
        raise _iban_error(_("Die IBAN gehört zu keinem Land des SEPA-Raums."))
    if iban.country_code == "DE" and iban.bank is None:
        raise _iban_error(
            _("Die Bankleitzahl %(code)s in der IBAN ist nicht bekannt.") % {"code": iban.bank_code}
        )
    # One normalisation for master data and payments (the customers' helper).
    return normalize_iban(str(iban.compact))


def _iban_error(message: str) -> ValidationError:
    return ValidationError(message, code="invalid_iban")


def _iban_length_message(value: str) -> str:
    compact = "".join(value.split()).upper()
    try:
        expected = IBAN(compact, allow_invalid=True).spec.iban_length
    except iban_errors.SchwiftyException:
        return _("Die IBAN hat nicht die richtige Länge.")
    return _("Die IBAN muss %(expected)d Zeichen lang sein, eingegeben sind %(given)d.") % {
        "expected": expected,
        "given": len(compact),
    }
