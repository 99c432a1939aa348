"""Migration operations that run only on one database vendor.

SQLite and PostgreSQL reach the same goal with different SQL (FTS5 versus
pg_trgm, trigger syntax); each migration names both.
"""

from collections.abc import Sequence
from typing import Any

from django.db.migrations.operations import RunSQL


class RunSQLOn(RunSQL):
    def __init__(self, vendor: str, sql: Any, reverse_sql: Any = None) -> None:
        self.vendor = vendor
        super().__init__(sql, reverse_sql=reverse_sql)

    def deconstruct(self) -> tuple[str, Sequence[Any], dict[str, Any]]:
        name, args, kwargs = super().deconstruct()
        kwargs["vendor"] = self.vendor
        return name, args, kwargs

    def database_forwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, *args)

    def database_backwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, *args)
