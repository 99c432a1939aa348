"""Helpers of the API tests: bearer headers for tokens with given scopes."""

import datetime
from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache

from kc.api.services import issue_api_token

Bearer = Callable[..., dict[str, str]]


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    cache.clear()  # token ids repeat between tests; their request counts must not
    yield
    cache.clear()


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
