"""Full-text search over case subjects and messages.

SQLite: FTS5 tables (unicode61, diacritics folded) kept in step by triggers.
PostgreSQL: GIN indexes on German tsvectors, queried with websearch_to_tsquery.
"""

from django.db import migrations

from kc.core.migration_ops import RunSQLOn


def fts5(table: str, columns: list[str]) -> str:
    fts = f"{table}_fts"
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return f"""
CREATE VIRTUAL TABLE {fts} USING fts5(
    {cols}, content='{table}', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO {fts}({fts}) VALUES ('rebuild');
CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN
    INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});
END;
CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN
    INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});
END;
CREATE TRIGGER {fts}_au AFTER UPDATE ON {table} BEGIN
    INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});
    INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});
END;
"""


def fts5_drop(table: str) -> str:
    fts = f"{table}_fts"
    return (
        f"DROP TRIGGER {fts}_ai; DROP TRIGGER {fts}_ad; DROP TRIGGER {fts}_au; "
        f"DROP TABLE {fts};"
    )


PG = """
CREATE INDEX cases_case_subject_fts ON cases_case
    USING gin (to_tsvector('german', subject));
CREATE INDEX cases_message_fts ON cases_message
    USING gin (to_tsvector('german', subject || ' ' || body_text));
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_outbox_claim")]

    operations = [
        RunSQLOn("sqlite", fts5("cases_case", ["subject"]), fts5_drop("cases_case")),
        RunSQLOn(
            "sqlite", fts5("cases_message", ["subject", "body_text"]), fts5_drop("cases_message")
        ),
        RunSQLOn(
            "postgresql", PG, "DROP INDEX cases_case_subject_fts; DROP INDEX cases_message_fts;"
        ),
    ]
