"""Gap-aware business numbers from configurable ranges.

The range row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises
writers with BEGIN IMMEDIATE), so concurrent requests never get the same
number. The models carry a unique constraint on every number as a second guard.
"""

from django.db import transaction

from kc.core.models import NumberRange


class NumberRangeExhaustedError(Exception):
    """The range has no numbers left; an admin must extend max_value."""


def format_number(number_range: NumberRange, value: int) -> str:
    return f"{number_range.prefix}{value:0{number_range.width}d}"


def reserve_numbers(key: str, count: int = 1) -> list[str]:
    """Hand out `count` consecutive numbers of range `key` and advance it."""
    if count < 1:
        raise ValueError("count must be positive")
    with transaction.atomic():
        number_range = NumberRange.objects.select_for_update().get(key=key)
        first = number_range.next_value
        last = first + count - 1
        if last > number_range.max_value:
            raise NumberRangeExhaustedError(key)
        number_range.next_value = last + 1
        number_range.save(update_fields=["next_value"])
    return [format_number(number_range, value) for value in range(first, last + 1)]


def next_number(key: str) -> str:
    return reserve_numbers(key, 1)[0]


# Ranges the data migrations create; after_migrate puts back any that a test database flush
# (TRUNCATE on PostgreSQL) removed. key: (prefix, first, last, width)
BASE_RANGES = {
    "customer": ("", 1_000_000, 9_999_999, 7),
    "contract_account": ("", 400_000_000_000, 499_999_999_999, 12),
    "contract": ("", 7_000_000_000, 7_999_999_999, 10),
    "case": ("V", 1, 99_999_999, 8),
}


def ensure_base_ranges() -> None:
    for key, (prefix, first, last, width) in BASE_RANGES.items():
        NumberRange.objects.get_or_create(
            key=key,
            defaults={"prefix": prefix, "next_value": first, "max_value": last, "width": width},
        )
