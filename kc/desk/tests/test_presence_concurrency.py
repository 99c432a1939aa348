"""Concurrent updates on PostgreSQL: the first presence of a person and overlapping shifts."""

import datetime
import itertools
import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from conftest import make_staff
from kc.core import roles
from kc.core.validation import Refusal
from kc.desk.models import Location, Presence, PresenceEvent, PresenceState, Shift
from kc.desk.presence import set_location, set_state
from kc.desk.shifts import copy_week, save_shift

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(actions: list[Callable[[], object]]) -> list[object]:
    """Run the actions in threads released at the same moment; their results or errors."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def worker(index: int) -> None:
        barrier.wait()
        try:
            results[index] = actions[index]()
        except Exception as exc:  # noqa: BLE001 (the test inspects what each thread got)
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_first_updates_at_once_make_one_presence():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    user = make_staff("heike", roles.AGENT)
    results = run_together(
        [
            lambda: set_location(user, Location.HOME_OFFICE),
            lambda: set_state(user, PresenceState.BREAK),
            lambda: set_location(user, Location.HOME_OFFICE),
            lambda: set_state(user, PresenceState.BREAK),
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert Presence.objects.filter(user=user).count() == 1
    presence = Presence.objects.get(user=user)
    last = PresenceEvent.objects.filter(user=user).latest("pk")
    assert (presence.location, presence.state) == (last.location, last.state)


def test_overlapping_shifts_at_once_one_wins():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    user = make_staff("heike", roles.AGENT)
    day = datetime.date(2026, 12, 1)

    def plan(start: int, end: int) -> Callable[[], object]:
        return lambda: save_shift(
            user=user,
            day=day,
            start=datetime.time(start),
            end=datetime.time(end),
            location=Location.CALL_CENTER,
        )

    results = run_together([plan(8, 12), plan(10, 14), plan(11, 13), plan(9, 10)])
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 4 - Shift.objects.count()
    assert not [r for r in results if isinstance(r, Exception) and r not in refused]
    shifts = list(Shift.objects.order_by("start"))
    for first, second in itertools.pairwise(shifts):
        assert first.end <= second.start


def test_copying_a_week_twice_at_once_copies_it_once():
    # A double click on "Vorwoche übernehmen": the second copy was a 500 (IntegrityError of
    # the overlap constraint) instead of the refusal a later click gets.
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    people = [make_staff(f"agent{n}", roles.AGENT) for n in range(3)]
    source = datetime.date(2026, 11, 30)
    for person in people:
        save_shift(
            user=person,
            day=source,
            start=datetime.time(8),
            end=datetime.time(14),
            location=Location.HOME_OFFICE,
        )
    target = source + datetime.timedelta(days=7)
    results = run_together(
        [lambda: copy_week(source_monday=source, target_monday=target) for _n in range(4)]
    )
    assert sorted(r for r in results if isinstance(r, int)) == [3]
    assert [type(r) for r in results if not isinstance(r, int)] == [Refusal] * 3
    assert Shift.objects.filter(day=target).count() == 3
