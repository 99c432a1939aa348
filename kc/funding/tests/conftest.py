"""Fixtures of the funding tests: a default queue for the cases, clamd passing every file
unless a test says otherwise, and a funding clerk."""

import pytest

from conftest import make_staff
from kc.cases.tests.factories import QueueFactory
from kc.core import clamd, roles
from kc.core.models import User


@pytest.fixture(autouse=True)
def _queue_and_clean_scans(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    QueueFactory(is_default=True)
    monkeypatch.setattr(
        clamd, "scan_configured", lambda data, *, timeout=None: clamd.ScanOutcome("clean")
    )


@pytest.fixture
def clerk(db: None) -> User:
    return make_staff("foerderung", roles.FUNDING_CLERK)
