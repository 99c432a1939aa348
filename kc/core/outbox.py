"""Outboxes: rows a worker sends once, claimed by a conditional UPDATE, retried with backoff.

The case e-mails, the letters' mail deliveries, the portal's mails and the webhook deliveries
keep what they send and what "sent" means in their own app; this module owns the claim:

- a row is claimable while it waits, or when its claim is older than the timeout (the worker
  died mid-send: the sweep takes it back, so a row goes out at least once);
- the claim is one conditional UPDATE on the row's own columns, which counts the attempt.
  PostgreSQL re-checks that condition on the locked row, so of racing workers exactly one
  changes it (no join in the UPDATE: a related filter becomes a subquery that is not
  re-checked);
- a worker settles a row only while its claim holds (still claimed, and no later claim has
  counted another attempt);
- a failed attempt lets the row wait again until `max_attempts`, after a backoff.

Two ways of keeping the claim: `Outbox` has a state "sending" and a claim timestamp;
`LeaseOutbox` keeps the row pending and moves its due time ahead by the lease (the due time
is also when a failed row is tried again).
"""

import datetime
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import InterfaceError, OperationalError, connection, models
from django.tasks import Task
from django.utils import timezone

type Seconds = int

log = logging.getLogger(__name__)

# How long a sender keeps trying to record "sent" through a database outage. The row went
# out already: giving up leaves it "sending", and after the claim timeout it goes out again.
SETTLE_PATIENCE_SECONDS = 60.0
SETTLE_PAUSE_SECONDS = 1.0


@dataclass(frozen=True)
class Backoff:
    """Waits before the 2nd, 3rd, ... attempt, in seconds; the last one repeats."""

    steps: tuple[Seconds, ...]

    def __post_init__(self) -> None:
        if not self.steps or min(self.steps) < 0:
            raise ValueError("a backoff needs at least one wait, none negative")

    @classmethod
    def doubling(cls, first: Seconds, cap: Seconds) -> "Backoff":
        """first, 2 * first, 4 * first, ... up to `cap`."""
        steps = [first]
        while steps[-1] < cap:
            steps.append(min(steps[-1] * 2, cap))
        return cls(tuple(steps))

    def delay(self, attempt: int) -> datetime.timedelta:
        """The wait after the failed `attempt` (counted from 1)."""
        return datetime.timedelta(seconds=self.steps[min(max(attempt, 1), len(self.steps)) - 1])


# The mail channels' schedule: 1, 5 and 15 minutes, 1 hour, then every 3 hours.
MAIL_BACKOFF = Backoff((60, 300, 900, 3600, 3 * 3600))


@dataclass(frozen=True, kw_only=True)
class _Claims[M: models.Model]:
    model: type[M]
    done: str  # state value: sent
    failed: str  # state value: given up
    max_attempts: int
    state_field: str = "state"
    attempts_field: str = "attempts"
    backoff: Backoff = MAIL_BACKOFF
    # The table's rows that belong to this outbox (e.g. only outgoing e-mail).
    scope: models.Q = field(default_factory=models.Q)

    def claimable(self, now: datetime.datetime) -> models.Q:
        raise NotImplementedError

    def _claim_changes(self, now: datetime.datetime) -> dict[str, Any]:
        raise NotImplementedError

    def _held(self) -> models.Q:
        raise NotImplementedError

    def _retry_changes(self, attempt: int, now: datetime.datetime) -> dict[str, Any]:
        raise NotImplementedError

    def _settled_changes(self) -> dict[str, Any]:
        return {}

    def waiting(self) -> models.QuerySet[M]:
        """Rows a worker may claim now (for the sweep)."""
        return self.model._default_manager.filter(self.scope & self.claimable(timezone.now()))

    def claim(self, pk: Any, rows: models.QuerySet[M] | None = None) -> M | None:
        """Take one row for one attempt; None when it is not claimable (sent, or someone
        else holds it). The row is loaded from `rows` (e.g. with select_related) after."""
        now = timezone.now()
        manager = self.model._default_manager
        condition = self.scope & self.claimable(now)
        if not manager.filter(condition, pk=pk).update(**self._claim_changes(now)):
            return None
        return (rows if rows is not None else manager.all()).get(pk=pk)

    def attempts(self, row: M) -> int:
        value: int = getattr(row, self.attempts_field)
        return value

    def holding(self, row: M) -> models.QuerySet[M]:
        """The row while the claim that loaded `row` still holds it."""
        return self.model._default_manager.filter(
            self._held(), pk=row.pk, **{self.attempts_field: self.attempts(row)}
        )

    def mark_done(self, row: M, **changes: Any) -> bool:
        """Sent; False when the claim was lost (then nothing changes). Waits out a database
        outage (a restart, a failover) rather than have the row sent twice."""
        settled = {self.state_field: self.done, **self._settled_changes(), **changes}
        tries = 0

        def settle() -> bool:
            nonlocal tries
            tries += 1
            if self.holding(row).update(**settled):
                return True
            # A retry: the try that lost its connection may have committed before the answer
            # was lost. Then the row is done under this claim's attempt count, and it is ours.
            return tries > 1 and self.settled_by(row).exists()

        return through_outage(settle)

    def settled_by(self, row: M) -> models.QuerySet[M]:
        """The row if the claim that loaded `row` recorded it as done."""
        return self.model._default_manager.filter(
            pk=row.pk, **{self.state_field: self.done, self.attempts_field: self.attempts(row)}
        )

    def mark_failed(self, row: M, **changes: Any) -> bool:
        """This attempt failed: True when the row waits for another, False when given up."""
        attempt = self.attempts(row)
        retry = attempt < self.max_attempts
        if retry:
            outcome = self._retry_changes(attempt, timezone.now())
        else:
            outcome = {self.state_field: self.failed, **self._settled_changes()}
        self.holding(row).update(**outcome, **changes)
        return retry

    def retry_later(self, task: Task[..., Any], pk: Any, attempt: int) -> None:
        """Enqueue `task(pk, attempt + 1)` after the backoff for `attempt`."""
        run_after = timezone.now() + self.backoff.delay(attempt)
        task.using(run_after=run_after).enqueue(pk, attempt + 1)


