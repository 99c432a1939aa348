from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisconnectionConfig(AppConfig):
    name = "kc.disconnection"
    label = "disconnection"
    verbose_name = _("Mahnung, Sperrung und Entsperrung")
