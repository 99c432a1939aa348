from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "kc.cases"
    label = "cases"
    verbose_name = _("Vorgänge")

    def ready(self) -> None:
        from kc.core.sqlite_triggers import fts5_triggers, register

        register(*fts5_triggers("cases_case", ["subject"]))
        register(*fts5_triggers("cases_message", ["subject", "body_text"]))
