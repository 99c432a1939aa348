"""manage.py api_token: issue with scopes and expiry, revoke, refuse unknown scopes."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from kc.api.models import ApiToken

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue()


def test_issue_use_and_revoke(client: Client) -> None:
    raw = run("issue", "Netz GmbH", "--scopes", "orders,readings", "--days", "30").splitlines()[-1]
    token = ApiToken.objects.get(name="Netz GmbH")
    assert token.scope_set == {"orders", "readings"} and token.token_hash != raw
    assert token.expires_at is not None
    assert token.expires_at - timezone.now() > datetime.timedelta(days=29)
    assert token.user is not None and not token.user.is_active
    assert not token.user.has_usable_password()
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/auftraege/", headers=headers).status_code == 200
    assert "Netz GmbH" in run("list")
    run("revoke", "Netz GmbH")
    assert client.get("/api/v1/auftraege/", headers=headers).status_code == 401


def test_unknown_scopes_and_names_are_refused() -> None:
    with pytest.raises(CommandError, match="Unknown scopes"):
        run("issue", "X", "--scopes", "everything")
    with pytest.raises(CommandError, match="No token"):
        run("revoke", "niemand")
    assert not ApiToken.objects.exists()
