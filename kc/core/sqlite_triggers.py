"""SQLite triggers that must survive table rebuilds.

Django's SQLite schema editor rebuilds a table for many ALTERs (new column with a default,
changed constraint), and SQLite drops the table's triggers with it. The FTS5 search tables
and the audit-log guard live on triggers, so each app registers its triggers here and
`ensure_triggers` re-creates the missing ones after every migrate; an FTS5 table whose
triggers were missing is rebuilt from its content table.
"""

from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper


@dataclass(frozen=True)
class Trigger:
    name: str
    table: str
    sql: str  # CREATE TRIGGER ... (without IF NOT EXISTS)
    rebuilds_fts: str = ""  # the FTS5 table to rebuild when this trigger had been lost


REGISTRY: dict[str, Trigger] = {}


def register(*triggers: Trigger) -> None:
    for trigger in triggers:
        REGISTRY[trigger.name] = trigger


def fts5_triggers(table: str, columns: list[str]) -> list[Trigger]:
    """Insert/delete/update triggers keeping `{table}_fts` (external content) in step."""
    fts = f"{table}_fts"
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    # Table and column names come from the apps' own code, never from input.
    delete = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"  # noqa: S608  # nosec B608
    insert = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"  # noqa: S608  # nosec B608
    return [
        Trigger(
            f"{fts}_ai",
            table,
            f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END",
            fts,
        ),
        Trigger(
            f"{fts}_ad",
            table,
            f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END",
            fts,
        ),
        Trigger(
            f"{fts}_au",
            table,
            f"CREATE TRIGGER {fts}_au AFTER UPDATE ON {table} BEGIN {delete} {insert} END",
            fts,
        ),
    ]


def ensure_triggers(connection: BaseDatabaseWrapper) -> list[str]:
    """Create every registered trigger that is missing; returns their names."""
    if connection.vendor != "sqlite" or not REGISTRY:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('trigger', 'table')")
        present = {row[0] for row in cursor.fetchall()}
        missing = [
            t
            for t in REGISTRY.values()
            if t.name not in present
            and t.table in present
            and (not t.rebuilds_fts or t.rebuilds_fts in present)
        ]
        for trigger in missing:
            cursor.execute(trigger.sql)
        for fts in sorted({t.rebuilds_fts for t in missing if t.rebuilds_fts} & present):
            cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # noqa: S608  # nosec B608
    return [t.name for t in missing]
