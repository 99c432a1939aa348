"""Pure rules of the call journal: no ORM, no clock."""

from collections.abc import Iterable

# Hang-up causes of the Generic CTI protocol (Zammad, sipgate, Placetel).
KNOWN_CAUSES = frozenset(
    {"busy", "cancel", "noAnswer", "congestion", "notFound", "forwarded", "normalClearing"}
)
# What we store for a call refused because its number is blocked.
BLOCKED_CAUSE = "blocked"
# The queue that receives callback tasks for missed calls, if it exists.
CALLBACK_QUEUE_NAME = "Hotline-Rückrufe"


def customer_number(*, direction: str, from_number: str, to_number: str) -> str:
    """The customer's side of a call: the caller when it comes in, the callee when it goes out."""
    return from_number if direction == "in" else to_number


def is_missed(*, direction: str, answered: bool) -> bool:
    """An incoming call that nobody picked up becomes a callback task."""
    return direction == "in" and not answered


def is_blocked(e164: str, blocked_e164: Iterable[str]) -> bool:
    return bool(e164) and e164 in set(blocked_e164)


def format_duration(seconds: int | None) -> str:
    """Minutes and seconds, '4:07'; hours once a call passes one: '1:02:03'."""
    if seconds is None:
        return "–"
    minutes, secs = divmod(max(seconds, 0), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
