import pytest
from django.core.cache import cache
from django.test import Client

from kc.core.models import User
from kc.customers.models import BusinessPartner
from kc.portal.tests.factories import customer, portal_login


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate limits, used TOTP codes and form tokens live in the process-wide cache, keyed by
    ids that repeat from test to test: each test starts without the previous one's."""
    cache.clear()


@pytest.fixture
def partner(db: None) -> BusinessPartner:
    return customer()


@pytest.fixture
def customer_user(partner: BusinessPartner) -> User:
    return portal_login(partner)


@pytest.fixture
def customer_client(client: Client, customer_user: User) -> Client:
    client.force_login(customer_user)
    return client
