"""Double submits at the same moment (PostgreSQL): four threads register the same case and
four answer the same complaint; exactly one of each wins, the others get the refusal."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from conftest import make_staff
from kc.cases import complaints
from kc.cases.models import Complaint, Message
from kc.cases.tests.factories import CaseFactory, QueueFactory
from kc.core import roles
from kc.core.numbers import ensure_base_ranges
from kc.core.validation import Refusal
from kc.letters.models import Letter
from kc.letters.services import ensure_number_ranges
from kc.letters.tests.factories import LetterheadFactory, customer_with_address

THREADS = 4


def needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks under concurrency are PostgreSQL's")


def race(action: Callable[[], object]) -> tuple[int, list[BaseException]]:
    """Run `action` in THREADS threads at once: (successes, refusals); other errors fail."""
    barrier = threading.Barrier(THREADS)
    lock = threading.Lock()
    won: list[object] = []
    refused: list[BaseException] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            result = action()
            with lock:
                won.append(result)
        except Refusal as exc:
            with lock:
                refused.append(exc)
        except BaseException as exc:  # noqa: BLE001 (reported by the test)
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return len(won), refused


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registration_and_answer_happen_once() -> None:
    needs_postgres()
    ensure_base_ranges()
    ensure_number_ranges()
    QueueFactory(is_default=True)
    LetterheadFactory()
    manager = make_staff("beschwerde", roles.COMPLAINT_MANAGER)
    case = CaseFactory(partner=customer_with_address(), channel="phone")

    won, refused = race(
        lambda: complaints.register_complaint(case=case, category="billing", actor=manager)
    )
    assert (won, len(refused)) == (1, THREADS - 1)
    assert Complaint.objects.count() == 1
    assert Letter.objects.filter(kind="complaint_acknowledgement").count() == 1

    complaint = Complaint.objects.get()
    won, refused = race(
        lambda: complaints.answer(
            complaint=complaint, outcome="not_remedied", reasons="Korrekt.", actor=manager
        )
    )
    assert (won, len(refused)) == (1, THREADS - 1)
    assert all("bereits am" in str(exc) for exc in refused)
    assert Letter.objects.filter(kind="complaint_answer").count() == 1
    assert (
        case.messages.filter(kind=Message.Kind.STATUS, body_text__contains="Erledigt").count() == 1
    )
