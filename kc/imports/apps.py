from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "kc.imports"
    label = "imports"
    verbose_name = _("Datenübernahme aus dem Altsystem")
