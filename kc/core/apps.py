from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "kc.core"
    label = "core"
    verbose_name = "Kundencenter"

    def ready(self) -> None:
        from kc.core import checks  # noqa: F401  (registers system checks)
        from kc.core.roles import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="kc-sync-roles")
