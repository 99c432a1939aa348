import threading

import pytest
from django.db import connection

from kc.core.models import NumberRange
from kc.core.numbers import NumberRangeExhaustedError, next_number, reserve_numbers


@pytest.mark.django_db
def test_numbers_follow_each_other_with_width_and_prefix() -> None:
    NumberRange.objects.create(key="test", prefix="T", next_value=98, max_value=200, width=5)
    assert next_number("test") == "T00098"
    assert reserve_numbers("test", 3) == ["T00099", "T00100", "T00101"]
    assert next_number("test") == "T00102"


@pytest.mark.django_db
def test_exhausted_range_refuses_and_keeps_its_state() -> None:
    NumberRange.objects.create(key="small", next_value=1, max_value=2, width=1)
    assert reserve_numbers("small", 2) == ["1", "2"]
    with pytest.raises(NumberRangeExhaustedError):
        next_number("small")
    assert NumberRange.objects.get(key="small").next_value == 3


@pytest.mark.django_db
def test_default_ranges_exist() -> None:
    assert set(NumberRange.objects.values_list("key", flat=True)) >= {
        "customer",
        "contract_account",
        "contract",
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_never_get_the_same_number() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are what this proves; SQLite serialises writers anyway")
    NumberRange.objects.create(key="race", next_value=1, max_value=10_000, width=6)
    handed_out: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        mine = [next_number("race") for _ in range(25)]
        with lock:
            handed_out.extend(mine)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(handed_out) == 200
    assert len(set(handed_out)) == 200
    assert NumberRange.objects.get(key="race").next_value == 201
