"""PostgreSQL index for street prefix search (LIKE 'x%') on premises.

Same reason as customers 0002: text_pattern_ops serves LIKE prefixes in any
collation; on SQLite the range query uses premise_street.
"""

from django.db import migrations

from kc.core.migration_ops import RunSQLOn


class Migration(migrations.Migration):
    dependencies = [("supply", "0002_partial_search_indexes")]

    operations = [
        RunSQLOn(
            "postgresql",
            "CREATE INDEX premise_street_prefix ON supply_premise (street_key text_pattern_ops);",
            "DROP INDEX premise_street_prefix;",
        ),
    ]
