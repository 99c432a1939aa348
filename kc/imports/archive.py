"""The files of a legacy export from a directory or a ZIP, with guards against ZIP bombs.

Pure (no ORM). Limits: members, total uncompressed size (from the ZIP's directory and again
while reading, as a header can lie) and paths (no "..", no absolute paths). Only the known
file names are read; other members are listed as ignored.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext as _

from kc.core.uploads import MiB
from kc.imports.formats import BY_NAME

MAX_MEMBERS = 50
MAX_TOTAL_BYTES = 500 * MiB  # uncompressed; 100,000 readings are about 6 MB
MAX_ZIP_BYTES = 20 * MiB  # the upload itself (below KC_MAX_REQUEST_BYTES, 25 MB)
ZIP_MAGIC = b"PK\x03\x04"


class ArchiveRefused(ValueError):  # noqa: N818 (a refusal with a reason for people)
    """The export cannot be used at all; the message (German) says why."""


@dataclass
class Export:
    files: dict[str, bytes]
    ignored: list[str] = field(default_factory=list)


def _too_big() -> ArchiveRefused:
    return ArchiveRefused(
        _("Entpackt wäre der Inhalt größer als %(limit)s MB; das ist keine Altdaten-Lieferung.")
        % {"limit": MAX_TOTAL_BYTES // MiB}
    )


def _member_name(name: str) -> str:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or ":" in name:
        raise ArchiveRefused(
            _("Die ZIP-Datei enthält einen unzulässigen Pfad: %(name)s") % {"name": name}
        )
    return path.name.lower()


def read_zip(data: bytes) -> Export:
    if len(data) > MAX_ZIP_BYTES:
        raise ArchiveRefused(
            _("Die ZIP-Datei ist größer als %(limit)s MB.") % {"limit": MAX_ZIP_BYTES // MiB}
        )
    if not data.startswith(ZIP_MAGIC):
        raise ArchiveRefused(_("Das ist keine ZIP-Datei."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise ArchiveRefused(_("Die ZIP-Datei ist beschädigt.")) from error
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) > MAX_MEMBERS:
        raise ArchiveRefused(
            _("Die ZIP-Datei enthält %(count)s Dateien, erlaubt sind höchstens %(limit)s.")
            % {"count": len(members), "limit": MAX_MEMBERS}
        )
    if sum(info.file_size for info in members) > MAX_TOTAL_BYTES:
        raise _too_big()
    export = Export(files={})
    budget = MAX_TOTAL_BYTES
    for info in members:
        name = _member_name(info.filename)
        if name not in BY_NAME:
            export.ignored.append(info.filename)
            continue
        if name in export.files:
            raise ArchiveRefused(
                _("Die Datei %(name)s ist zweimal in der ZIP-Datei.") % {"name": name}
            )
        export.files[name] = _read_member(archive, info, budget)
        budget -= len(export.files[name])
    return _require_files(export)


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    try:
        with archive.open(info) as stream:
            data = stream.read(budget + 1)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as error:
        raise ArchiveRefused(
            _("Die Datei %(name)s in der ZIP-Datei ist nicht lesbar (%(reason)s).")
            % {"name": info.filename, "reason": error}
        ) from error
    if len(data) > budget:
        raise _too_big()
    return data


def read_directory(path: Path) -> Export:
    export = Export(files={})
    entries = sorted(child for child in path.iterdir() if child.is_file())
    if sum(child.stat().st_size for child in entries) > MAX_TOTAL_BYTES:
        raise _too_big()
    for child in entries:
        name = child.name.lower()
        if name in BY_NAME:
            export.files[name] = child.read_bytes()
        else:
            export.ignored.append(child.name)
    return _require_files(export)


def _require_files(export: Export) -> Export:
    if not export.files:
        raise ArchiveRefused(
            _("Keine der erwarteten Dateien gefunden (%(names)s).") % {"names": ", ".join(BY_NAME)}
        )
    return export


def read_path(path: Path) -> Export:
    """A directory with the CSV files or a ZIP file containing them."""
    if path.is_dir():
        return read_directory(path)
    if not path.is_file():
        raise ArchiveRefused(_("%(path)s gibt es nicht.") % {"path": path})
    if path.stat().st_size > MAX_ZIP_BYTES:
        raise ArchiveRefused(
            _("Die ZIP-Datei ist größer als %(limit)s MB.") % {"limit": MAX_ZIP_BYTES // MiB}
        )
    return read_zip(path.read_bytes())
