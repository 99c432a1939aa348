"""manage.py sepa_payouts --execution-date D --out FILE [--refunds] [--release]: pain.001."""

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kc.core.money import format_eur
from kc.payments import payouts
from kc.payments.files import FileError


class Command(BaseCommand):
    help = (
        "Schreibt die Überweisungsdatei (pain.001.001.09) für angewiesene Auszahlungen, "
        "geprüft gegen das XSD; --refunds weist vorher Guthaben zur Erstattung an."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--execution-date", required=True, help="Ausführungsdatum JJJJ-MM-TT")
        parser.add_argument("--out", required=True, help="Zieldatei (.xml)")
        parser.add_argument("--refunds", action="store_true", help="Guthaben erstatten")
        parser.add_argument("--release", action="store_true", help="gleich freigeben")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = datetime.date.fromisoformat(options["execution_date"])
        except ValueError as exc:
            raise CommandError(f"--execution-date: {exc}") from exc
        if options["refunds"]:
            requested = payouts.refund_credit_balances(timezone.localdate())
            self.stdout.write(f"{len(requested)} Guthaben zur Erstattung angewiesen")
        try:
            file = payouts.export(day, Path(options["out"]))
            if file is None:
                self.stdout.write("Keine angewiesenen Auszahlungen; keine Datei geschrieben.")
                return
            self.stdout.write(
                self.style.SUCCESS(
                    f"{file.message_id}: {file.count} Überweisungen, {format_eur(file.total)} "
                    f"→ {file.path} (XSD geprüft)"
                )
            )
            if options["release"]:
                count = payouts.release(file, actor=None)
                self.stdout.write(self.style.SUCCESS(f"freigegeben: {count} Auszahlungen gebucht"))
        except FileError as exc:
            raise CommandError(str(exc)) from exc
