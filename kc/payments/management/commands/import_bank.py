"""manage.py import_bank FILE: camt.053 / camt.054 / pain.002 into the ledger (idempotent)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kc.payments import bank_import, bankfiles


class Command(BaseCommand):
    help = (
        "Liest Kontoauszüge und Benachrichtigungen (camt.053, camt.054) sowie "
        "Statusberichte (pain.002): Rücklastschriften, Ablehnungen und Zahlungseingänge."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Bankdatei (XML)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Datei nicht gefunden: {path}")
        try:
            report = bank_import.import_file(path)
        except bankfiles.BankFileError as exc:
            raise CommandError(f"{path.name}: {exc} (nichts gebucht)") from exc
        done = report.bank_import
        if report.already_imported:
            self.stdout.write(
                self.style.WARNING(
                    f"{path.name} wurde bereits am {done.imported_at:%d.%m.%Y %H:%M} "
                    "eingelesen; nichts geändert."
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{path.name} ({done.kind}): {done.entries} Umsätze, {done.matched} Zahlungen "
                f"zugeordnet, {done.returns} Rücklastschriften/Ablehnungen, "
                f"{done.unmatched} zur Klärung, {done.skipped} schon bekannt"
            )
        )
