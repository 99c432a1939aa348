"""manage.py dunning_run --date D: reminders, the legal chain, announcements and orders."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kc.disconnection import dunning


class Command(BaseCommand):
    help = (
        "Mahnlauf zum Stichtag: Zahlungserinnerungen und Mahnungen nach Stufen, für "
        "Haushaltskunden die Sperrandrohung, Ankündigung und der Sperrauftrag nach dem "
        "Regelwerk des Tages (wiederholbar)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", required=True, help="Stichtag JJJJ-MM-TT")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = datetime.date.fromisoformat(options["date"])
        except ValueError as exc:
            raise CommandError(f"--date: {exc}") from exc
        result = dunning.run(day, progress=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                f"Mahnlauf {day:%d.%m.%Y}: {result.notices} Mahnungen, {result.threats} "
                f"Sperrandrohungen, {result.announcements} Ankündigungen, {result.orders} "
                f"Sperraufträge, {result.stopped} eingestellt, {len(result.errors)} Fehler"
            )
        )
        for subject, message in result.errors[:50]:
            self.stdout.write(self.style.WARNING(f"  {subject}: {message}"))
