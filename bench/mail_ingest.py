"""Bench the IMAP ingest: 10,000 mixed real-world mails into cases (prints, never asserts).

    .venv/bin/python bench/mail_ingest.py [--mails N] [--db sqlite|postgres|both] [--no-peer]

Builds a deterministic corpus (bench/maillib/corpus.py: plain, quoted-printable latin-1,
multipart/alternative, inline image, ~100 KB PDF, replies, auto-replies, known customers,
RFC 2047 umlaut subjects), starts Dovecot + SMTP sink with scripts/mailservers.sh in a temp
dir and APPENDs the corpus to one folder per run (timed separately, not in the figure).
Then `ingest_mailbox` reads the whole folder into a fresh database (SQLite in
bench/.data/mail-sqlite/, PostgreSQL scratch database kc_bench_mail, dropped at the end) in a
child process, and prints mails/s and peak RSS against the target >= 100 mails/s.
Peer: django-helpdesk's `get_email` (process_email) over the same corpus from its own
folder, installed in a throwaway virtualenv in /tmp that is deleted at the end; target
Kundencenter >= 3x django-helpdesk.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
sys.path.insert(0, str(ROOT / "bench"))

from maillib.corpus import build_corpus, describe  # noqa: E402
from maillib.helpdesk_peer import Peer  # noqa: E402
from maillib.ingest import PG_DB, PG_SERVER  # noqa: E402
from maillib.servers import MailServers, new_servers  # noqa: E402

RATE_TARGET = 100.0
PEER_FACTOR = 3.0


def child_env(db: str) -> dict[str, str]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings")
    env.pop("DATABASE_URL", None)
    env["KC_VAR_DIR"] = str(DATA / f"mail-{db}")
    if db == "postgres":
        env["DATABASE_URL"] = f"{PG_SERVER}/{PG_DB}"
    return env


def run_ours(db: str, servers: MailServers, corpus: list[bytes]) -> dict[str, object] | str:
    folder = f"BenchKC-{db}"
    start = time.perf_counter()
    servers.fill(folder, corpus)
    print(
        f"  APPEND {len(corpus):,} mails to {folder}: "
        f"{time.perf_counter() - start:.1f} s (not timed)"
    )
    command = [
        sys.executable, __file__, "--child", db, "--port", str(servers.imap_port),
        "--folder", folder, "--mails", str(len(corpus)),
    ]  # fmt: skip
    child = subprocess.run(  # noqa: S603
        command, env=child_env(db), capture_output=True, text=True, check=False, cwd=ROOT
    )
    for line in child.stdout.splitlines():
        if line.startswith("RESULT "):
            figures: dict[str, object] = json.loads(line[7:])
            return figures
    return f"child failed (exit {child.returncode}): {child.stderr.strip()[-1500:]}"


def print_ours(db: str, result: dict[str, object]) -> float:
    seconds = float(result["seconds"])  # type: ignore[arg-type]
    fetched = int(result["fetched"])  # type: ignore[call-overload]
    rate = fetched / seconds if seconds else 0.0
    verdict = "ok" if rate >= RATE_TARGET else "MISSED"
    print(
        f"  Kundencenter ingest_mailbox on {db}: {fetched:,} mails in {seconds:.1f} s = "
        f"{rate:,.0f} mails/s (target >= {RATE_TARGET:.0f}) {verdict}; "
        f"peak RSS {result['rss_peak_mb']:.0f} MB "
        f"(RSS at start of ingest {result['rss_before_mb']:.0f} MB)"
    )
    print(
        f"    stored {result['stored']:,}, new cases {result['new_cases']:,}, duplicates "
        f"{result['duplicates']}, failed {result['failed']} {result['failed_sample']}; "
        f"cases {result['cases']:,} (with customer {result['with_partner']}), "
        f"acknowledgements {result['acks']:,}, attachments {result['attachments']:,}"
    )
    return rate


def run_peer(servers: MailServers, corpus: list[bytes]) -> float | None:
    peer = Peer()
    try:
        start = time.perf_counter()
        why = peer.install()
        if why:
            print(f"  django-helpdesk: not measured: {why}")
            return None
        print(
            f"  installed django-helpdesk {peer.version} in {peer.dir} "
            f"({time.perf_counter() - start:.0f} s)"
        )
        folder = "BenchHelpdesk"
        start = time.perf_counter()
        servers.fill(folder, corpus)
        print(
            f"  APPEND {len(corpus):,} mails to {folder}: "
            f"{time.perf_counter() - start:.1f} s (not timed)"
        )
        result = peer.run(servers.imap_port, folder)
        if isinstance(result, str):
            print(f"  django-helpdesk: not measured: {result}")
            return None
        left = servers.count(folder)
        seconds = float(str(result["seconds"]))
        done = len(corpus) - left
        rate = done / seconds if seconds else 0.0
        print(
            f"  django-helpdesk {peer.version} get_email (Django {result['django']}, SQLite): "
            f"{done:,} mails in {seconds:.1f} s = {rate:,.0f} mails/s; peak RSS "
            f"{result['rss_peak_mb']:.0f} MB (at start {result['rss_before_mb']:.0f} MB); "
            f"tickets {result['tickets']:,}, follow-ups {result['followups']:,}, "
            f"attachments {result['attachments']:,}, left on server {left:,}"
        )
        return rate
    finally:
        peer.cleanup()


def run_parent(args: argparse.Namespace) -> int:
    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / ".gitignore").write_text("*\n", encoding="utf-8")
    start = time.perf_counter()
    corpus = build_corpus(args.mails, seed=1)
    print(
        f"== mail ingest: corpus {describe(corpus)} (built in {time.perf_counter() - start:.1f} s)"
    )
    servers = new_servers()
    failed = 0
    try:
        try:
            servers.start()
        except RuntimeError as error:
            print(f"  mail servers did not start, nothing measured: {error}")
            return 1
        rates: dict[str, float] = {}
        for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
            result = run_ours(db, servers, corpus)
            if isinstance(result, str):
                print(f"  Kundencenter on {db}: not measured: {result}")
                failed = 1
                continue
            rates[db] = print_ours(db, result)
        peer_rate = None if args.no_peer else run_peer(servers, corpus)
        if peer_rate and rates:
            for db, rate in rates.items():
                ratio = rate / peer_rate
                verdict = "ok" if ratio >= PEER_FACTOR else "MISSED"
                print(
                    f"  ratio Kundencenter ({db}) / django-helpdesk (SQLite): {ratio:.1f}x "
                    f"(target >= {PEER_FACTOR:.0f}x) {verdict}"
                )
    finally:
        servers.stop()
    return failed


def run_child(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    from maillib import ingest

    ingest.reset_database(args.child, Path(os.environ["KC_VAR_DIR"]))
    import django

    django.setup()
    ingest.prepare()
    result = ingest.run(args.port, args.folder, args.mails)
    ingest.drop_database(args.child)
    print("RESULT " + json.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--no-peer", action="store_true", help="skip django-helpdesk")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return 0
    return run_parent(args)


if __name__ == "__main__":
    sys.exit(main())
