from django.db import migrations

from kc.core.migration_ops import RunSQLOn

DEFAULT_RANGES = [
    # key, prefix, first, last, width
    ("customer", "", 1_000_000, 9_999_999, 7),
    ("contract_account", "", 400_000_000_000, 499_999_999_999, 12),
    ("contract", "", 7_000_000_000, 7_999_999_999, 10),
]


def create_ranges(apps, schema_editor):
    NumberRange = apps.get_model("core", "NumberRange")
    for key, prefix, first, last, width in DEFAULT_RANGES:
        NumberRange.objects.get_or_create(
            key=key,
            defaults={"prefix": prefix, "next_value": first, "max_value": last, "width": width},
        )


SQLITE_GUARD = """
CREATE TRIGGER core_auditlogentry_append_only BEFORE UPDATE ON core_auditlogentry
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
"""
PG_GUARD = """
CREATE FUNCTION core_auditlogentry_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit log is append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditlogentry_append_only BEFORE UPDATE OR DELETE ON core_auditlogentry
FOR EACH ROW EXECUTE FUNCTION core_auditlogentry_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(create_ranges, migrations.RunPython.noop),
        RunSQLOn(
            "sqlite",
            SQLITE_GUARD,
            "DROP TRIGGER core_auditlogentry_append_only;",
        ),
        RunSQLOn(
            "postgresql",
            PG_GUARD,
            "DROP TRIGGER core_auditlogentry_append_only ON core_auditlogentry;"
            "DROP FUNCTION core_auditlogentry_append_only();",
        ),
    ]
