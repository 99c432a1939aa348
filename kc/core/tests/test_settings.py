"""Production settings come from the environment and pass Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION_ENV = {
    "KC_SECRET_KEY": "x" * 20 + "-production-secret-for-the-check-only-" + "y" * 20,
    "KC_SECURE": "1",
    "KC_ALLOWED_HOSTS": "kundencenter.stadtwerke.example",
    "DATABASE_URL": "postgres://kc:secret@db.internal:5432/kundencenter",
    "KC_CACHE_BACKEND": "django.core.cache.backends.redis.RedisCache",
    "KC_CACHE_LOCATION": "redis://127.0.0.1:6379/1",
}


def _manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KC_", "DATABASE_URL"))}
    return subprocess.run(  # noqa: S603 - our own manage.py with a fixed argv
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "KC_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV, tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_defaults_are_not_production_ready(tmp_path: Path) -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env={}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # no HSTS without KC_SECURE


def test_a_per_process_cache_is_not_production_ready(tmp_path: Path) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if not k.startswith("KC_CACHE_")}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env, tmp_path=tmp_path)
    assert result.returncode != 0 and "kc.W002" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        ("", "django.db.backends.sqlite3"),
        ("postgres://u@127.0.0.1:5432/kc", "django.db.backends.postgresql"),
    ],
)
def test_database_url_switches_engine(tmp_path: Path, url: str, engine: str) -> None:
    env = {"DATABASE_URL": url} if url else {}
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])",
        env=env,
        tmp_path=tmp_path,
    )
    assert result.stdout.strip().splitlines()[-1] == engine, result.stderr


def test_secret_key_is_generated_once_and_private(tmp_path: Path) -> None:
    for _ in range(2):
        _manage("shell", "-c", "pass", env={}, tmp_path=tmp_path)
    key_file = tmp_path / "secret_key"
    assert len(key_file.read_text()) >= 50
    assert key_file.stat().st_mode & 0o077 == 0
