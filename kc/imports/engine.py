"""Run an import: files in order, each unit of rows in its own savepoint, idempotent through
LegacyKey. A dry run is one transaction, rolled back; the real run commits in batches.

A unit is one row, or for zaehler.csv all rows of one meter. The handler creates the object
through the owning app's services, then the unit's legacy key is inserted (the unique
constraint makes a parallel run wait for the other's commit, fail, undo its row and then find
the key as "unchanged"). A known key with the same row hash is
"unchanged"; with another hash the handler updates the object. A unit that fails is rolled
back to its savepoint and reported; rows referring to it fail with "hängt von ... ab".
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.core.models import User
from kc.core.validation import Refusal
from kc.imports import csvfile, master_data, metering, open_items
from kc.imports.context import Context, Handler, Mapped
from kc.imports.csvfile import ParsedFile, Row
from kc.imports.formats import FORMATS, METER_ENTITY, FileFormat
from kc.imports.models import LegacyKey
from kc.imports.report import FileReport, Report, RowFailure
from kc.imports.values import RowError

HANDLERS: dict[str, Handler] = {
    handler.fmt.name: handler
    for handler in (
        master_data.CustomerHandler(),
        master_data.AccountHandler(),
        master_data.ContractHandler(),
        metering.MeterHandler(),
        metering.ReadingHandler(),
        open_items.OpenItemHandler(),
    )
}


# Units per transaction in the real run. A crash keeps the committed batches; a re-run with
# the same files finds them ("unchanged") and continues.
BATCH_UNITS = 500


class _Claimed(Exception):  # noqa: N818 (control flow: another run has mapped the key)
    pass


def run_import(
    files: dict[str, bytes],
    *,
    system: str,
    dry_run: bool,
    actor: User | None,
    ignored_files: Iterable[str] = (),
    batch_size: int = BATCH_UNITS,
) -> Report:
    """Import the files (name -> bytes); nothing at all when a file is refused. A dry run is
    one transaction, rolled back; the real run commits every `batch_size` units, so locks
    (number ranges, registers) are not held for the whole import and agents keep working."""
    started = time.monotonic()
    report = Report(system=system, dry_run=dry_run, ignored_files=list(ignored_files))
    parsed = _parse_all(files, report)
    if report.problem:
        return report
    ctx = Context(system=system, actor=actor)
    if dry_run:
        with transaction.atomic():
            for parsed_file, file_report in parsed:
                _import_file(ctx, parsed_file, file_report, batch_size=None)
            transaction.set_rollback(True)
    else:
        for parsed_file, file_report in parsed:
            _import_file(ctx, parsed_file, file_report, batch_size=batch_size)
    report.seconds = round(time.monotonic() - started, 2)
    return report


def _parse_all(files: dict[str, bytes], report: Report) -> list[tuple[ParsedFile, FileReport]]:
    parsed: list[tuple[ParsedFile, FileReport]] = []
    for fmt in FORMATS:
        if fmt.name not in files:
            continue
        file_report = FileReport(name=fmt.name)
        report.files.append(file_report)
        try:
            parsed_file = csvfile.parse(files[fmt.name], fmt)
        except csvfile.FileRefused as refusal:
            file_report.refused = str(refusal)
            continue
        file_report.encoding = parsed_file.encoding
        file_report.delimiter = parsed_file.delimiter
        file_report.ignored_columns = parsed_file.ignored_columns
        file_report.read = len(parsed_file.rows)
        parsed.append((parsed_file, file_report))
    refused = [f.name for f in report.files if f.refused]
    if refused:
        report.problem = _(
            "Nicht lesbar: %(files)s. Es wurde nichts übernommen; bitte die Dateien korrigieren."
        ) % {"files": ", ".join(refused)}
    return parsed


def row_hash(fmt: FileFormat, rows: list[Row]) -> str:
    data = [[row.values[column] for column in fmt.columns] for row in rows]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()


def _units(ctx: Context, parsed: ParsedFile, report: FileReport) -> list[tuple[str, list[Row]]]:
    """Rows grouped into units; rows without key or with a key seen before fail here."""
    fmt = parsed.fmt
    seen: dict[str, int] = {}
    units: dict[str, list[Row]] = {}
    for row in parsed.rows:
        key = row.values[fmt.key]
        group = row.values[fmt.group] if fmt.group else key
        problem: RowError | None = None
        if not key or not group:
            column = fmt.key if not key else fmt.group
            problem = RowError(column, _("Der Schlüssel fehlt."))
        elif len(key) > 60 or len(group) > 60:
            problem = RowError(fmt.key, _("Der Schlüssel ist länger als 60 Zeichen."))
        elif key in seen:
            problem = RowError(
                fmt.key,
                _("Der Schlüssel „%(key)s“ steht schon in Zeile %(line)s dieser Datei.")
                % {"key": key, "line": seen[key]},
            )
        if problem is not None:
            report.errors.append(RowFailure(row.line, problem.column, problem.message))
            report.count("failed")
            continue
        seen[key] = row.line
        units.setdefault(group, []).append(row)
    return list(units.items())


def _import_file(
    ctx: Context, parsed: ParsedFile, report: FileReport, *, batch_size: int | None
) -> None:
    started = time.monotonic()
    handler = HANDLERS[parsed.fmt.name]
    units = _units(ctx, parsed, report)
    size = batch_size or len(units) or 1
    for first in range(0, len(units), size):
        with transaction.atomic():
            for key, rows in units[first : first + size]:
                try:
                    outcome = _import_unit(ctx, handler, key, rows)
                except RowError as error:
                    _fail(ctx, handler.fmt, key, rows, report, error.column, error.message)
                    continue
                report.count(outcome, len(rows))
    report.errors.sort(key=lambda failure: failure.line)
    report.seconds = round(time.monotonic() - started, 2)


def _entity(fmt: FileFormat) -> str:
    return METER_ENTITY if fmt.group else fmt.entity


def _import_unit(ctx: Context, handler: Handler, key: str, rows: list[Row]) -> str:
    entity = _entity(handler.fmt)
    digest = row_hash(handler.fmt, rows)
    known = ctx.mapped(entity).get(key)
    try:
        return _write_unit(ctx, handler, key, rows, digest, known)
    except _Claimed:
        # Another run imported this key meanwhile (and has committed): treat it as known.
        known = ctx.reload(entity, key)
        if known is None:
            raise RowError(
                handler.fmt.key, _("Ein anderer Lauf übernimmt diesen Schlüssel gerade.")
            ) from None
        return _write_unit(ctx, handler, key, rows, digest, known)


def _write_unit(
    ctx: Context,
    handler: Handler,
    key: str,
    rows: list[Row],
    digest: str,
    known: Mapped | None,
) -> str:
    if known is not None and known.row_hash == digest:
        return "unchanged"
    entity = _entity(handler.fmt)
    try:
        with transaction.atomic():
            if known is not None:
                handler.update(ctx, rows, known.object_id)
                LegacyKey.objects.filter(system=ctx.system, entity=entity, key=key).update(
                    row_hash=digest, updated_at=timezone.now()
                )
                ctx.mapped(entity)[key] = Mapped(known.object_id, digest)
                return "updated"
            created = handler.create(ctx, rows)
            # Last in the savepoint: a parallel run that holds the key makes this insert wait
            # for its commit and then fail, which undoes what this row created.
            _map(ctx, entity, key, digest, created.obj)
            for sub_entity, objects in created.sub_objects.items():
                for sub_key, obj in objects.items():
                    _map(ctx, sub_entity, sub_key, digest, obj)
    except (ValidationError, Refusal, IntegrityError) as error:
        # A parallel run may have imported the key meanwhile (its objects then clash with
        # this row's): what it made counts, this row finds the key.
        if known is None and ctx.reload(entity, key) is not None:
            raise _Claimed from error
        raise _row_error(handler, error) from error
    # Only now, after the savepoint was released, the run may refer to the new objects.
    ctx.mapped(entity)[key] = Mapped(created.obj.pk, digest)
    for sub_entity, objects in created.sub_objects.items():
        for sub_key, obj in objects.items():
            ctx.mapped(sub_entity)[sub_key] = Mapped(obj.pk, digest)
    return "created"


def _map(ctx: Context, entity: str, key: str, digest: str, obj: models.Model) -> None:
    LegacyKey.objects.create(
        system=ctx.system,
        entity=entity,
        key=key,
        row_hash=digest,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
    )


def _row_error(handler: Handler, error: Exception) -> RowError:
    if isinstance(error, IntegrityError):
        reason = str(error).splitlines()[0]
        return RowError("", _("Die Datenbank lehnt die Zeile ab: %(reason)s") % {"reason": reason})
    if not isinstance(error, ValidationError):
        return RowError("", str(error))
    if hasattr(error, "error_dict"):
        field, errors = next(iter(error.error_dict.items()))
        messages = [message for item in errors for message in item.messages]
        column = "" if field == NON_FIELD_ERRORS else handler.columns.get(field, field)
        return RowError(column, " ".join(messages))
    return RowError("", " ".join(error.messages))


def _fail(
    ctx: Context,
    fmt: FileFormat,
    key: str,
    rows: list[Row],
    report: FileReport,
    column: str,
    message: str,
) -> None:
    where = _("Zeile %(line)s in %(file)s") % {"line": rows[0].line, "file": fmt.name}
    ctx.failed[(_entity(fmt), key)] = where
    for row in rows:
        ctx.failed[(fmt.entity, row.values[fmt.key])] = where
        report.errors.append(RowFailure(row.line, column, message))
    report.count("failed", len(rows))
