"""Normalised contact data: phone numbers in E.164, e-mail addresses in lower case."""

import phonenumbers
from django.conf import settings


def normalize_phone(raw: str, region: str | None = None) -> str:
    """E.164 form of a phone number in any common format, or '' if it is none."""
    try:
        parsed = phonenumbers.parse(raw, region or settings.KC_DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(parsed):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    return raw.strip().lower()
