"""The database's own guard against double booking, and the range of booking numbers.

PostgreSQL: an exclusion constraint refuses two active bookings of one advisor whose blocked
ranges [starts_at, blocked_until) overlap, whatever the application does (btree_gist gives
the `=` on the advisor id inside a GiST index; it is a trusted extension since PostgreSQL 13).
SQLite has the unique start per advisor of the model and serialises writers.
"""

from django.db import migrations

from kc.core.migration_ops import RunSQLOn


def create_range(apps, schema_editor):
    NumberRange = apps.get_model("core", "NumberRange")
    NumberRange.objects.get_or_create(
        key="booking",
        defaults={"prefix": "T", "next_value": 1, "max_value": 99_999_999, "width": 8},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0001_initial"),
        ("core", "0002_number_ranges_and_audit_guard"),
    ]

    operations = [
        RunSQLOn(
            "postgresql",
            [
                "CREATE EXTENSION IF NOT EXISTS btree_gist",
                "ALTER TABLE appointments_booking ADD CONSTRAINT booking_no_overlap "
                "EXCLUDE USING gist (advisor_id WITH =, "
                "tstzrange(starts_at, blocked_until, '[)') WITH &&) "
                "WHERE (status = 'booked')",
            ],
            reverse_sql=["ALTER TABLE appointments_booking DROP CONSTRAINT booking_no_overlap"],
        ),
        migrations.RunPython(create_range, migrations.RunPython.noop),
    ]
