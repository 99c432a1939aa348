"""A request body above the limit is refused by its declared length, unread."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_200_mb_upload_is_refused_before_it_is_read(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KC_MAX_REQUEST_BYTES = 25 * 1024 * 1024
    response = client.post(
        "/portal/anmelden/",
        {"email": "a@example.org", "password": "x"},
        CONTENT_LENGTH=str(200 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "höchstens 25 MB" in response.content.decode()


def test_a_normal_form_passes(client: Client) -> None:
    response = client.post("/portal/anmelden/", {"email": "a@example.org", "password": "x"})
    assert response.status_code == 400  # the login form answered: the body was read
