"""Bench the legacy import (prints, never asserts): 10,000 customers with an account, a power
contract and a meter each, 100,000 readings (10 per register) and 10,000 open items.

    .venv/bin/python bench/legacy_import.py [--customers N] [--readings-per-meter N]
                                            [--db sqlite|postgres|both]

Per engine a child process builds a scratch database (SQLite in bench/.data/imports-sqlite/,
PostgreSQL database kc_bench_imports, both dropped at the end), migrates it, generates the
CSV files in memory and runs the import (kc.imports.engine.run_import, not a dry run) as the
command does: one transaction, a savepoint per row, every object through the services. It
prints rows/s per file and overall, then a second run of the same files (all "unchanged",
the idempotent re-run) for comparison.
"""

import argparse
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DB = "kc_bench_imports"
IBANS = ["DE89370400440532013000", "DE02120300000000202051", "DE02100500000024290661"]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--readings-per-meter", type=int, default=10)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return run_child(args)
    failed = 0
    for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KC_", "DATABASE_URL"))}
        # Its own folder outside bench/.data: other benches clean that one up.
        var_dir = tempfile.mkdtemp(prefix=f"kc-bench-imports-{db}-")
        env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "KC_VAR_DIR": var_dir}
        if db == "postgres":
            env["DATABASE_URL"] = f"{PG_SERVER}/{PG_DB}"
        command = [sys.executable, __file__, "--child", db, "--customers", str(args.customers)]
        command += ["--readings-per-meter", str(args.readings_per_meter)]
        child = subprocess.run(command, env=env, cwd=ROOT, check=False)  # noqa: S603
        failed |= child.returncode
    return 1 if failed else 0


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def generate(customers: int, per_meter: int) -> dict[str, bytes]:
    from kc.core.validators import malo_check_digit

    def malo(n: int) -> str:
        first_ten = f"5{n:09d}"
        return first_ten + str(malo_check_digit(first_ten))

    address = ["Hauptstraße", "12", "50667", "Köln"]
    return {
        "kunden.csv": csv_bytes(
            [
                "kunde",
                "art",
                "anrede",
                "vorname",
                "nachname",
                "firma",
                "strasse",
                "hausnummer",
                "plz",
                "ort",
            ],
            [
                [f"K{n}", "Person", "Frau", "Anna", f"Muster{n}", "", *address]
                for n in range(customers)
            ],
        ),
        "vertragskonten.csv": csv_bytes(
            ["konto", "kunde", "zahlweise", "iban", "kontoinhaber"],
            [
                [f"VK{n}", f"K{n}", "Lastschrift", IBANS[n % 3], f"Anna Muster{n}"]
                if n % 2
                else [f"VK{n}", f"K{n}", "Überweisung", "", ""]
                for n in range(customers)
            ],
        ),
        "vertraege.csv": csv_bytes(
            [
                "vertrag",
                "konto",
                "sparte",
                "malo_id",
                "tarif",
                "beginn",
                "strasse",
                "hausnummer",
                "plz",
                "ort",
            ],
            [
                [f"V{n}", f"VK{n}", "Strom", malo(n + 1), "strom-basis", "01.01.2024", *address]
                for n in range(customers)
            ],
        ),
        "zaehler.csv": csv_bytes(
            [
                "zaehler",
                "zaehlwerk",
                "zaehlernummer",
                "vertrag",
                "bauart",
                "eingebaut_am",
                "obis",
                "einheit",
                "vorkommastellen",
            ],
            [
                [
                    f"Z{n}",
                    f"ZW{n}",
                    f"1ESY{n:08d}",
                    f"V{n}",
                    "modern",
                    "01.01.2024",
                    "1-1:1.8.0",
                    "kWh",
                    "6",
                ]
                for n in range(customers)
            ],
        ),
        "zaehlerstaende.csv": csv_bytes(
            ["ablesung", "zaehlwerk", "datum", "stand", "anlass", "quelle"],
            [
                [
                    f"A{n}-{m}",
                    f"ZW{n}",
                    f"01.{m + 1:02d}.2025",
                    f"{1000 + 250 * m},5",
                    "Zwischen" if m else "Turnus",
                    "Ableser",
                ]
                for n in range(customers)
                for m in range(per_meter)
            ],
        ),
        "offene_posten.csv": csv_bytes(
            ["posten", "konto", "belegnummer", "art", "faellig_am", "betrag"],
            [
                [f"OP{n}", f"VK{n}", f"R{n}", "Abschlag", "15.10.2026", "89,00"]
                for n in range(customers)
            ],
        ),
    }


def reset_database(db: str) -> None:
    if db == "sqlite":
        var_dir = Path(os.environ["KC_VAR_DIR"])
        shutil.rmtree(var_dir, ignore_errors=True)
        var_dir.mkdir(parents=True)
        return
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DB}"')


def drop_database(db: str) -> None:
    from django.db import connection

    connection.close()
    if db == "sqlite":
        shutil.rmtree(os.environ["KC_VAR_DIR"], ignore_errors=True)
        return
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')


def run_child(args: argparse.Namespace) -> int:
    db = args.child
    reset_database(db)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from kc.imports import engine
    from kc.supply.models import Division, Tariff

    try:
        call_command("migrate", verbosity=0)
        Tariff.objects.create(code="strom-basis", name="Strom Basis", division=Division.POWER)
        files = generate(args.customers, args.readings_per_meter)
        size = sum(len(data) for data in files.values()) / 1024 / 1024
        print(
            f"== legacy import on {db}: {args.customers:,} customers, "
            f"{args.customers * args.readings_per_meter:,} readings, {size:.1f} MB CSV"
        )
        for label in ("first run (creates)", "second run (unchanged)"):
            started = time.monotonic()
            report = engine.run_import(files, system="bench", dry_run=False, actor=None)
            seconds = time.monotonic() - started
            print(f"-- {label}")
            for item in report.files:
                rate = item.read / item.seconds if item.seconds else 0
                counts = f"created {item.created:,}, unchanged {item.unchanged:,}"
                print(
                    f"   {item.name:<20} {item.read:>8,} rows {item.seconds:>8.1f} s "
                    f"{rate:>8,.0f} rows/s  ({counts}, failed {item.failed:,})"
                )
            total = report.totals()["read"]
            print(
                f"   {'all':<20} {total:>8,} rows {seconds:>8.1f} s {total / seconds:>8,.0f} rows/s"
            )
    finally:
        drop_database(db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
