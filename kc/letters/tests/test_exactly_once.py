"""Kill the task worker in the middle of printing a batch: no letter is lost, none printed
twice. Real processes (manage.py worker) on their own SQLite file, a real CUPS server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from kc.core.faults import CRASH_EXIT_CODE
from kc.letters import ipp

pytestmark = [pytest.mark.cups, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]

SETUP = """
from kc.core.models import User
from kc.customers.models import BusinessPartner, PostalAddress
from kc.letters import printroom, services
from kc.letters.models import Letterhead
from kc.letters.samples import SAMPLES
Letterhead.objects.create(name="Stadtwerke Test", street_line="Weg 1", city_line="42651 Solingen")
staff = User.objects.create_user(username="vorort")
for n in range(5):
    partner = BusinessPartner.objects.create(number=f"77{n:05d}", last_name=f"Kunde{n}")
    PostalAddress.objects.create(
        partner=partner, street="Weg", house_number=str(n + 1), postal_code="42651", city="Solingen"
    )
    services.create_letter(
        kind="free_text", partner=partner, values=SAMPLES["free_text"], actor=staff
    )
(batch,) = printroom.assemble_batches()
printroom.build_batch(batch.pk)
job = printroom.request_print(batch=batch, actor=staff)
print("JOB", job.job_name)
"""

STATE = """
import json, time
from kc.letters import printroom
from kc.letters.models import Delivery, LetterEvent, PrintJob
deadline = time.monotonic() + WAIT
while True:
    printroom.check_jobs()
    if time.monotonic() >= deadline or not PrintJob.objects.exclude(state="completed").exists():
        break
    time.sleep(0.2)
print("STATE", json.dumps({
    "jobs": list(PrintJob.objects.values_list("job_name", "state", "cups_job_id")),
    "deliveries": sorted(set(Delivery.objects.values_list("state", flat=True))),
    "printed_events": LetterEvent.objects.filter(kind="printed").count(),
    "reprinted_events": LetterEvent.objects.filter(kind="reprinted").count(),
}))
"""


def _env(var_dir: Path, printer_uri: str, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KC_", "DATABASE_URL"))}
    return {
        **clean,
        "KC_VAR_DIR": str(var_dir),
        "KC_PRINTER_URI": printer_uri,
        "KC_PRINT_CLAIM_SECONDS": "1",
        **extra,
    }


def _manage(
    env: dict[str, str], *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own manage.py with a fixed argv
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=check,
    )


def _worker(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _manage(env, "worker", "--batch", "--no-startup-delay", "--no-reload", check=False)


def _state(env: dict[str, str], wait: float = 0) -> dict[str, Any]:
    """Run the periodic print-job check (until every job completed, at most `wait` s)."""
    out = _manage(env, "shell", "-c", STATE.replace("WAIT", str(wait))).stdout
    line = next(line for line in out.splitlines() if line.startswith("STATE "))
    return json.loads(line.removeprefix("STATE "))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    var_dir = tmp_path_factory.mktemp("migrated")
    _manage(_env(var_dir, ""), "migrate", "-v", "0")
    return var_dir / "kundencenter.sqlite3"


@pytest.mark.parametrize("crash_at", ["print.before_submit", "print.after_submit"])
def test_worker_killed_while_printing_prints_each_letter_once(
    cups_server,
    migrated_db: Path,
    tmp_path: Path,
    crash_at: str,  # type: ignore[no-untyped-def]
) -> None:
    env = _env(tmp_path, cups_server.printer_uri)
    shutil.copy(migrated_db, tmp_path / "kundencenter.sqlite3")
    setup = _manage(env, "shell", "-c", SETUP).stdout
    job_name = next(line for line in setup.splitlines() if line.startswith("JOB ")).split()[1]

    crashed = _worker({**env, "KC_CRASH_AT": crash_at})
    assert crashed.returncode == CRASH_EXIT_CODE, crashed.stderr
    arrived = ipp.find_jobs(cups_server.printer_uri, job_name=job_name)
    assert len(arrived) == (1 if crash_at == "print.after_submit" else 0)
    assert _state(env)["jobs"][0][1] == "submitting"  # the dead worker's claim

    time.sleep(1.2)  # the claim goes stale; the periodic check re-enqueues the job
    _state(env)
    recovered = _worker(env)
    assert recovered.returncode == 0, recovered.stderr

    state = _state(env, wait=90)
    (only,) = ipp.find_jobs(cups_server.printer_uri, job_name=job_name)
    assert state["jobs"] == [[job_name, "completed", only.job_id]]
    assert state["deliveries"] == ["printed"]
    assert (state["printed_events"], state["reprinted_events"]) == (5, 0)
    cups_server.wait_for_output(only.job_id)
    assert len(list(cups_server.out_dir.glob(f"job_*-{job_name}*.pdf"))) == 1
