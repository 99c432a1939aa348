"""PostgreSQL index for street prefix search (LIKE 'x%') on partner addresses.

The ordinary B-tree on (street_key, house_number) serves LIKE prefixes only in
the C collation; text_pattern_ops serves them in any collation. SQLite needs
nothing: the range query street_key >= p AND street_key < q uses addr_street.
"""

from django.db import migrations

from kc.core.migration_ops import RunSQLOn


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [
        RunSQLOn(
            "postgresql",
            "CREATE INDEX addr_street_prefix ON customers_postaladdress "
            "(street_key text_pattern_ops);",
            "DROP INDEX addr_street_prefix;",
        ),
    ]
