"""Fixtures of the GDPR tests: a default queue for the request cases, staff per role."""

import pytest
from django.test import Client

from conftest import make_staff
from kc.cases.tests.factories import QueueFactory
from kc.core import roles
from kc.core.models import User


@pytest.fixture(autouse=True)
def queue(db: None) -> None:
    QueueFactory(is_default=True)


@pytest.fixture
def lead(db: None) -> User:
    return make_staff("lead", roles.TEAM_LEAD)


@pytest.fixture
def lead_client(lead: User) -> Client:
    client = Client()
    client.force_login(lead)
    return client
