"""Report selectors on reconnections (lead times) and the print room (volume and postage)."""

import datetime
from decimal import Decimal

import pytest

from kc.desk.reports import printing, reconnections
from kc.desk.reports.period import BERLIN, Period
from kc.disconnection.models import DisconnectionCase
from kc.disconnection.tests.factories import household_contract
from kc.letters import printroom, services
from kc.letters.models import Delivery, PrintBatch
from kc.letters.samples import SAMPLES
from kc.letters.tests.factories import LetterheadFactory, customer_with_address
from kc.supply.models import Contract

pytestmark = pytest.mark.django_db

NOV = Period(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))


def berlin(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BERLIN)  # type: ignore[misc, arg-type]


def reconnected(
    contract: Contract,
    n: int,
    proof: datetime.datetime,
    ordered: datetime.datetime,
    done: datetime.datetime | None,
) -> None:
    DisconnectionCase.objects.create(
        number=f"S{n}",
        account=contract.account,
        contract=contract,
        status=DisconnectionCase.Status.RECONNECTED
        if done
        else DisconnectionCase.Status.RECONNECTION_ORDERED,
        rule_set="test",
        arrears=Decimal("300.00"),
        threshold=Decimal("100.00"),
        threat_sent_on=datetime.date(2026, 9, 1),
        earliest_on=datetime.date(2026, 10, 1),
        proof_received_at=proof,
        reconnection_ordered_at=ordered,
        reconnected_at=done,
    )


def test_reconnection_lead_times_by_day_of_reconnection() -> None:
    contract = household_contract()
    proof = berlin(2026, 11, 3, 10)
    hour = datetime.timedelta(hours=1)
    # 30 min to the order, 4 h in the field: 4.5 h in all
    reconnected(contract, 1, proof, proof + hour / 2, proof + 4.5 * hour)
    # done at 22:00, after the opening hours: wall time counts, 12 h in all
    reconnected(contract, 2, proof, proof + 2 * hour, proof + 12 * hour)
    # reconnected 1 Dec 00:30 Berlin (30 Nov 23:30 UTC): outside November
    reconnected(
        contract, 3, proof, proof, datetime.datetime(2026, 11, 30, 23, 30, tzinfo=datetime.UTC)
    )
    reconnected(contract, 4, proof, proof, None)  # ordered, not yet confirmed
    section = reconnections.reconnections(NOV)
    rows = {row[0]: row[1:] for row in section.figures[0].table.rows}
    assert rows["03.11."] == (2, Decimal("0.5"), Decimal("4.0"), Decimal("4.5"), Decimal("12.0"))
    assert rows["04.11."] == (0, None, None, None, None)
    assert rows["Gesamt"][0] == 2


@pytest.fixture
def batched() -> list[PrintBatch]:
    LetterheadFactory()
    for _ in range(3):
        services.create_letter(
            kind="free_text",
            partner=customer_with_address(),
            values=SAMPLES["free_text"],
            actor=None,
        )
    return printroom.assemble_batches()


def test_print_volume_and_postage_by_berlin_print_day(batched: list[PrintBatch]) -> None:
    (batch,) = batched
    # printed 1 Nov 00:30 Berlin (31 Oct 23:30 UTC): November's first day
    PrintBatch.objects.filter(pk=batch.pk).update(
        printed_at=datetime.datetime(2026, 10, 31, 23, 30, tzinfo=datetime.UTC)
    )
    withdrawn = batch.deliveries.order_by("pk").first()
    assert withdrawn is not None
    Delivery.objects.filter(pk=withdrawn.pk).update(state=Delivery.State.WITHDRAWN)
    deliveries = Delivery.objects.filter(batch=batch).exclude(state=Delivery.State.WITHDRAWN)
    pages = sum(d.letter.pages for d in deliveries)
    sheets = sum(d.letter.sheets for d in deliveries)
    section = printing.printing(NOV)
    volume = {row[0]: row[1:] for row in section.figures[0].table.rows}
    assert volume["01.11."] == (2, pages, sheets, Decimal("1.90"))
    assert volume["Gesamt"] == (2, pages, sheets, Decimal("1.90"))
    assert isinstance(volume["Gesamt"][3], Decimal)
    by_class = section.figures[1].table.rows
    assert by_class == [("Standardbrief", 2, Decimal("1.90")), ("Gesamt", 2, Decimal("1.90"))]
    october = Period(datetime.date(2026, 10, 1), datetime.date(2026, 10, 31))
    assert printing.printing(october).figures[0].table.rows[-1] == (
        "Gesamt",
        0,
        0,
        0,
        Decimal("0.00"),
    )


def test_unprinted_batches_do_not_count(batched: list[PrintBatch]) -> None:
    assert printing.printing(NOV).figures[0].table.rows[-1][1] == 0
