from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DisconnectionConfig(AppConfig):
    name = "kc.disconnection"
    label = "disconnection"
    verbose_name = _("Mahnung, Sperrung und Entsperrung")

    def ready(self) -> None:
        post_migrate.connect(_defaults, sender=self, dispatch_uid="kc-disconnection-defaults")


def _defaults(**kwargs: Any) -> None:
    """Number ranges and the default dunning levels (also after a test database flush)."""
    from kc.disconnection.chain import ensure_number_ranges
    from kc.disconnection.levels import ensure_default_levels

    ensure_number_ranges()
    ensure_default_levels()
