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


# Django's own security.W009 only warns with --deploy; a short key set by hand is refused
# by every manage.py command (migrate, runserver, check) so it never reaches production.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 5


@register()
def check_configured_secret_key(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    key: str = settings.SECRET_KEY
    if settings.KC_SECRET_KEY_FROM_ENV and (
        len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_DISTINCT
    ):
        return [
            Error(
                f"KC_SECRET_KEY is too weak: use at least {SECRET_KEY_MIN_LENGTH} random "
                "characters, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(64))'`.",
                id="kc.E002",
            )
        ]
    return []


@register(deploy=True)
def check_secret_key_from_environment(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if not settings.KC_SECRET_KEY_FROM_ENV:
        return [
            Warning(
                "KC_SECRET_KEY is not set: this server made its own key in KC_VAR_DIR. Every "
                "app server needs the same key from the environment (sessions, CSRF, password "
                "reset links), kept out of backups of var/.",
                id="kc.W003",
            )
        ]
    return []
