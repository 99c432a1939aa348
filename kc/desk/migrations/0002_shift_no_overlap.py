"""The database's own guard against overlapping shifts of one person on one day.

PostgreSQL: an exclusion constraint over the shift's wall-clock range [day + start, day + end)
per user (btree_gist gives `=` on the user id inside a GiST index). SQLite relies on the
service, which locks the user's row before it checks (kc.desk.shifts.save_shift).
"""

from django.db import migrations

from kc.core.migration_ops import RunSQLOn


class Migration(migrations.Migration):
    dependencies = [("desk", "0001_initial")]

    operations = [
        RunSQLOn(
            "postgresql",
            [
                "CREATE EXTENSION IF NOT EXISTS btree_gist",
                "ALTER TABLE desk_shift ADD CONSTRAINT shift_no_overlap "
                "EXCLUDE USING gist (user_id WITH =, "
                "tsrange(day + start, day + \"end\", '[)') WITH &&)",
            ],
            reverse_sql=["ALTER TABLE desk_shift DROP CONSTRAINT shift_no_overlap"],
        ),
    ]
