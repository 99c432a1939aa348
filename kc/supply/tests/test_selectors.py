"""Supply lookups lead from meters, MaLo-IDs and premises over contracts to partners."""

from typing import cast

import pytest

from kc.customers.selectors import MatchField
from kc.supply.models import Contract, Meter
from kc.supply.selectors import (
    fts5_string,
    partners_by_malo,
    partners_by_meter,
    partners_by_premise_address,
)
from kc.supply.tests.factories import ContractFactory, MeterFactory, PremiseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def supplied() -> Contract:
    contract = cast(
        Contract,
        ContractFactory(
            market_location__malo_id="51238696781",
            market_location__premise=PremiseFactory(street="Lindenallee", house_number="7"),
        ),
    )
    cast(Meter, MeterFactory(number="1esy1160512345", market_location=contract.market_location))
    other = cast(Contract, ContractFactory(market_location__malo_id="50000000008"))
    cast(Meter, MeterFactory(number="1ESY1199999999", market_location=other.market_location))
    return contract


def test_fts5_string_quotes() -> None:
    assert fts5_string('a"b') == '"a""b"'


def test_meter_exact_then_partial(supplied: Contract) -> None:
    owner = supplied.account.partner_id
    exact = partners_by_meter("1ESY1160512345", limit=5)
    assert [(m.partner_id, m.field, m.value) for m in exact] == [
        (owner, MatchField.METER, "1ESY1160512345")
    ]
    assert [m.partner_id for m in partners_by_meter("605123", limit=5)] == [owner]
    assert len(partners_by_meter("1ESY11", limit=5)) == 2
    assert partners_by_meter("12", limit=5) == []
    assert partners_by_meter('"*', limit=5) == []


def test_malo_exact_then_partial(supplied: Contract) -> None:
    owner = supplied.account.partner_id
    assert [m.partner_id for m in partners_by_malo("51238696781", limit=5)] == [owner]
    assert [m.partner_id for m in partners_by_malo("2386967", limit=5)] == [owner]
    assert len(partners_by_malo("000", limit=5)) == 1
    assert partners_by_malo("%_%", limit=5) == []


def test_premise_address(supplied: Contract) -> None:
    owner = supplied.account.partner_id
    found = partners_by_premise_address("lindenallee", "7", limit=5)
    assert [(m.partner_id, m.field) for m in found] == [(owner, MatchField.PREMISE_ADDRESS)]
    assert [m.partner_id for m in partners_by_premise_address("linden", "", limit=5)] == [owner]
    assert partners_by_premise_address("lindenallee", "8", limit=5) == []
