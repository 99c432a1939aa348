"""Helpers of the API tests: bearer headers for tokens with given scopes."""

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache

from kc.api.services import issue_api_token
from kc.cases.tests.factories import QueueFactory
from kc.disconnection import chain
from kc.disconnection.models import FieldOrder
from kc.disconnection.tests.factories import claim, household_contract

Bearer = Callable[..., dict[str, str]]


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    cache.clear()  # token ids repeat between tests; their request counts must not
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def local_webhook_receivers(settings: Any) -> None:
    """The webhook tests run their receiver on 127.0.0.1, which production refuses."""
    settings.KC_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True


@pytest.fixture
def bearer() -> Bearer:
    made = iter(range(1, 1000))

    def make(
        *scopes: str, expires_at: datetime.datetime | None = None, name: str = ""
    ) -> dict[str, str]:
        token_name = name or f"Partner {next(made)}"
        _, raw = issue_api_token(
            name=token_name, scopes=list(scopes), actor=None, expires_at=expires_at
        )
        return {"Authorization": f"Bearer {raw}"}

    return make


def sent_order() -> FieldOrder:
    """A disconnection order sent to the field service (two unpaid claims, threatened,
    announced, ordered)."""
    QueueFactory(is_default=True)
    contract = household_contract()
    for day in (datetime.date(2026, 9, 15), datetime.date(2026, 10, 15)):
        claim(contract, "150.00", day)
    case = chain.threaten(contract, on=datetime.date(2026, 11, 20))
    case = chain.announce(case, on=datetime.date(2026, 11, 21))
    assert case.planned_on is not None
    return chain.order_disconnection(case, on=case.planned_on)
