from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LettersConfig(AppConfig):
    name = "kc.letters"
    label = "letters"
    verbose_name = _("Briefe und Druckraum")

    def ready(self) -> None:
        post_migrate.connect(_default_templates, sender=self, dispatch_uid="kc-letter-templates")


def _default_templates(**kwargs: Any) -> None:
    """A fresh installation (and a flushed test database) gets the number ranges and version 1
    of every letter template."""
    from kc.letters.services import ensure_default_templates, ensure_number_ranges

    ensure_number_ranges()
    ensure_default_templates()
