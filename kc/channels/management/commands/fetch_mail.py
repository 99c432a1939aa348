"""Fetch new mail from the IMAP mailbox into cases, now (the scheduler also does it)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kc.channels.email.ingest import configured_mailbox, ingest_mailbox, own_addresses


class Command(BaseCommand):
    help = "Fetch new mail from the IMAP mailbox (KC_IMAP_*) into cases."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        config = configured_mailbox()
        if config is None:
            raise CommandError("No mailbox configured: set KC_IMAP_HOST, KC_IMAP_USER, ...")
        report = ingest_mailbox(config, own_addresses=own_addresses(), limit=options["limit"])
        self.stdout.write(
            f"{report.fetched} fetched, {report.stored} stored ({report.new_cases} new cases), "
            f"{report.duplicates} duplicates, {report.already_done} already done, "
            f"{len(report.failed)} failed"
        )
        for failure in report.failed:
            self.stderr.write(f"failed: {failure}")
