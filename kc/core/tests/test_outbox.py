"""The shared outbox claim: claimed once, taken back after the timeout, settled only by the
claim that holds the row, retried with backoff, given up after the last attempt."""

import datetime
import threading
from collections import Counter

import pytest
from django.db import OperationalError, connection, models, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kc.api.models import WebhookDelivery, WebhookEndpoint
from kc.core.outbox import MAIL_BACKOFF, Backoff, LeaseOutbox, Outbox, through_outage
from kc.core.tests import pg
from kc.portal.models import PortalMail

pytestmark = pytest.mark.django_db
TIMEOUT = datetime.timedelta(minutes=10)
LEASE = datetime.timedelta(seconds=40)
State = PortalMail.State
Status = WebhookDelivery.Status


def mail_outbox(scope: models.Q | None = None, max_attempts: int = 3) -> Outbox[PortalMail]:
    return Outbox.with_states(
        PortalMail, State, scope=scope or models.Q(), timeout=TIMEOUT, max_attempts=max_attempts
    )


def webhook_outbox(max_attempts: int = 3) -> LeaseOutbox[WebhookDelivery]:
    return LeaseOutbox(
        model=WebhookDelivery,
        state_field="status",
        due_field="next_try_at",
        pending=Status.PENDING,
        done=Status.DELIVERED,
        failed=Status.FAILED,
        lease=lambda: LEASE,
        max_attempts=max_attempts,
        backoff=Backoff((60, 120)),
    )


def new_mail(to: str = "a@example.org") -> PortalMail:
    return PortalMail.objects.create(to=to, subject="Betreff", body="Text")


def new_delivery(key: str = "k") -> WebhookDelivery:
    hook, _ = WebhookEndpoint.objects.get_or_create(
        name="Empfänger", defaults={"url": "https://hooks.example.org/", "secret": "s"}
    )
    return WebhookDelivery.objects.create(
        endpoint=hook, event="case.created", event_key=key, payload={}, next_try_at=timezone.now()
    )


def age_claim(mail: PortalMail, by: datetime.timedelta) -> None:
    PortalMail.objects.filter(pk=mail.pk).update(claimed_at=timezone.now() - by)


def test_backoff_waits_grow_and_the_last_repeats() -> None:
    waits = [MAIL_BACKOFF.delay(attempt).total_seconds() for attempt in range(1, 9)]
    assert waits == [60, 300, 900, 3600, 10800, 10800, 10800, 10800]
    assert MAIL_BACKOFF.delay(0) == datetime.timedelta(seconds=60)


def test_doubling_backoff_doubles_up_to_its_cap() -> None:
    backoff = Backoff.doubling(60, 6 * 3600)
    expected = [min(60 * 2 ** (attempt - 1), 6 * 3600) for attempt in range(1, 16)]
    assert [backoff.delay(a).total_seconds() for a in range(1, 16)] == expected


def test_a_backoff_needs_a_wait() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Backoff(())
    with pytest.raises(ValueError, match="negative"):
        Backoff((60, -1))


def test_a_row_is_claimed_once_and_counts_the_attempt() -> None:
    outbox = mail_outbox()
    mail = new_mail()
    claimed = outbox.claim(mail.pk)
    assert claimed is not None and claimed.state == State.SENDING and claimed.attempts == 1
    assert claimed.claimed_at is not None
    assert outbox.claim(mail.pk) is None
    assert list(outbox.waiting()) == []


def test_a_stale_claim_is_taken_back_and_the_first_claim_can_no_longer_settle() -> None:
    outbox = mail_outbox()
    first = outbox.claim(new_mail().pk)
    assert first is not None
    age_claim(first, TIMEOUT - datetime.timedelta(seconds=5))
    assert outbox.claim(first.pk) is None and not outbox.waiting().exists()
    age_claim(first, TIMEOUT + datetime.timedelta(seconds=5))
    assert list(outbox.waiting()) == [first]
    second = outbox.claim(first.pk)
    assert second is not None and second.attempts == 2
    # The worker that was thought dead comes back: its claim no longer holds.
    assert not outbox.mark_done(first)
    assert outbox.mark_done(second, sent_at=timezone.now())
    second.refresh_from_db()
    assert second.state == State.SENT and second.claimed_at is None and second.sent_at
    assert outbox.claim(second.pk) is None


def test_failed_attempts_wait_again_until_the_last_then_fail() -> None:
    outbox = mail_outbox(max_attempts=3)
    mail = new_mail()
    outcomes = []
    for _ in range(3):
        claimed = outbox.claim(mail.pk)
        assert claimed is not None
        outcomes.append(outbox.mark_failed(claimed, last_error=f"try {claimed.attempts}"))
    assert outcomes == [True, True, False]
    mail.refresh_from_db()
    assert (mail.state, mail.attempts, mail.last_error) == (State.FAILED, 3, "try 3")
    assert mail.claimed_at is None and outbox.claim(mail.pk) is None


def test_the_scope_limits_claim_and_sweep() -> None:
    outbox = mail_outbox(scope=models.Q(to__endswith="@example.org"))
    inside, outside = new_mail("a@example.org"), new_mail("b@example.net")
    assert list(outbox.waiting()) == [inside]
    assert outbox.claim(outside.pk) is None
    assert outbox.claim(inside.pk) is not None


def test_retry_later_enqueues_the_next_attempt_after_the_backoff() -> None:
    from kc.portal.tasks import send_portal_mail

    before = timezone.now()
    mail_outbox().retry_later(send_portal_mail, 41, 2)
    result = DBTaskResult.objects.get(task_path="kc.portal.tasks.send_portal_mail")
    assert result.args_kwargs["args"] == [41, 3]
    assert result.run_after is not None
    wait = result.run_after - before
    assert datetime.timedelta(seconds=300) <= wait < datetime.timedelta(seconds=310)


