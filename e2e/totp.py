"""The current TOTP code for a secret, as allauth computes it (RFC 6238, SHA-1, 30 s)."""

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

PERIOD = 30


def current_totp(secret: str, *, min_seconds_left: float = 3.0) -> str:
    """Return the code of the current time step, waiting for the next step if the current
    one ends within `min_seconds_left` (allauth accepts no neighbouring steps by default)."""
    left = PERIOD - time.time() % PERIOD
    if left < min_seconds_left:
        time.sleep(left + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // PERIOD))
