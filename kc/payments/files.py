"""What direct-debit and payout files share: ids, checksums, write-then-validate-then-move."""

from __future__ import annotations

import datetime
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Literal

from django.utils import timezone
from django.utils.translation import gettext as _

from kc.payments import sepa_xml


class FileError(ValueError):
    """The file cannot be made or released as asked; nothing changed."""


def message_id(prefix: str, day: datetime.date) -> str:
    """Unique per file (≤ 35 characters, SEPA set): kind, business day and creation instant."""
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    return f"KC-{prefix}-{day:%Y%m%d}-{stamp}"[:35]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_validated(
    out: Path,
    message: Literal["pain.008.001.08", "pain.001.001.09"],
    write: Callable[[BinaryIO], object],
) -> str:
    """Write to a side file, validate it against the XSD, then move it in place: a file that
    fails validation never appears at `out`. Returns the SHA-256 of the released bytes."""
    tmp = out.with_name(out.name + ".part")
    try:
        with open(tmp, "wb") as stream:
            write(stream)
        sepa_xml.validate_file(tmp, message)
        os.replace(tmp, out)
    except sepa_xml.SepaFileError as error:
        tmp.unlink(missing_ok=True)
        raise FileError(str(error)) from error
    return sha256_of(out)


def check_unchanged(path: str, sha256: str) -> None:
    """Release only the very bytes that were validated."""
    if not Path(path).exists() or sha256_of(Path(path)) != sha256:
        raise FileError(
            _("Die Datei {path} fehlt oder wurde verändert; bitte neu erstellen.").format(path=path)
        )
