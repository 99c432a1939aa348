"""Bench the SEPA direct-debit file: ours against the `sepaxml` package (prints, never asserts).

    .venv/bin/python bench/sepa.py [--debits N] [--quick] [--keep] [--skip-peer] [--repeat R]

Builds N deterministic direct debits (default 100,000; --quick 10,000): German names with
umlauts and ß, valid German IBANs (Bundesbank method 00 account check digit and ISO 13616 check
digits computed here; a sample is checked with schwifty, validate_bban=True), one in twenty
without a BIC, amounts 5.00-400.00 EUR, remittance about 60 characters, in two groups (RCUR on
two collection dates). Amendments are left out because sepaxml cannot write them.

Each measurement runs in a fresh child process so that its peak RSS (ru_maxrss) is its own; ours
runs R times per variant (default 3) and the medians are printed:

- ours: `kc.payments.sepa_xml.write_direct_debits` streams the file to bench/.data/sepa-run/,
  then `validate_file` checks it against pain.008.001.08.xsd (lxml, streaming) - what
  `kc.payments.files.write_validated` does. Times: writing, validating, total; held against
  the targets.
- ours (in-stream): the same with `validate=True`: the XSD check runs in a second thread on the
  bytes as they are written (libxml2 parses without the GIL) and the call returns once the last
  byte passed. Its "write" time includes the validation; its CPU time adds both threads. It
  wins only with a free second core: on a loaded machine the GIL hand-overs cost more.
- sepaxml 2.7.0 (schema "pain.008.001.08") in a throwaway venv bench/.data/sepaxml-venv made
  from the same Python: `SepaDD.add_payment` per debit, `export(validate=False)`, the bytes
  written to a file, then its own validation (`sepaxml.validation.try_valid_xml`, xmlschema) -
  which is what `export(validate=True)` does, timed apart.

Memory: a second child per engine runs the same work under tracemalloc and reports the peak of
Python allocations above the built input data. tracemalloc does not see libxml2's own mallocs,
so for lxml it understates; ru_maxrss of the timing child is the comparable figure (its value
before the work, with the input data built, is printed too).

Target (issue): ours <= 3 s for 100,000 debits including validation and >= 2x faster than
sepaxml. The sepaxml file is also run through our validate_file, untimed, as a cross-check.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
WORK_DIR = DATA / "sepa-run"
PEER_VENV = DATA / "sepaxml-venv"
PEER_VERSION = "2.7.0"
TARGET_SECONDS, TARGET_RATIO = 3.0, 2.0
CREATED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
DATES = (date(2026, 1, 15), date(2026, 1, 30))
SIGNED = date(2023, 4, 1)
CREDITOR = {
    "name": "Stadtwerke Kühlental GmbH",
    "iban": "DE89370400440532013000",
    "bic": "COBADEFFXXX",
    "creditor_id": "DE98ZZZ09999999999",
}

# Banks whose account numbers use Bundesbank check method 00 (the demo data's list).
BANKS = (
    ("34250000", "SOLSDE33XXX"),
    ("34060094", "VBRSDE33XXX"),
    ("33050000", "WUPSDE33XXX"),
    ("34050000", "WELADEDRXXX"),
    ("12030000", "BYLADEM1001"),
    ("37050198", "COLSDE33XXX"),
    ("30050110", "DUSSDEDDXXX"),
    ("70150000", "SSKMDEMMXXX"),
)
FIRST = (
    "Jürgen", "Günter", "Sören", "Björn", "Jörg", "Käthe", "Änne", "Lütfiye", "Maximilian",
    "Anna-Lena", "Hans-Jürgen", "Renée", "Zoë", "Süleyman", "Gülşen", "Łukasz", "Dörte", "Jens",
)  # fmt: skip
LAST = (
    "Müller", "Schröder", "Weiß", "Groß", "Köhler", "Böhm", "Krüger", "Schäfer", "Meyer",
    "Özdemir", "Yılmaz", "Çelik", "Nowak", "Hoffmann", "Fuß", "Lührmann", "Strauß-Öztürk",
    "von der Höh", "Jäger & Söhne GbR",
)  # fmt: skip
MONTHS = ("Januar", "Februar", "März")


def method_00_check_digit(first_nine: str) -> int:
    """Bundesbank method 00: weights 2,1,2,... from the right, digit sums, mod 10."""
    total = 0
    for position, char in enumerate(reversed(first_nine)):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def german_iban(bank_code: str, body: int) -> str:
    first_nine = f"{body % 1_000_000_000:09d}"
    bban = bank_code + first_nine + str(method_00_check_digit(first_nine))
    numeric = int(bban + "131400")  # + "DE00", letters as numbers
    return f"DE{98 - numeric % 97:02d}{bban}"


def build_debits(count: int) -> list[dict[str, Any]]:
    """The same plain records for both engines (stdlib only: the peer venv imports this)."""
    records = []
    for index in range(count):
        bank_code, bic = BANKS[index % len(BANKS)]
        account = f"{100_000_000 + index * 7}"
        records.append(
            {
                "end_to_end_id": f"KC-2601-{index:08d}",
                "amount_cents": 500 + (index * 7_919) % 39_501,
                "mandate_reference": f"KC-{account}-001",
                "debtor_name": f"{FIRST[index % len(FIRST)]} {LAST[(index // 3) % len(LAST)]}",
                "debtor_iban": german_iban(bank_code, index * 104_729 + 12_345),
                "debtor_bic": "" if index % 20 == 7 else bic,
                "remittance": (
                    f"Abschlag {MONTHS[index % 3]} 2026, Vertragskonto {account}, "
                    f"Strom und Gas Kühlental"
                ),
                "group": index % 2,
            }
        )
    return records


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- children -------------------------------------------------------------------------------


def run_ours(count: int, traced: bool, stream: bool = False) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from kc.payments import sepa_xml as sx

    records = build_debits(count)
    by_group: list[list[sx.DirectDebit]] = [[], []]
    for record in records:
        values = {key: value for key, value in record.items() if key != "group"}
        by_group[record["group"]].append(sx.DirectDebit(mandate_signed_on=SIGNED, **values))
    del records
    groups = [
        sx.DebitGroup(
            payment_info_id=f"KC-2601-RCUR-{number}",
            collection_date=DATES[number],
            sequence="RCUR",
            instrument="CORE",
            count=len(debits),
            total_cents=sum(debit.amount_cents for debit in debits),
            debits=lambda debits=debits: iter(debits),  # type: ignore[misc]
        )
        for number, debits in enumerate(by_group)
    ]
    creditor = sx.Creditor(**CREDITOR)
    path = WORK_DIR / "ours.xml"
    rss_before = rss_mb()
    if traced:
        tracemalloc.start()
    start, cpu_start = time.perf_counter(), time.process_time()
    with open(path, "wb") as out:
        summary = sx.write_direct_debits(
            out,
            message_id="KC-BENCH-1",
            created_at=CREATED,
            initiating_party=CREDITOR["name"],
            creditor=creditor,
            groups=groups,
            validate=stream,
        )
    written, cpu_written = time.perf_counter(), time.process_time()
    if not stream:
        sx.validate_file(path, "pain.008.001.08")
    validated, cpu_validated = time.perf_counter(), time.process_time()
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    return {
        "write_s": written - start,
        "validate_s": validated - written,
        "total_s": validated - start,
        "cpu_write_s": cpu_written - cpu_start,
        "cpu_validate_s": cpu_validated - cpu_written,
        "cpu_total_s": cpu_validated - cpu_start,
        "rss_before_mb": rss_before,
        "rss_peak_mb": rss_mb(),
        "traced_peak_mb": peak / 2**20,
        "count": summary.count,
        "bytes": path.stat().st_size,
        "version": (
            "kc.payments.sepa_xml, validated while written (validate=True, second thread)"
            if stream
            else "kc.payments.sepa_xml, written, then validate_file"
        ),
    }


def run_peer(count: int, traced: bool) -> dict[str, Any]:
    import sepaxml  # type: ignore[import-not-found]
    import xmlschema.limits  # type: ignore[import-not-found]
    from sepaxml.validation import try_valid_xml  # type: ignore[import-not-found]
    from xmlschema.exceptions import XMLResourceExceeded  # type: ignore[import-not-found]

    records = build_debits(count)
    payments = []
    for record in records:
        payment = {
            "name": record["debtor_name"],
            "IBAN": record["debtor_iban"],
            "amount": record["amount_cents"],
            "type": "RCUR",
            "collection_date": DATES[record["group"]],
            "mandate_id": record["mandate_reference"],
            "mandate_date": SIGNED,
            "description": record["remittance"],
            "endtoend_id": record["end_to_end_id"],
        }
        if record["debtor_bic"]:
            payment["BIC"] = record["debtor_bic"]
        payments.append(payment)
    del records
    config = {
        "name": CREDITOR["name"],
        "IBAN": CREDITOR["iban"],
        "BIC": CREDITOR["bic"],
        "batch": True,
        "creditor_id": CREDITOR["creditor_id"],
        "currency": "EUR",
        "instrument": "CORE",
    }
    path = WORK_DIR / "sepaxml.xml"
    rss_before = rss_mb()
    if traced:
        tracemalloc.start()
    start, cpu_start = time.perf_counter(), time.process_time()
    document = sepaxml.SepaDD(config, schema="pain.008.001.08", clean=True)
    for payment in payments:
        document.add_payment(payment)
    content = document.export(validate=False)
    path.write_bytes(content)
    written, cpu_written = time.perf_counter(), time.process_time()
    note = ""
    try:
        try_valid_xml(content, "pain.008.001.08")
    except XMLResourceExceeded as error:
        # export(validate=True) fails the same way; measure with xmlschema's limit raised.
        note = f"its own validation refused the file ({str(error).split(' for ')[0]})"
        xmlschema.limits.MAX_XML_ELEMENTS = 10**9
        written, cpu_written = time.perf_counter(), time.process_time()
        try_valid_xml(content, "pain.008.001.08")
    validated, cpu_validated = time.perf_counter(), time.process_time()
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    return {
        "write_s": written - start,
        "validate_s": validated - written,
        "total_s": validated - start,
        "cpu_write_s": cpu_written - cpu_start,
        "cpu_validate_s": cpu_validated - cpu_written,
        "cpu_total_s": cpu_validated - cpu_start,
        "rss_before_mb": rss_before,
        "rss_peak_mb": rss_mb(),
        "traced_peak_mb": peak / 2**20,
        "count": len(payments),
        "bytes": path.stat().st_size,
        "version": f"sepaxml {sepaxml.version} (ElementTree, validation by xmlschema)",
        "note": note,
    }


# --- parent ---------------------------------------------------------------------------------


def run_child(python: str, job: str, count: int, timeout: float) -> dict[str, Any] | str:
    """The child's RESULT, or why there is none (its stderr went to the console)."""
    command = [python, __file__, "--child", job, "--debits", str(count)]
    try:
        child = subprocess.run(  # noqa: S603
            command, stdout=subprocess.PIPE, text=True, timeout=timeout, check=False, cwd=ROOT
        )
    except subprocess.TimeoutExpired:
        return f"no result within {timeout:.0f} s"
    for line in child.stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[7:])
            return result
    return f"child failed (exit {child.returncode}); its error is printed above"


