"""Inside the child process: a fresh database, then `ingest_mailbox` timed over one folder."""

import contextlib
import resource
import shutil
import time
from pathlib import Path

from maillib.corpus import KNOWN_CUSTOMERS

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DB = "kc_bench_mail"
ACK_BODY = "{anrede}\n\nvielen Dank für Ihre Nachricht. Ihr Vorgang: {vorgang}.\n"


def rss_mb() -> float:
    """Peak RSS since the last `reset_peak` (VmHWM), else since the process started."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def reset_peak() -> None:
    """Let the peak count from now (Linux: clear_refs 5 resets VmHWM to the current RSS)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def reset_database(db: str, var_dir: Path) -> None:
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    if db == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_DB}"')


def drop_database(db: str) -> None:
    if db != "postgres":
        return
    from django.db import connection

    connection.close()
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')


def prepare() -> None:
    """Migrate; a default queue, the acknowledgement text, the known customers."""
    from django.core.management import call_command

    from kc.cases.inbound import ACK_MODULE_TITLE
    from kc.cases.models import Queue, TextModule
    from kc.core.models import Team
    from kc.customers.models import BusinessPartner

    call_command("migrate", verbosity=0)
    team, _ = Team.objects.get_or_create(name="Homeoffice", kind=Team.Kind.HOME_OFFICE)
    if not Queue.objects.filter(is_default=True).exists():
        Queue.objects.create(name="Kundenservice", team=team, is_default=True)
    TextModule.objects.get_or_create(title=ACK_MODULE_TITLE, defaults={"body": ACK_BODY})
    for n, address in enumerate(KNOWN_CUSTOMERS):
        BusinessPartner.objects.create(
            number=f"{1_900_000 + n}",
            kind=BusinessPartner.Kind.PERSON,
            salutation=BusinessPartner.Salutation.MS,
            first_name="Bench",
            last_name=f"Kundin {n}",
            email=address,
            phone="0211 1234567",
            preferred_channel=BusinessPartner.Channel.EMAIL,
        )


def run(port: int, folder: str, mails: int) -> dict[str, float | int | str]:
    """Ingest the folder until it is empty; figures of the timed part."""
    from kc.cases.models import Attachment, Case, Message
    from kc.channels.email.imap import ImapConfig
    from kc.channels.email.ingest import IngestReport, ingest_mailbox, own_addresses
    from maillib.servers import PASSWORD, USER

    config = ImapConfig(
        host="127.0.0.1", port=port, security="plain", user=USER, password=PASSWORD, folder=folder
    )
    reset_peak()
    rss_before = rss_mb()
    total = IngestReport()
    failed: list[str] = []
    start = time.perf_counter()
    while True:
        report = ingest_mailbox(config, own_addresses=own_addresses(), limit=10_000)
        total.fetched += report.fetched
        total.stored += report.stored
        total.new_cases += report.new_cases
        total.duplicates += report.duplicates
        failed += report.failed
        if report.fetched == 0 or total.fetched >= mails:
            break
    seconds = time.perf_counter() - start
    return {
        "fetched": total.fetched,
        "stored": total.stored,
        "new_cases": total.new_cases,
        "duplicates": total.duplicates,
        "failed": len(failed),
        "failed_sample": ", ".join(failed[:5]),
        "seconds": seconds,
        "rss_before_mb": rss_before,
        "rss_peak_mb": rss_mb(),
        "cases": Case.objects.count(),
        "messages_in": Message.objects.filter(kind=Message.Kind.EMAIL_IN).count(),
        "acks": Message.objects.filter(kind=Message.Kind.EMAIL_OUT, automatic=True).count(),
        "with_partner": Case.objects.filter(partner__isnull=False).count(),
        "attachments": Attachment.objects.count(),
    }
