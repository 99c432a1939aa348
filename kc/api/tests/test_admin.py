"""Managing tokens and webhook receivers in the Django admin."""

import pytest
from django.test import Client

from conftest import make_staff
from kc.api.models import ApiToken, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client: Client) -> Client:
    user = make_staff("chefin", None)
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


def test_a_token_made_in_the_admin_is_shown_once_and_works(
    superuser_client: Client, client: Client
) -> None:
    add = "/admin/api/apitoken/add/"
    bad = superuser_client.post(add, {"name": "Netz", "scopes": "orders,alles", "active": "on"})
    assert bad.status_code == 200 and "Unbekannte Berechtigung: alles" in bad.content.decode()
    assert not ApiToken.objects.exists()
    made = superuser_client.post(
        add, {"name": "Netz", "scopes": "orders", "active": "on"}, follow=True
    )
    shown = [str(m) for m in made.context["messages"]]
    raw = shown[0].rsplit(" ", 1)[-1]
    token = ApiToken.objects.get()
    assert token.prefix == raw[:8] and token.user is None
    anonymous = Client()
    answer = anonymous.get("/api/v1/auftraege/", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status_code == 200
    # The technical user is made on first use.
    assert ApiToken.objects.filter(pk=token.pk, user__isnull=False).exists()
    change = superuser_client.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
    assert raw not in change


def test_webhook_receivers_only_take_known_events(superuser_client: Client) -> None:
    add = "/admin/api/webhookendpoint/add/"
    fields = {"name": "Leitstelle", "url": "https://leitstelle.example/hook", "secret": "s" * 32}
    bad = superuser_client.post(add, fields | {"events": "case.created,case.deleted"})
    assert "Unbekanntes Ereignis: case.deleted" in bad.content.decode()
    superuser_client.post(add, fields | {"events": "case.created", "active": "on"})
    assert WebhookEndpoint.objects.get().wants("case.created")
    assert superuser_client.get("/admin/api/webhookdelivery/add/").status_code == 403
