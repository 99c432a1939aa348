"""Indexes for partial meter-number and MaLo-ID search.

SQLite: FTS5 tables with the trigram tokenizer, kept in step by triggers.
PostgreSQL: pg_trgm GIN indexes, which serve LIKE '%...%'.
"""

from django.db import migrations

from kc.core.migration_ops import RunSQLOn


def fts_sql(table: str, column: str) -> str:
    fts = f"{table}_fts"
    return f"""
CREATE VIRTUAL TABLE {fts} USING fts5(
    {column}, content='{table}', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN
    INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column});
END;
CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN
    INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});
END;
CREATE TRIGGER {fts}_au AFTER UPDATE OF {column} ON {table} BEGIN
    INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});
    INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column});
END;
"""


def fts_drop(table: str) -> str:
    fts = f"{table}_fts"
    return (
        f"DROP TRIGGER {fts}_ai; DROP TRIGGER {fts}_ad; DROP TRIGGER {fts}_au;"
        f"DROP TABLE {fts};"
    )


class Migration(migrations.Migration):
    dependencies = [("supply", "0001_initial")]

    operations = [
        RunSQLOn("sqlite", fts_sql("supply_meter", "number"), fts_drop("supply_meter")),
        RunSQLOn(
            "sqlite",
            fts_sql("supply_marketlocation", "malo_id"),
            fts_drop("supply_marketlocation"),
        ),
        RunSQLOn(
            "postgresql",
            "CREATE EXTENSION IF NOT EXISTS pg_trgm;"
            "CREATE INDEX supply_meter_number_trgm ON supply_meter "
            "USING gin (number gin_trgm_ops);"
            "CREATE INDEX supply_malo_id_trgm ON supply_marketlocation "
            "USING gin (malo_id gin_trgm_ops);",
            "DROP INDEX supply_meter_number_trgm; DROP INDEX supply_malo_id_trgm;",
        ),
    ]
