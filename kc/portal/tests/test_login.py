"""Login, second factor, password reset, login history, and the walls between customers
and staff."""

import re
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client
from django.urls import reverse

from conftest import STAFF_PASSWORD, make_staff
from kc.core import roles
from kc.core.models import User
from kc.core.totp import current_totp
from kc.customers.models import BusinessPartner
from kc.portal.models import LoginEvent, PortalMail
from kc.portal.tests.factories import PASSWORD, customer, portal_login

pytestmark = pytest.mark.django_db
SECRET = "JBSWY3DPEHPK3PXP"
LOGIN = "/portal/anmelden/"


def log_in(client: Client, user: User, password: str = PASSWORD, **extra: str) -> Any:
    return client.post(LOGIN, {"email": user.email, "password": password} | extra)


def outcomes(user: User) -> list[str]:
    return list(
        LoginEvent.objects.filter(account__user=user)
        .order_by("id")
        .values_list("outcome", flat=True)
    )


def test_login_and_logout_are_in_the_history(client: Client, customer_user: User) -> None:
    assert log_in(client, customer_user, "falsch-falsch-falsch").status_code == 400
    response = log_in(client, customer_user)
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert client.post(reverse("portal:logout")).status_code == 302
    assert outcomes(customer_user) == ["password", "success", "logout"]
    assert client.get("/portal/").status_code == 302  # logged out


def test_an_unknown_address_and_a_wrong_password_read_the_same(
    client: Client, customer_user: User
) -> None:
    wrong = log_in(client, customer_user, "falsch-falsch-falsch").content.decode()
    unknown = client.post(LOGIN, {"email": "niemand@example.org", "password": "x" * 12})
    assert "E-Mail-Adresse oder Passwort stimmen nicht." in wrong
    assert "E-Mail-Adresse oder Passwort stimmen nicht." in unknown.content.decode()


def test_brute_force_is_throttled_even_for_the_right_password(
    client: Client, customer_user: User
) -> None:
    for _attempt in range(5):
        log_in(client, customer_user, "falsch-falsch-falsch")
    response = log_in(client, customer_user)
    assert response.status_code == 400 and "Zu viele Versuche" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert outcomes(customer_user)[-1] == "throttled"


def test_the_second_factor_is_asked_after_the_password(client: Client, customer_user: User) -> None:
    TOTP.activate(customer_user, SECRET)
    response = log_in(client, customer_user)
    assert response["Location"] == reverse("portal:login_code")
    assert "_auth_user_id" not in client.session
    assert client.get("/portal/").status_code == 302  # not in yet
    bad = client.post(reverse("portal:login_code"), {"code": "000000"})
    assert bad.status_code == 400
    good = client.post(reverse("portal:login_code"), {"code": current_totp(SECRET)})
    assert good.status_code == 302 and client.get("/portal/").status_code == 200
    assert outcomes(customer_user) == ["code", "success"]


def test_the_code_step_alone_logs_nobody_in(client: Client) -> None:
    response = client.post(reverse("portal:login_code"), {"code": "123456"})
    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_password_reset_keeps_the_second_factor(client: Client, customer_user: User) -> None:
    TOTP.activate(customer_user, SECRET)
    assert client.post(reverse("portal:reset"), {"email": customer_user.email}).status_code == 200
    mail = PortalMail.objects.get(to=customer_user.email)
    link = re.search(r"https?://\S+", mail.body).group(0).split("8000", 1)[-1]  # type: ignore[union-attr]
    new = "Neues-Passwort-fuer-2027"
    response = client.post(link, {"password": new, "password2": new})
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session  # a reset never logs in
    after = log_in(client, customer_user, new)
    assert after["Location"] == reverse("portal:login_code")  # still asks for the code
    assert client.post(link, {"password": new, "password2": new}).status_code == 400  # used up
    assert "reset" in outcomes(customer_user)


def test_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client: Client) -> None:
    response = client.post(reverse("portal:reset"), {"email": "niemand@example.org"})
    assert response.status_code == 200 and not PortalMail.objects.exists()


def test_turning_the_second_factor_on_and_off(customer_client: Client, customer_user: User) -> None:
    page = customer_client.get(reverse("portal:totp_activate"))
    assert page.status_code == 200 and b"<svg" in page.content
    secret = customer_client.session["kc_portal_totp_secret"]
    response = customer_client.post(reverse("portal:totp_activate"), {"code": current_totp(secret)})
    assert response.status_code == 302
    off = customer_client.post(
        reverse("portal:totp_deactivate"), {"password": "falsch", "code": current_totp(secret)}
    )
    assert off.status_code == 400
    off = customer_client.post(
        reverse("portal:totp_deactivate"),
        {"password": PASSWORD, "code": current_totp(secret)},
    )
    assert off.status_code == 302


def test_a_customer_cannot_reach_staff_pages(customer_client: Client) -> None:
    for path in ("/", "/vorgaenge/", "/kunden/suche/", "/zahlungen/klaerung/", "/admin/"):
        response = customer_client.get(path)
        assert response.status_code == 302 and response["Location"] == "/portal/", path
    assert customer_client.post("/vorgaenge/neu/", {}).status_code == 403


def test_a_customer_cannot_log_in_on_the_staff_login(client: Client, customer_user: User) -> None:
    client.post("/accounts/login/", {"login": customer_user.username, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_staff_are_not_customers(client: Client) -> None:
    agent = make_staff("agent", roles.AGENT)
    client.force_login(agent)
    assert client.get("/portal/").status_code == 302
    client.logout()
    response = client.post(LOGIN, {"email": "agent@example.org", "password": STAFF_PASSWORD})
    assert response.status_code == 400


def test_unverified_logins_get_a_new_link(client: Client, partner: BusinessPartner) -> None:
    user = portal_login(customer(), verified=False)
    response = log_in(client, user)
    assert response.status_code == 403 and "_auth_user_id" not in client.session
    assert PortalMail.objects.filter(to=user.email).count() == 1
