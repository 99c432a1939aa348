"""Staff login: password, then the second factor; no way around MFA; rate limits; sessions."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from conftest import STAFF_PASSWORD, TOTP_SECRET, make_staff
from kc.core import roles
from kc.core.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from kc.core.totp import current_totp
from kc.customers.tests.factories import BusinessPartnerFactory

LOGIN = "/accounts/login/"


def _password_step(client: Client, username: str, password: str = STAFF_PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"login": username, "password": password})


@pytest.mark.django_db
def test_login_needs_password_and_totp(client: Client) -> None:
    make_staff("anna", roles.AGENT)
    response = _password_step(client, "anna")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # Between the steps the user is not logged in.
    assert client.get(reverse("desk:home")).status_code == 302
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200  # wrong code: the form again
    response = client.post(reverse("mfa_authenticate"), {"code": current_totp(TOTP_SECRET)})
    assert response.status_code == 302
    assert client.get(reverse("desk:home")).status_code == 200


@pytest.mark.django_db
def test_staff_without_second_factor_can_only_set_one_up(client: Client) -> None:
    make_staff("neu", roles.AGENT, with_mfa=False)
    partner = BusinessPartnerFactory()
    assert _password_step(client, "neu").status_code == 302
    page = client.get(reverse("desk:customer_detail", args=[partner.pk]))
    assert page.status_code == 302
    assert page["Location"] == reverse("mfa_activate_totp")
    post = client.post(reverse("desk:customer_edit", args=[partner.pk]), {"last_name": "X"})
    assert post.status_code == 403
    htmx = client.get(reverse("desk:customer_search"), {"q": "x"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 403
    # Setting up the factor asks for the password once more (allauth reauthentication).
    reauth = client.get(reverse("mfa_activate_totp"))
    assert reauth["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reauth["Location"], {"password": STAFF_PASSWORD})
    activate = client.get(reverse("mfa_activate_totp"))
    assert activate.status_code == 200
    assert b'name="code"' in activate.content


@pytest.mark.django_db
def test_failed_logins_cool_off_without_permanent_lockout(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_staff("bernd", roles.AGENT)
    for _ in range(5):
        assert _password_step(client, "bernd", "wrong-password").status_code == 200
    # Even the right password is refused while the limit holds.
    blocked = _password_step(client, "bernd")
    assert blocked.status_code in (200, 429)
    assert "mfa" not in blocked.get("Location", "")
    user.refresh_from_db()
    assert user.is_active
    later = time.time() + 6 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    response = _password_step(client, "bernd")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")


@pytest.mark.django_db
def test_session_ends_after_absolute_lifetime(
    client: Client,
    settings,
    agent,  # type: ignore[no-untyped-def]
) -> None:
    client.force_login(agent)
    assert client.get(reverse("desk:home")).status_code == 200
    session = client.session
    session[SESSION_STARTED_KEY] = time.time() - settings.SESSION_ABSOLUTE_TIMEOUT - 1
    session.save()
    response = client.get(reverse("desk:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_session_ends_after_idle_time(client: Client, settings, agent) -> None:  # type: ignore[no-untyped-def]
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60
    assert settings.SESSION_ABSOLUTE_TIMEOUT == 12 * 60 * 60
    client.force_login(agent)
    assert client.get(reverse("desk:home")).status_code == 200
    session = client.session
    session[SESSION_SEEN_KEY] = time.time() - settings.SESSION_IDLE_TIMEOUT + 120
    session.save()
    # Activity within the idle window renews it ...
    assert client.get(reverse("desk:home")).status_code == 200
    assert time.time() - client.session[SESSION_SEEN_KEY] < 5
    # Background polls of an open page are no activity.
    session = client.session
    session[SESSION_SEEN_KEY] = time.time() - 600
    session.save()
    client.get(reverse("desk:home"), headers={"X-KC-Poll": "1"})
    assert time.time() - client.session[SESSION_SEEN_KEY] >= 600
    # ... and a longer pause ends the login.
    session = client.session
    session[SESSION_SEEN_KEY] = time.time() - settings.SESSION_IDLE_TIMEOUT - 1
    session.save()
    assert client.get(reverse("desk:home")).status_code == 302


@pytest.mark.django_db
def test_signup_is_closed_for_staff(client: Client) -> None:
    response = client.post(
        "/accounts/signup/",
        {
            "username": "intruder",
            "password1": "Very-long-pass-2026",
            "password2": "Very-long-pass-2026",
        },
    )
    from kc.core.models import User

    assert not User.objects.filter(username="intruder").exists()
    assert response.status_code in (200, 403)


@pytest.mark.django_db
def test_a_security_key_counts_as_second_factor(client: Client) -> None:
    from allauth.mfa.models import Authenticator

    user = make_staff("keyholder", roles.AGENT, with_mfa=False)
    client.force_login(user)
    assert client.get(reverse("desk:home")).status_code == 302
    Authenticator.objects.create(user=user, type=Authenticator.Type.WEBAUTHN, data={})
    assert client.get(reverse("desk:home")).status_code == 200
    # Recovery codes alone are not a second factor for daily use.
    Authenticator.objects.filter(user=user).update(type=Authenticator.Type.RECOVERY_CODES)
    assert client.get(reverse("desk:home")).status_code == 302


@pytest.mark.django_db
def test_every_role_gets_exactly_its_permissions() -> None:
    from django.contrib.auth.models import Group

    for role, wanted in roles.ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        have = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert have == set(wanted), role
    agent_perms = set(roles.ROLE_PERMISSIONS[roles.AGENT])
    assert "core.view_auditlogentry" not in agent_perms
    assert not any(p.startswith("customers.delete_") for p in agent_perms)
    assert "customers.change_businesspartner" not in roles.ROLE_PERMISSIONS[roles.CUSTOMER_CENTER]
