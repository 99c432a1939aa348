"""The Django admin lists presence, its history and shifts; the history stays read-only."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_staff
from kc.core import roles
from kc.desk.models import Location, PresenceEvent
from kc.desk.presence import set_location
from kc.desk.shifts import save_shift

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client() -> Client:
    user = make_staff("root", roles.ADMIN)
    user.is_staff = user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def test_admin_lists_and_keeps_history_read_only(superuser_client: Client) -> None:
    agent = make_staff("heike", roles.AGENT)
    set_location(agent, Location.CALL_CENTER)
    save_shift(
        user=agent,
        day=datetime.date(2026, 12, 1),
        start=datetime.time(8),
        end=datetime.time(12),
        location=Location.CALL_CENTER,
    )
    for model in ("presence", "presenceevent", "shift"):
        page = superuser_client.get(reverse(f"admin:desk_{model}_changelist"))
        assert page.status_code == 200, model
        assert "heike" in page.content.decode()
    event = PresenceEvent.objects.get()
    assert superuser_client.get(reverse("admin:desk_presenceevent_add")).status_code == 403
    delete = reverse("admin:desk_presenceevent_delete", args=[event.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    assert PresenceEvent.objects.filter(pk=event.pk).exists()
