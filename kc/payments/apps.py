from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "kc.payments"
    label = "payments"
    verbose_name = _("Zahlungen")

    def ready(self) -> None:
        post_migrate.connect(_number_range, sender=self, dispatch_uid="kc-ledger-numbers")


def _number_range(**kwargs: Any) -> None:
    """Posting numbers (also after a test database flush)."""
    from kc.payments.ledger import ensure_number_range

    ensure_number_range()
