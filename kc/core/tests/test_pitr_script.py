"""scripts/pitr.sh without a cluster: the archive_command it prints works as PostgreSQL runs
it (through sh, %p and %f filled in), also for an archive path with a space; paths that sh
would expand are refused. The whole recovery is kc/core/tests/test_backup_pitr.py."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "pitr.sh"


def settings_for(archive: Path | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our script)
        ["/bin/bash", str(SCRIPT), "settings", str(archive)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_printed_archive_command_archives_into_a_path_with_a_space(tmp_path: Path) -> None:
    archive = tmp_path / "WAL archiv"
    archive.mkdir()
    printed = settings_for(archive)
    assert printed.returncode == 0, printed.stderr
    found = re.search(r"^archive_command = '(.*)'$", printed.stdout, re.MULTILINE)
    assert found is not None, printed.stdout
    wal = tmp_path / "pg wal" / "000000010000000000000001"
    wal.parent.mkdir()
    wal.write_bytes(b"\x00wal segment\xff" * 100)
    # PostgreSQL replaces %p and %f and hands the line to sh.
    command = found.group(1).replace("%p", str(wal)).replace("%f", wal.name)
    archived = subprocess.run(  # noqa: S603 (the command our script printed)
        ["/bin/sh", "-c", command], capture_output=True, text=True, check=False
    )
    assert archived.returncode == 0, archived.stderr
    assert (archive / wal.name).read_bytes() == wal.read_bytes()


@pytest.mark.parametrize("name", ["a$(touch x)", "a`id`", 'a"b', "a\\b", "a'b"])
def test_archive_paths_that_sh_would_expand_are_refused(tmp_path: Path, name: str) -> None:
    printed = settings_for(tmp_path / name)
    assert printed.returncode == 1
    assert "archive_command" not in printed.stdout
    assert "allowed" in printed.stderr