@dataclass(frozen=True, kw_only=True)
class Outbox[M: models.Model](_Claims[M]):
    """queued -> sending (claimed_at, attempts + 1) -> sent | queued again | failed."""

    queued: str
    sending: str
    timeout: datetime.timedelta
    claimed_at_field: str = "claimed_at"

    @classmethod
    def with_states[T: models.Model](
        cls, model: type[T], states: type[models.TextChoices], **options: Any
    ) -> "Outbox[T]":
        """The state values from choices that name them QUEUED, SENDING, SENT and FAILED."""
        return Outbox(
            model=model,
            queued=states["QUEUED"].value,
            sending=states["SENDING"].value,
            done=states["SENT"].value,
            failed=states["FAILED"].value,
            **options,
        )

    def claimable(self, now: datetime.datetime) -> models.Q:
        stale = {self.state_field: self.sending, f"{self.claimed_at_field}__lt": now - self.timeout}
        return models.Q(**{self.state_field: self.queued}) | models.Q(**stale)

    def _claim_changes(self, now: datetime.datetime) -> dict[str, Any]:
        return {
            self.state_field: self.sending,
            self.claimed_at_field: now,
            self.attempts_field: models.F(self.attempts_field) + 1,
        }

    def _held(self) -> models.Q:
        return models.Q(**{self.state_field: self.sending})

    def _retry_changes(self, attempt: int, now: datetime.datetime) -> dict[str, Any]:
        # The retry's wait is the task's (retry_later), not the row's.
        return {self.state_field: self.queued, **self._settled_changes()}

    def _settled_changes(self) -> dict[str, Any]:
        return {self.claimed_at_field: None}


@dataclass(frozen=True, kw_only=True)
class LeaseOutbox[M: models.Model](_Claims[M]):
    """pending, due (claim: due = now + lease, attempts + 1) -> delivered | pending, due
    after the backoff | failed."""

    due_field: str
    pending: str
    lease: Callable[[], datetime.timedelta]

    def claimable(self, now: datetime.datetime) -> models.Q:
        return models.Q(**{self.state_field: self.pending, f"{self.due_field}__lte": now})

    def _claim_changes(self, now: datetime.datetime) -> dict[str, Any]:
        return {
            self.due_field: now + self.lease(),
            self.attempts_field: models.F(self.attempts_field) + 1,
        }

    def _held(self) -> models.Q:
        return models.Q(**{self.state_field: self.pending})

    def _retry_changes(self, attempt: int, now: datetime.datetime) -> dict[str, Any]:
        return {self.due_field: now + self.backoff.delay(attempt)}


def through_outage[T](
    write: Callable[[], T],
    *,
    patience: float = SETTLE_PATIENCE_SECONDS,
    pause: float = SETTLE_PAUSE_SECONDS,
) -> T:
    """Run `write`, and again on a lost database connection until `patience` runs out.
    Inside a transaction there is nothing to retry: the transaction is lost, so it raises."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return write()
        except (OperationalError, InterfaceError) as exc:
            if connection.in_atomic_block or time.monotonic() >= deadline:
                raise
            log.warning("database unreachable while settling an outbox row, waiting: %s", exc)
            connection.close()  # the next query opens a new connection
            time.sleep(pause)
