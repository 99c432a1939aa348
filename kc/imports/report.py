"""The report of an import run: per file rows read, created, updated, unchanged, failed, and
every failed row with line, column and a German reason. Stored as JSON on ImportRun."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class RowFailure:
    line: int
    column: str
    message: str


@dataclass
class FileReport:
    name: str
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    refused: str = ""  # the whole file was not read, and why
    encoding: str = ""
    delimiter: str = ""
    ignored_columns: list[str] = field(default_factory=list)
    errors: list[RowFailure] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, outcome: str, rows: int = 1) -> None:
        setattr(self, outcome, getattr(self, outcome) + rows)


@dataclass
class Report:
    system: str
    dry_run: bool
    files: list[FileReport] = field(default_factory=list)
    problem: str = ""  # the input was unusable: nothing was imported
    ignored_files: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def usable(self) -> bool:
        return not self.problem

    def totals(self) -> dict[str, int]:
        keys = ("read", "created", "updated", "unchanged", "failed")
        return {key: sum(getattr(f, key) for f in self.files) for key in keys}

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "totals": self.totals()}


def as_text(report: dict[str, Any]) -> str:
    """The report for a terminal (the management command)."""
    mode = "Probelauf (nichts gespeichert)" if report["dry_run"] else "Übernahme"
    lines = [f"Datenübernahme aus {report['system']}: {mode}"]
    if report["problem"]:
        lines.append(f"NICHT AUSGEFÜHRT: {report['problem']}")
    for name in report["ignored_files"]:
        lines.append(f"Ignoriert (unbekannter Dateiname): {name}")
    for item in report["files"]:
        lines.append("")
        if item["refused"]:
            lines.append(f"{item['name']}: ABGELEHNT – {item['refused']}")
            continue
        lines.append(
            f"{item['name']} ({item['encoding']}, Trenner {item['delimiter']!r}): "
            f"gelesen {item['read']}, neu {item['created']}, geändert {item['updated']}, "
            f"unverändert {item['unchanged']}, fehlerhaft {item['failed']}"
        )
        if item["ignored_columns"]:
            lines.append(f"  unbekannte Spalten ignoriert: {', '.join(item['ignored_columns'])}")
        for error in item["errors"]:
            column = f" Spalte {error['column']}" if error["column"] else ""
            lines.append(f"  Zeile {error['line']}{column}: {error['message']}")
    totals = report["totals"]
    lines.append("")
    lines.append(
        f"Summe: gelesen {totals['read']}, neu {totals['created']}, geändert "
        f"{totals['updated']}, unverändert {totals['unchanged']}, fehlerhaft {totals['failed']}"
        f" ({report['seconds']:.1f} s)"
    )
    return "\n".join(lines)
