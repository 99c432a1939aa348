"""`manage.py privacy_purge [--dry-run] [--date YYYY-MM-DD]`: the periodic purge by hand."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from kc.privacy import periodic


class Command(BaseCommand):
    help = "Finish blocked erasures and purge customers whose retention periods have ended."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only print what would go")
        parser.add_argument("--date", type=datetime.date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["date"] or timezone.localdate()
        dry_run = options["dry_run"]
        report = periodic.run(today, dry_run=dry_run)
        verb = "would" if dry_run else "did"
        for number, due in report.restricted:
            self.stdout.write(f"{verb} restrict {number} until {due or '-'}")
        for number, reason in report.still_blocked:
            self.stdout.write(f"blocked {number}: {reason}")
        for number, counts in report.purged:
            self.stdout.write(f"{verb} purge {number}: {counts}")
        self.stdout.write(f"{today.isoformat()} {report.counts()}")
