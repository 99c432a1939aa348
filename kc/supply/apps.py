from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupplyConfig(AppConfig):
    name = "kc.supply"
    label = "supply"
    verbose_name = _("Versorgung")

    def ready(self) -> None:
        from kc.core.sqlite_triggers import fts5_triggers, register

        register(*fts5_triggers("supply_meter", ["number"]))
        register(*fts5_triggers("supply_marketlocation", ["malo_id"]))
