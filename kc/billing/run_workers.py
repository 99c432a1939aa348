"""The billing run in N processes (PostgreSQL): worker i bills the contracts with pk % N = i.

Each worker is a fresh interpreter (multiprocessing "spawn": no connection, lock or thread is
inherited from the parent), sets Django up, connects to the parent's database (the same NAME,
so a test database too) and runs `runs.bill_shard`. After every committed chunk it sends its
counts to the parent, which adds them up and reports progress; at the end it sends how many
statements it sent. The shards are disjoint, so the workers never wait for each other but for
a moment on the run's counter row, which each chunk updates just before its commit.

A worker that dies (a crash, a lost connection) leaves its committed chunks done and the rest
pending; the others finish their shards; the parent then raises RunError, and starting the run
again bills what is left.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from typing import TYPE_CHECKING

from django.db import connection
from django.utils.translation import gettext as _

# A spawned worker imports this module before it sets Django up: no models at the top.
if TYPE_CHECKING:
    from kc.billing.models import BillingRun
    from kc.billing.run_chunks import Counts
    from kc.billing.runs import Progress

POLL_SECONDS = 0.5


def bill_in_processes(
    run: BillingRun, workers: int, chunk: int, progress: Progress | None
) -> tuple[Counts, int]:
    """(what all workers did, statements they sent); RunError if a worker failed."""
    # Imported here: see the imports above; and `runs` imports this module.
    from kc.billing.run_chunks import Counts
    from kc.billing.runs import RunError

    context = multiprocessing.get_context("spawn")
    messages: Queue[tuple[str, int, tuple[int, ...]]] = context.Queue()
    database = connection.settings_dict["NAME"]
    processes: list[BaseProcess] = [
        context.Process(
            target=_work,
            args=(run.pk, shard, workers, chunk, database, messages),
            name=f"billing-run-{run.pk}-{shard}",
            daemon=True,  # never outlive the parent
        )
        for shard in range(workers)
    ]
    for process in processes:
        process.start()
    counts, statements = Counts(), 0

    def receive(message: tuple[str, int, tuple[int, ...]]) -> None:
        nonlocal counts, statements
        kind, _shard, values = message
        if kind == "chunk":
            counts += values
            if progress is not None:
                progress(*counts)
        else:
            statements += values[0]

    while any(process.is_alive() for process in processes):
        try:
            receive(messages.get(timeout=POLL_SECONDS))
        except queue_module.Empty:
            continue
    for process in processes:
        process.join()
    while True:  # what the last ones sent before they ended
        try:
            receive(messages.get(timeout=POLL_SECONDS))
        except queue_module.Empty:
            break
    failed = [process for process in processes if process.exitcode != 0]
    if failed:
        raise RunError(
            _(
                "%(failed)s von %(workers)s Abrechnungsprozessen sind abgebrochen (Exit-Code "
                "%(codes)s); bereits abgerechnete Verträge bleiben abgerechnet, ein neuer Start "
                "rechnet den Rest ab."
            )
            % {
                "failed": len(failed),
                "workers": workers,
                "codes": ", ".join(str(process.exitcode) for process in failed),
            }
        )
    return counts, statements


def _work(
    run_id: int,
    shard: int,
    shards: int,
    chunk: int,
    database: str,
    messages: Queue[tuple[str, int, tuple[int, ...]]],
) -> None:
    """In the worker process: a fresh interpreter, Django not set up yet."""
    import django

    django.setup()
    from kc.billing import run_chunks, runs
    from kc.billing.models import BillingRun

    connection.settings_dict["NAME"] = database
    run = BillingRun.objects.get(pk=run_id)
    with connection.execute_wrapper(run_chunks.STATEMENTS):
        for counts in runs.bill_shard(run, shard, shards, chunk=chunk):
            messages.put(("chunk", shard, tuple(counts)))
    messages.put(("statements", shard, (run_chunks.STATEMENTS.count,)))
    connection.close()
