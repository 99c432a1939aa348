"""Fixtures of the import tests: the tariffs the sample export refers to, the sample files."""

from pathlib import Path

import pytest

from kc.imports import archive
from kc.payments.models import Creditor
from kc.payments.tests.factories import creditor
from kc.supply.models import Division, Tariff

SAMPLE = Path(__file__).parent / "data" / "export"


def make_tariffs() -> None:
    """The tariffs the sample refers to, and the utility as SEPA creditor (for mandates)."""
    if not Creditor.objects.exists():
        creditor()
    for code, division in (
        ("strom-basis", Division.POWER),
        ("gas-komfort", Division.GAS),
        ("wasser-standard", Division.WATER),
    ):
        Tariff.objects.get_or_create(code=code, defaults={"name": code, "division": division})


@pytest.fixture
def tariffs(db: None) -> None:
    make_tariffs()


@pytest.fixture
def sample_files() -> dict[str, bytes]:
    return archive.read_directory(SAMPLE).files
