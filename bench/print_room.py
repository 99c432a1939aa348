"""Bench the print room: 10,000 letters from the print queue to CUPS (prints, never asserts).

    .venv/bin/python bench/print_room.py [--letters N] [--batch-size N] [--quick]

Starts a private CUPS with the cups-pdf printer (scripts/cups.sh, root), then in a child
process on a scratch SQLite database (bench/.data/print-room-N/): writes N free-text and
invoice letters through `services.create_letter` (rendered, archived, queued for post), then
times the print path as on-site staff would run it: assemble batches, build each batch PDF
(cover sheet, letters, control marks), submit each to CUPS over IPP, and wait until CUPS
reports every job completed (cups-pdf has written the PDF). Target: 10,000 letters from the
queue to CUPS in <= 5 minutes on this machine. Peak RSS of the child is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
CUPS = ROOT / "scripts" / "cups.sh"
TARGET_SECONDS = 300.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--letters", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--quick", action="store_true", help="500 letters")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.letters = 500
    if args.child:
        return child(args)
    if os.geteuid() != 0 and not shutil.which("cupsd"):
        print("== print room: skipped (CUPS missing and only root can install it)")
        return 0
    cups_dir = Path(tempfile.mkdtemp(prefix="kc-bench-cups-"))
    env = dict(os.environ, KC_CUPS_PORT=os.environ.get("KC_BENCH_CUPS_PORT", str(free_port())))
    subprocess.run(  # noqa: S603
        [str(CUPS), "start", str(cups_dir)], env=env, check=True, stdin=subprocess.DEVNULL
    )
    try:
        queue = (cups_dir / "queues").read_text().split()[0]
        port = (cups_dir / "port").read_text().strip()
        return run_child(args, f"ipp://127.0.0.1:{port}/printers/{queue}")
    finally:
        subprocess.run([str(CUPS), "stop", str(cups_dir)], env=env, check=False)  # noqa: S603
        shutil.rmtree(cups_dir, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_child(args: argparse.Namespace, printer_uri: str) -> int:
    var_dir = DATA / f"print-room-{args.letters}"
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    (DATA / ".gitignore").write_text("*\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KC_", "DATABASE_URL"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "KC_VAR_DIR": str(var_dir),
        "KC_PRINTER_URI": printer_uri,
        "KC_PRINT_BATCH_SIZE": str(args.batch_size),
    }
    command = [sys.executable, __file__, "--child", "--letters", str(args.letters)]
    command += ["--batch-size", str(args.batch_size)]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), "")
    if done.returncode or not line:
        print(done.stdout[-3000:], done.stderr[-3000:])
        print(f"== print room: child failed (exit {done.returncode})")
        return 1
    report(json.loads(line.removeprefix("RESULT ")))
    shutil.rmtree(var_dir, ignore_errors=True)
    return 0


def report(r: dict[str, float]) -> None:
    n = int(r["letters"])
    total = r["assemble"] + r["build"] + r["submit"] + r["cups"]
    print(f"== print room: {n:,} letters, {int(r['batches'])} batches, {int(r['pages']):,} pages")
    print(
        f"  write letters (service, rendered + archived): {r['write']:.1f} s "
        f"({n / r['write']:.0f} letters/s)"
    )
    print(f"  assemble batches        {r['assemble']:8.1f} s")
    print(
        f"  build batch PDFs        {r['build']:8.1f} s  ({n / r['build']:.0f} letters/s, "
        f"{r['batch_mb']:.0f} MB)"
    )
    print(f"  submit to CUPS (IPP)    {r['submit']:8.1f} s")
    print(f"  CUPS until completed    {r['cups']:8.1f} s  (cups-pdf distils every page again)")
    print(f"  queue -> CUPS accepted  {r['assemble'] + r['build'] + r['submit']:8.1f} s")
    print(
        f"  queue -> CUPS completed {total:8.1f} s  target <= {TARGET_SECONDS:.0f} s: "
        f"{total / TARGET_SECONDS:.2f} x target ({'met' if total <= TARGET_SECONDS else 'missed'})"
    )
    print(f"  peak RSS {r['rss_mb']:.0f} MB")


# --- inside the child ---------------------------------------------------------------------


def child(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from kc.core.models import User
    from kc.letters import printroom
    from kc.letters.models import Letterhead, PrintBatch, PrintJob

    Letterhead.objects.create(name="Stadtwerke Bench", street_line="Weg 1", city_line="42651 Ort")
    staff = User.objects.create_user(username="vorort")
    result: dict[str, float] = {"letters": args.letters}
    result["write"] = timed(lambda: write_letters(args.letters, staff))
    batches: list[PrintBatch] = []
    result["assemble"] = timed(lambda: batches.extend(printroom.assemble_batches()))
    result["batches"] = len(batches)
    result["build"] = timed(lambda: [printroom.build_batch(b.pk) for b in batches])
    built = list(PrintBatch.objects.filter(pk__in=[b.pk for b in batches]))
    result["pages"] = sum(b.pdf_pages for b in built)
    result["batch_mb"] = sum(b.pdf.size for b in built) / 1e6

    def submit() -> None:
        for batch in built:
            job = printroom.request_print(batch=batch, actor=staff)
            printroom.submit_job(job.pk)

    result["submit"] = timed(submit)

    def wait() -> None:
        while PrintJob.objects.exclude(state=PrintJob.State.COMPLETED).exists():
            printroom.check_jobs()
            time.sleep(0.5)

    result["cups"] = timed(wait)
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(result))
    return 0


def write_letters(count: int, staff: object) -> None:
    from kc.customers.models import BusinessPartner, PostalAddress
    from kc.letters import services
    from kc.letters.samples import SAMPLES, invoice_lines

    for n in range(count):
        partner = BusinessPartner.objects.create(number=f"{8_000_000 + n}", last_name=f"Kunde {n}")
        PostalAddress.objects.create(
            partner=partner,
            street="Gärtnerstraße",
            house_number=str(n % 300 + 1),
            postal_code="42651",
            city="Musterstadt",
        )
        kind = "invoice" if n % 2 else "free_text"
        values = dict(SAMPLES[kind])
        if kind == "invoice":
            values["positionen"] = invoice_lines(4 + n % 40)
        services.create_letter(kind=kind, partner=partner, values=values, actor=staff)  # type: ignore[arg-type]


def timed(action: object) -> float:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
