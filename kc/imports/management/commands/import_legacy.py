"""`manage.py import_legacy <dir|zip> [--dry-run] [--system NAME]`: import a legacy export
and print the report. Exit status 0 when the import ran, also with row errors (they are in
the report); 2 when the input is unusable (no such path, a refused ZIP, a file that cannot
be read or lacks columns): then nothing was imported."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from kc.imports import archive, engine
from kc.imports.report import as_text

UNUSABLE = 2


class Command(BaseCommand):
    help = "Importiert eine Lieferung aus dem Altsystem (Verzeichnis oder ZIP mit CSV-Dateien)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("source", type=Path, help="Verzeichnis oder ZIP-Datei")
        parser.add_argument("--dry-run", action="store_true", help="prüfen, nichts speichern")
        parser.add_argument("--system", default="altsystem", help="Name des Altsystems")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            export = archive.read_path(options["source"])
        except archive.ArchiveRefused as refusal:
            self.stderr.write(f"Nicht ausgeführt: {refusal}")
            sys.exit(UNUSABLE)
        report = engine.run_import(
            export.files,
            system=options["system"][:40],
            dry_run=options["dry_run"],
            actor=None,
            ignored_files=export.ignored,
        )
        self.stdout.write(as_text(report.to_dict()))
        if not report.usable:
            sys.exit(UNUSABLE)