def run_repeated(
    python: str, job: str, count: int, timeout: float, repeat: int
) -> dict[str, Any] | str:
    """The child run `repeat` times: medians of its figures, the single wall/CPU totals in
    "runs"."""
    results = []
    for _ in range(repeat):
        result = run_child(python, job, count, timeout)
        if isinstance(result, str):
            return result
        results.append(result)
    median = dict(results[0])
    for key, value in results[0].items():
        if isinstance(value, float):
            median[key] = statistics.median(result[key] for result in results)
    median["runs"] = [(result["total_s"], result["cpu_total_s"]) for result in results]
    return median


def install_peer() -> str | None:
    """Why the peer cannot run, or None once its venv is ready."""
    python = PEER_VENV / "bin" / "python"
    check = [
        str(python),
        "-c",
        f"import sepaxml, sys; sys.exit(sepaxml.version != {PEER_VERSION!r})",
    ]
    if python.exists() and subprocess.run(check, check=False).returncode == 0:  # noqa: S603
        return None
    steps = [
        [sys.executable, "-m", "venv", str(PEER_VENV)],
        [str(python), "-m", "pip", "install", "-q", f"sepaxml=={PEER_VERSION}"],
    ]
    for step in steps:
        if subprocess.run(step, check=False).returncode != 0:  # noqa: S603
            return f"{' '.join(step[-3:])} failed"
    return None


