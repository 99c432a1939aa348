from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "kc.billing"
    label = "billing"
    verbose_name = _("Abrechnung")

    def ready(self) -> None:
        post_migrate.connect(_number_range, sender=self, dispatch_uid="kc-invoice-numbers")


def _number_range(**kwargs: Any) -> None:
    """Invoice numbers (also after a test database flush)."""
    from kc.billing.invoices import ensure_number_range

    ensure_number_range()
