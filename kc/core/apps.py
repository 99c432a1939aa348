from typing import Any

from django.apps import AppConfig, apps
from django.db import connections
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "kc.core"
    label = "core"
    verbose_name = "Kundencenter"

    def ready(self) -> None:
        from kc.core import checks  # noqa: F401  (registers system checks)
        from kc.core.sqlite_triggers import Trigger, register

        register(
            Trigger(
                "core_auditlogentry_append_only",
                "core_auditlogentry",
                "CREATE TRIGGER core_auditlogentry_append_only BEFORE UPDATE ON core_auditlogentry "
                "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
            )
        )
        post_migrate.connect(after_migrate, dispatch_uid="kc-after-migrate")
        _connect_logging()


def _connect_logging() -> None:
    from django.tasks.signals import task_finished, task_started

    from kc.core import logs

    logs.configure_structlog()
    task_started.connect(logs.task_started, dispatch_uid="kc-log-task-started")
    task_finished.connect(logs.task_finished, dispatch_uid="kc-log-task-finished")


def after_migrate(**kwargs: Any) -> None:
    """Once per migrate, after the last app: roles get their permissions, lost SQLite
    triggers come back."""
    from kc.core.numbers import ensure_base_ranges
    from kc.core.roles import sync_roles
    from kc.core.sqlite_triggers import ensure_triggers

    last = [config for config in apps.get_app_configs() if config.models_module][-1]
    app_config = kwargs.get("app_config")
    if app_config is None or app_config.label != last.label:
        return
    sync_roles()
    ensure_base_ranges()
    ensure_triggers(connections[kwargs.get("using", "default")])
