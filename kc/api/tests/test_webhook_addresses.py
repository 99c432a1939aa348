"""Webhook receivers on internal addresses are refused (SSRF) unless the setting allows them."""

import socket
from typing import Any

import pytest

from kc.api import outbound, webhooks
from kc.api.models import WebhookDelivery, WebhookEndpoint
from kc.api.tests.test_webhooks import Receiver, only_delivery, receiver  # noqa: F401
from kc.cases.tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.5",
        "172.16.0.1",
        "169.254.169.254",
        "::1",
        "fd00::1",
        "::ffff:127.0.0.1",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 (an address checked, nothing bound)
        "224.0.0.1",
    ],
)
def test_internal_addresses_are_not_public(address: str) -> None:
    assert not outbound.is_public(address)


def test_a_public_address_is_public() -> None:
    assert outbound.is_public("93.184.216.34")


def test_a_receiver_on_loopback_is_not_called(receiver: Receiver, settings: Any) -> None:  # noqa: F811
    settings.KC_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    WebhookEndpoint.objects.create(
        name="Intern", url=receiver.url, secret="s", events="case.created"
    )
    CaseFactory()
    delivery = only_delivery("case.created")
    assert webhooks.send(delivery.pk) == WebhookDelivery.Status.PENDING
    assert receiver.processed == [] and receiver.headers == []
    delivery.refresh_from_db()
    assert "not a public address" in delivery.last_error


def test_a_name_resolving_to_loopback_is_refused(receiver: Receiver, settings: Any) -> None:  # noqa: F811
    settings.KC_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    port = receiver.url.split(":")[2].split("/")[0]
    assert socket.gethostbyname("localhost") == "127.0.0.1"
    WebhookEndpoint.objects.create(
        name="Name", url=f"http://localhost:{port}/hook", secret="s", events="case.created"
    )
    CaseFactory()
    assert webhooks.send(only_delivery("case.created").pk) == WebhookDelivery.Status.PENDING
    assert receiver.headers == []


def test_the_setting_allows_a_receiver_in_the_own_network(receiver: Receiver) -> None:  # noqa: F811
    WebhookEndpoint.objects.create(
        name="Intern", url=receiver.url, secret=receiver.secret, events="case.created"
    )
    CaseFactory()
    assert webhooks.send(only_delivery("case.created").pk) == WebhookDelivery.Status.DELIVERED
