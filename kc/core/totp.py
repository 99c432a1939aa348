"""The current TOTP code for a secret: for demo logins and browser tests."""

import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value


def current_totp(secret: str, at: float | None = None) -> str:
    counter = int(at if at is not None else time.time()) // app_settings.TOTP_PERIOD
    return str(format_hotp_value(hotp_value(secret, counter)))
