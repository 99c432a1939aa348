"""Postings and clearings cannot be changed in the database either (as the audit log).

SQLite guards UPDATE only: test databases are emptied with DELETE there, while PostgreSQL
empties them with TRUNCATE, which row triggers do not see."""

from django.db import migrations

from kc.core.migration_ops import RunSQLOn

TABLES = ["payments_ledgerdocument", "payments_ledgerline", "payments_clearing"]


def sqlite_guard(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'postings are immutable'); END;"
    )


PG_FUNCTION = """
CREATE FUNCTION payments_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'postings are immutable'; END;
$$ LANGUAGE plpgsql;
"""


def pg_guard(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION payments_append_only();"
    )


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [
        *(
            RunSQLOn("sqlite", sqlite_guard(table), f"DROP TRIGGER {table}_append_only;")
            for table in TABLES
        ),
        RunSQLOn("postgresql", PG_FUNCTION, "DROP FUNCTION payments_append_only();"),
        *(
            RunSQLOn(
                "postgresql", pg_guard(table), f"DROP TRIGGER {table}_append_only ON {table};"
            )
            for table in TABLES
        ),
    ]