def check_ibans(count: int) -> str:
    from schwifty import IBAN

    sample = build_debits(min(count, 2_000))
    bad = 0
    for record in sample:
        try:
            IBAN(record["debtor_iban"], validate_bban=True)
        except ValueError:
            bad += 1
    return f"{len(sample) - bad:,}/{len(sample):,} sample IBANs valid for schwifty (validate_bban)"


def print_engine(label: str, timing: dict[str, Any], traced: dict[str, Any] | str) -> None:
    print(f"== {label}: {timing['version']}")
    print(
        f"  {timing['count']:,} debits: write {timing['write_s']:.2f} s, validate "
        f"{timing['validate_s']:.2f} s, total {timing['total_s']:.2f} s "
        f"({timing['count'] / timing['total_s']:,.0f} debits/s); file "
        f"{timing['bytes'] / 2**20:.1f} MB"
    )
    print(
        f"  CPU time: write {timing['cpu_write_s']:.2f} s, validate "
        f"{timing['cpu_validate_s']:.2f} s, total {timing['cpu_total_s']:.2f} s (what the wall "
        f"time would be on an idle core)"
    )
    if len(timing.get("runs", ())) > 1:
        runs = ", ".join(f"{wall:.2f}/{cpu:.2f}" for wall, cpu in timing["runs"])
        print(f"  medians of {len(timing['runs'])} runs (wall/CPU s each: {runs})")
    memory = _traced(traced)
    if timing.get("note"):
        print(f"  NOTE: {timing['note']};")
        print("  the validation time is the second try, with xmlschema.limits raised")
    print(
        f"  peak RSS {timing['rss_peak_mb']:.0f} MB ({timing['rss_before_mb']:.0f} MB with the "
        f"input built); tracemalloc peak above the input {memory}"
    )


