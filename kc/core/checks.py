"""System checks for the parts Kundencenter needs from its surroundings."""

import os
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register


@register()
def check_var_dir(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if not os.access(settings.VAR_DIR, os.W_OK):
        return [Error(f"KC_VAR_DIR {settings.VAR_DIR} is not writable.", id="kc.E001")]
    return []


@register(deploy=True)
def check_production_database(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return [
            Warning(
                "SQLite is the one-machine default; set DATABASE_URL to PostgreSQL "
                "for several app servers or workers.",
                id="kc.W001",
            )
        ]
    return []