def test_a_lease_claim_moves_the_due_time_until_the_lease_ends() -> None:
    outbox = webhook_outbox()
    delivery = new_delivery()
    claimed = outbox.claim(delivery.pk)
    assert claimed is not None and claimed.attempts == 1 and claimed.status == Status.PENDING
    assert claimed.next_try_at is not None and claimed.next_try_at > timezone.now()
    assert outbox.claim(delivery.pk) is None and not outbox.waiting().exists()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_try_at=timezone.now())
    again = outbox.claim(delivery.pk)
    assert again is not None and again.attempts == 2
    assert not outbox.mark_done(claimed)  # the lease ran out and was taken
    assert outbox.mark_done(again, response_code=204)
    again.refresh_from_db()
    assert again.status == Status.DELIVERED and again.response_code == 204


def test_a_failed_lease_attempt_is_due_after_the_backoff_then_given_up() -> None:
    outbox = webhook_outbox(max_attempts=2)
    delivery = new_delivery()
    claimed = outbox.claim(delivery.pk)
    assert claimed is not None
    before = timezone.now()
    assert outbox.mark_failed(claimed, last_error="HTTP 500")
    claimed.refresh_from_db()
    assert claimed.status == Status.PENDING and claimed.next_try_at is not None
    assert datetime.timedelta(seconds=59) <= claimed.next_try_at - before
    assert claimed.next_try_at - before <= datetime.timedelta(seconds=61)
    assert outbox.claim(delivery.pk) is None  # not due yet
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_try_at=timezone.now())
    last = outbox.claim(delivery.pk)
    assert last is not None and not outbox.mark_failed(last, last_error="HTTP 500")
    last.refresh_from_db()
    assert last.status == Status.FAILED and outbox.claim(delivery.pk) is None


THREADS = 8
ROWS = 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["state", "lease"])
def test_racing_threads_claim_each_row_once(kind: str) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are what this proves; SQLite serialises them")
    outbox: Outbox[PortalMail] | LeaseOutbox[WebhookDelivery]
    if kind == "state":
        outbox = mail_outbox()
        ids = [new_mail(f"k{n}@example.org").pk for n in range(ROWS)]
    else:
        outbox = webhook_outbox()
        ids = [new_delivery(f"k{n}").pk for n in range(ROWS)]
    barrier = threading.Barrier(THREADS)
    claims: Counter[int] = Counter()
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        try:
            barrier.wait()
            # Each thread starts elsewhere in the list, so they collide all along it.
            mine = [pk for pk in ids[offset:] + ids[:offset] if outbox.claim(pk) is not None]
            with lock:
                claims.update(mine)
        except BaseException as failed:  # noqa: BLE001 (reported by the assertion below)
            errors.append(failed)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n * 5,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(claims) == sorted(ids) and set(claims.values()) == {1}
    assert set(outbox.model._default_manager.values_list("attempts", flat=True)) == {1}


def _cut_off(pid: int) -> None:
    """End the backend `pid` from a second connection, as a database restart does."""
    with pg.connect() as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sent_is_recorded_through_a_lost_connection_instead_of_sending_again() -> None:
    """The mail went out; the connection dies before "sent" is written. Without the retry the
    row stays "sending" and is sent again after the claim timeout."""
    if connection.vendor != "postgresql":
        pytest.skip("ends a server backend")
    outbox = mail_outbox()
    claimed = outbox.claim(new_mail().pk)
    assert claimed is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        _cut_off(cursor.fetchone()[0])

    assert outbox.mark_done(claimed) is True
    claimed.refresh_from_db()
    assert claimed.state == State.SENT and claimed.claimed_at is None


@pytest.mark.django_db(transaction=True)
def test_settling_gives_up_after_its_patience_and_never_retries_inside_a_transaction() -> None:
    calls: list[int] = []

    def always_lost() -> int:
        calls.append(1)
        raise OperationalError("server closed the connection unexpectedly")

    with pytest.raises(OperationalError):
        through_outage(always_lost, patience=0.3, pause=0.1)
    assert 2 <= len(calls) <= 5
    calls.clear()
    with pytest.raises(OperationalError), transaction.atomic():
        through_outage(always_lost, patience=5, pause=0.1)
    assert len(calls) == 1  # the transaction is lost: its caller must start again


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["state", "lease"])
def test_sent_counts_when_the_answer_to_a_committed_settle_is_lost(kind: str) -> None:
    """The UPDATE to "sent" commits, then the connection breaks before its answer arrives:
    the retry finds nothing to change, yet the row was settled by this claim (a caller such
    as the letters' outbox records the delivery only on True)."""
    outbox: Outbox[PortalMail] | LeaseOutbox[WebhookDelivery]
    if kind == "state":
        outbox = mail_outbox()
        row: PortalMail | WebhookDelivery | None = outbox.claim(new_mail().pk)
    else:
        outbox = webhook_outbox()
        row = outbox.claim(new_delivery().pk)
    assert row is not None
    answers_lost: list[str] = []

    def lose_first_answer(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        result = execute(sql, params, many, context)
        if sql.lstrip().upper().startswith("UPDATE") and not answers_lost:
            answers_lost.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        return result

    with connection.execute_wrapper(lose_first_answer):
        done = outbox.mark_done(row)  # type: ignore[arg-type]
    assert answers_lost
    assert done is True
    assert outbox.settled_by(row).exists()  # type: ignore[arg-type]
