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


@register(deploy=True)
def check_shared_cache(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        return [
            Warning(
                "The local-memory cache belongs to one process: with several app server "
                "processes, login rate limits, used TOTP codes and one-time form tokens are "
                "counted per process. Set KC_CACHE_BACKEND to a shared cache (Redis, or "
                "django.core.cache.backends.db.DatabaseCache after `manage.py createcachetable`).",
                id="kc.W002",
            )
        ]
    return []
