"""Fixtures of the disconnection tests."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kc.disconnection import receipts

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "tesseract.sh"


@pytest.fixture(scope="session")
def tesseract() -> None:
    """Tesseract with German data and pdftoppm, installed by scripts/tesseract.sh when root
    (as CI runs); skipped only when neither installed nor installable."""
    if os.geteuid() != 0 and shutil.which("tesseract") is None:
        pytest.skip("Tesseract is not installed and only root can install it")
    installed = subprocess.run(  # noqa: S603
        [str(SCRIPT), "install"], capture_output=True, text=True, timeout=900
    )
    if installed.returncode != 0:
        pytest.fail(f"tesseract.sh install failed:\n{installed.stdout}\n{installed.stderr}")
    receipts._tesseract.cache_clear()
