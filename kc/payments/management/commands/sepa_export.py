"""manage.py sepa_export --collection-date D --out FILE [--release]: the pain.008 direct debits."""

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kc.core.money import format_eur
from kc.payments import collections


class Command(BaseCommand):
    help = (
        "Schreibt die SEPA-Lastschriftdatei (pain.008.001.08) für alle fälligen Posten mit "
        "aktivem Mandat, geprüft gegen das XSD. Erst --release (oder sepa_release) bucht den "
        "Einzug; bis dahin kann die Datei neu erstellt werden."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--collection-date", required=True, help="Einzugsdatum JJJJ-MM-TT")
        parser.add_argument("--out", required=True, help="Zieldatei (.xml)")
        parser.add_argument("--release", action="store_true", help="gleich freigeben")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = datetime.date.fromisoformat(options["collection_date"])
        except ValueError as exc:
            raise CommandError(f"--collection-date: {exc}") from exc
        try:
            result = collections.export(day, Path(options["out"]))
        except collections.CollectionError as exc:
            raise CommandError(str(exc)) from exc
        for skipped in result.skipped[:100]:
            self.stdout.write(
                self.style.WARNING(
                    f"  nicht eingezogen: {skipped.account_number} {skipped.text} "
                    f"{format_eur(skipped.amount)}: {skipped.reason}"
                )
            )
        if len(result.skipped) > 100:
            self.stdout.write(f"  … und {len(result.skipped) - 100} weitere")
        if result.file is None:
            self.stdout.write("Keine einziehbaren Posten; keine Datei geschrieben.")
            return
        file = result.file
        self.stdout.write(
            self.style.SUCCESS(
                f"{file.message_id}: {file.count} Lastschriften, {format_eur(file.total)}, "
                f"Einzug am {file.collection_date:%d.%m.%Y} → {file.path} (XSD geprüft)"
            )
        )
        if options["release"]:
            count = collections.release(file, actor=None)
            self.stdout.write(
                self.style.SUCCESS(f"freigegeben: {count} Posten als eingezogen gebucht")
            )
