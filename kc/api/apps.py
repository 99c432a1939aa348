from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "kc.api"
    label = "api"
    verbose_name = _("Schnittstellen")

    def ready(self) -> None:
        from kc.api import events

        events.connect()
