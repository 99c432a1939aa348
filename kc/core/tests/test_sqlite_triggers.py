"""Triggers that a table rebuild dropped come back after migrate, with their FTS content."""

import pytest
from django.db import connection

from kc.core.sqlite_triggers import REGISTRY, ensure_triggers


@pytest.mark.django_db
def test_lost_triggers_are_recreated_and_fts_rebuilt() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    from kc.cases.search import search_cases
    from kc.cases.tests.factories import CaseFactory

    assert ensure_triggers(connection) == []  # all present after migrate
    with connection.cursor() as cursor:
        for name in ("cases_case_fts_ai", "cases_case_fts_au", "core_auditlogentry_append_only"):
            cursor.execute(f"DROP TRIGGER {name}")
    case = CaseFactory(subject="Fernwärme Zählertausch")  # not indexed: trigger is gone
    assert list(search_cases("Fernwärme")) == []
    assert sorted(ensure_triggers(connection)) == [
        "cases_case_fts_ai",
        "cases_case_fts_au",
        "core_auditlogentry_append_only",
    ]
    assert list(search_cases("Fernwärme")) == [case]  # rebuilt from the table
    assert {"supply_meter_fts_ai", "cases_message_fts_au"} <= set(REGISTRY)
