import datetime

import pytest
from django.db import DatabaseError, connection, transaction

from kc.core import audit
from kc.core.context import RequestContext, current_request
from kc.core.models import AuditLogEntry


@pytest.mark.django_db
def test_record_takes_request_facts_from_context(agent) -> None:  # type: ignore[no-untyped-def]
    token = current_request.set(RequestContext("10.1.2.3", "Firefox", "/kunden/1/"))
    try:
        entry = audit.record(actor=agent, action=audit.Action.READ, obj=agent, partner_id=7)
    finally:
        current_request.reset(token)
    assert (entry.ip_address, entry.user_agent, entry.request_path) == (
        "10.1.2.3",
        "Firefox",
        "/kunden/1/",
    )
    assert entry.actor_name == "agent" and entry.partner_id == 7
    assert entry.created_at.utcoffset() == datetime.timedelta(0)


@pytest.mark.django_db
def test_entries_cannot_be_changed_or_deleted_through_the_model(agent) -> None:  # type: ignore[no-untyped-def]
    entry = audit.record(actor=agent, action=audit.Action.READ, obj=agent)
    entry.actor_name = "someone else"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


@pytest.mark.django_db
def test_database_refuses_updates(agent) -> None:  # type: ignore[no-untyped-def]
    entry = audit.record(actor=agent, action=audit.Action.READ, obj=agent)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLogEntry.objects.filter(pk=entry.pk).update(actor_name="forged")
    assert AuditLogEntry.objects.get(pk=entry.pk).actor_name == "agent"


@pytest.mark.django_db
def test_postgres_also_refuses_deletes(agent) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("the delete guard is a PostgreSQL trigger")
    entry = audit.record(actor=agent, action=audit.Action.READ, obj=agent)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLogEntry.objects.filter(pk=entry.pk).delete()


def test_diff_lists_only_changed_fields() -> None:
    assert audit.diff({"a": 1, "b": "x", "c": None}, {"a": 1, "b": "y", "c": "z"}) == {
        "b": ["x", "y"],
        "c": ["", "z"],
    }
