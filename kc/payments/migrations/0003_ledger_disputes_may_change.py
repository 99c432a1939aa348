"""Whether an item is disputed changes over its life (the customer objects, the objection is
settled); the amounts, accounts and dates of a posting never do. The guards now watch the
posting columns of lines only."""

from django.db import migrations

from kc.core.migration_ops import RunSQLOn

LINE = "payments_ledgerline"
POSTING_COLUMNS = "document_id, account_id, side, amount, due_on, contract_id, text, prenotified_on"


class Migration(migrations.Migration):
    dependencies = [("payments", "0002_ledger_append_only")]

    operations = [
        RunSQLOn(
            "sqlite",
            f"DROP TRIGGER {LINE}_append_only;"
            f"CREATE TRIGGER {LINE}_append_only BEFORE UPDATE OF {POSTING_COLUMNS} ON {LINE} "
            "BEGIN SELECT RAISE(ABORT, 'postings are immutable'); END;",
            f"DROP TRIGGER {LINE}_append_only;"
            f"CREATE TRIGGER {LINE}_append_only BEFORE UPDATE ON {LINE} "
            "BEGIN SELECT RAISE(ABORT, 'postings are immutable'); END;",
        ),
        RunSQLOn(
            "postgresql",
            f"DROP TRIGGER {LINE}_append_only ON {LINE};"
            f"CREATE TRIGGER {LINE}_append_only BEFORE UPDATE OF {POSTING_COLUMNS} ON {LINE} "
            "FOR EACH ROW EXECUTE FUNCTION payments_append_only();"
            f"CREATE TRIGGER {LINE}_no_delete BEFORE DELETE ON {LINE} "
            "FOR EACH ROW EXECUTE FUNCTION payments_append_only();",
            f"DROP TRIGGER {LINE}_no_delete ON {LINE};"
            f"DROP TRIGGER {LINE}_append_only ON {LINE};"
            f"CREATE TRIGGER {LINE}_append_only BEFORE UPDATE OR DELETE ON {LINE} "
            "FOR EACH ROW EXECUTE FUNCTION payments_append_only();",
        ),
    ]