def _traced(result: dict[str, Any] | str) -> str:
    return result if isinstance(result, str) else f"{result['traced_peak_mb']:.1f} MB"


def run_parent(args: argparse.Namespace) -> int:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    count = args.debits or (10_000 if args.quick else 100_000)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    print(f"== input: {count:,} direct debits in 2 groups; {check_ibans(count)}")
    load = os.getloadavg()[0]
    results: dict[str, dict[str, Any]] = {}
    peer_mem: dict[str, Any] | str = "not measured"
    timeout = 120 + count / 50
    repeat = args.repeat
    ours = run_repeated(sys.executable, "ours", count, timeout, repeat)
    ours_mem = run_child(sys.executable, "ours-traced", count, timeout)
    if isinstance(ours, str):
        print(f"== ours: not measured: {ours}")
        return 1
    print_engine("ours", ours, ours_mem)
    results["ours"] = ours
    in_stream = run_repeated(sys.executable, "ours-stream", count, timeout, repeat)
    if isinstance(in_stream, str):
        print(f"== ours (in-stream): not measured: {in_stream}")
        return 1
    print_engine("ours (in-stream)", in_stream, "not measured")
    if not args.skip_peer:
        start = time.perf_counter()
        why = install_peer()
        if why:
            print(f"== sepaxml: not measured: {why}")
        else:
            print(
                f"  sepaxml ready in {PEER_VENV.relative_to(ROOT)} "
                f"({time.perf_counter() - start:.0f} s)"
            )
            python = str(PEER_VENV / "bin" / "python")
            peer = run_child(python, "sepaxml", count, timeout * 10)
            peer_mem = run_child(python, "sepaxml-traced", count, timeout * 10)
            if isinstance(peer, str):
                print(f"== sepaxml: not measured: {peer}")
            else:
                print_engine("sepaxml", peer, peer_mem)
                results["sepaxml"] = peer
                sys.path.insert(0, str(ROOT))
                from kc.payments.sepa_xml import SepaFileError, validate_file

                try:
                    validate_file(WORK_DIR / "sepaxml.xml", "pain.008.001.08")
                    print("  sepaxml's file passes our validate_file too")
                except SepaFileError as error:
                    print(f"  sepaxml's file fails our validate_file: {str(error)[:200]}")
    print(
        f"== summary ({count:,} debits, load average before {load:.1f}"
        f"{f', medians of {repeat} runs' if repeat > 1 else ''})"
    )
    print(
        f"  ours in-stream (validate=True, second thread): {in_stream['total_s']:.2f} s wall, "
        f"{in_stream['cpu_total_s']:.2f} s CPU, against {ours['total_s']:.2f} s wall, "
        f"{ours['cpu_total_s']:.2f} s CPU written, then validated (what write_validated does)"
    )
    target = TARGET_SECONDS * count / 100_000
    scaled = "" if count == 100_000 else f", scaled from {TARGET_SECONDS:.0f} s per 100,000"
    for label, key in (("wall", "total_s"), ("CPU", "cpu_total_s")):
        total = ours[key]
        print(
            f"  ours {total:.2f} s {label} time incl. validation (target <= {target:.2f} s"
            f"{scaled}) {'ok' if total <= target else 'MISSED'}"
        )
    if "sepaxml" in results:
        peer = results["sepaxml"]
        for label, prefix in (("wall", ""), ("CPU", "cpu_")):
            ratio = peer[f"{prefix}total_s"] / ours[f"{prefix}total_s"]
            print(
                f"  {label}: sepaxml {peer[f'{prefix}total_s']:.2f} s vs ours "
                f"{ours[f'{prefix}total_s']:.2f} s; ratio sepaxml/ours {ratio:.1f}x total, "
                f"{peer[f'{prefix}write_s'] / ours[f'{prefix}write_s']:.1f}x writing, "
                f"{peer[f'{prefix}validate_s'] / ours[f'{prefix}validate_s']:.1f}x validating "
                f"(target >= {TARGET_RATIO:.0f}x) {'ok' if ratio >= TARGET_RATIO else 'MISSED'}"
            )
        print(
            f"  peak RSS ours {ours['rss_peak_mb']:.0f} MB, sepaxml {peer['rss_peak_mb']:.0f} MB; "
            f"tracemalloc peak ours {_traced(ours_mem)}, sepaxml {_traced(peer_mem)}"
        )
    cpus = os.cpu_count() or 1
    if load > cpus / 2:
        print(
            f"  NOTE: load average {load:.1f} on {cpus} CPUs: other processes shared the cores, "
            f"so the wall times are inflated; the CPU times are the better guide"
        )
    if args.keep:
        print(f"  files kept in {WORK_DIR.relative_to(ROOT)}")
    else:
        shutil.rmtree(WORK_DIR, ignore_errors=True)
    if not args.skip_peer:
        print(f"  peer venv kept in {PEER_VENV.relative_to(ROOT)} (delete it to reinstall)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--debits", type=int, help="how many direct debits (default 100,000)")
    parser.add_argument("--quick", action="store_true", help="10,000 debits")
    parser.add_argument("--keep", action="store_true", help="keep the files in bench/.data/")
    parser.add_argument("--skip-peer", action="store_true", help="measure ours only")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of ours per variant, medians (default 3)"
    )
    parser.add_argument(
        "--child",
        choices=[
            "ours",
            "ours-traced",
            "ours-stream",
            "ours-stream-traced",
            "sepaxml",
            "sepaxml-traced",
        ],
        help=argparse.SUPPRESS,
    )
    args = parser.parse_args()
    if args.child:
        WORK_DIR.mkdir(parents=True, exist_ok=True)
        traced = args.child.endswith("-traced")
        if args.child.startswith("ours"):
            result = run_ours(args.debits, traced, stream="stream" in args.child)
        else:
            result = run_peer(args.debits, traced)
        print("RESULT " + json.dumps(result))
        return 0
    return run_parent(args)


if __name__ == "__main__":
    sys.exit(main())
