"""The dunning levels a fresh installation starts with; admins change them in the admin."""

from decimal import Decimal

from kc.disconnection.models import DunningLevel

# (procedure, level, name, days overdue, fee, payment days)
DEFAULT_LEVELS = [
    ("household", 1, "Zahlungserinnerung", 7, Decimal("0.00"), 7),
    ("household", 2, "Mahnung", 21, Decimal("2.00"), 7),
    ("business", 1, "Zahlungserinnerung", 7, Decimal("0.00"), 7),
    ("business", 2, "Mahnung", 21, Decimal("5.00"), 7),
]


def ensure_default_levels() -> None:
    if DunningLevel.objects.exists():
        return
    DunningLevel.objects.bulk_create(
        DunningLevel(
            procedure=procedure,
            level=level,
            name=name,
            days_overdue=days,
            fee=fee,
            payment_days=payment_days,
        )
        for procedure, level, name, days, fee, payment_days in DEFAULT_LEVELS
    )
