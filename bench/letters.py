"""Bench the letter renderer: 1,000 invoice letters, ours against Typst and WeasyPrint (prints).

    .venv/bin/python bench/letters.py [--letters N] [--engines ours,typst,weasyprint] [--quick]
                                      [--sample K] [--keep]

Builds N deterministic invoice letters as `LetterDocument`s (bench/letterslib.py: German names
with umlauts and ß, 4-45 invoice lines, about half of them one page and half two) and writes
them as JSON to var/bench-peers/letters-run/. Each engine renders all of them in its own child
process pinned to one core, so that its peak RSS (ru_maxrss) is its own: ours
(kc.letters.pdf.render_letter, ReportLab) in .venv; Typst (bench/peers/letters/letter.typ) and
WeasyPrint (letter.html + letter.css) in a throwaway venv var/bench-peers/letters-venv made from
the same Python, with pinned versions (an engine that cannot be installed is reported and
skipped). Then pypdf merges our PDFs into one print file, and pdfplumber/pypdf check a sample
of each engine's PDFs: where the address sits, the fold and hole marks, pages, embedded fonts
and whether every character of the letter came out. Target for ours: >= 50 letters/s.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import letterslib as lib  # noqa: E402

RATE_TARGET = 50.0
ENGINE_NAMES = {"ours": "ours (ReportLab)", "typst": "Typst", "weasyprint": "WeasyPrint"}
PEERS = ("typst", "weasyprint")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def run_child(python: str, job: str, timeout: float) -> dict[str, Any] | str:
    """The child's RESULT, or why there is none (its stderr went to the console)."""
    command = [python, __file__, "--child", job]
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


def describe_corpus(letters: list[dict[str, Any]], seconds: float) -> str:
    lines = [len(block["rows"]) for data in letters for block in data["blocks"] if "rows" in block]
    kinds: dict[str, int] = {}
    for data in letters:
        kind = data["subject"].split(" Nr.")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    shown = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
    return (
        f"{len(letters):,} invoice letters, {min(lines)}-{max(lines)} invoice lines "
        f"(median {percentile([float(n) for n in lines], 0.5):.0f}); {shown} "
        f"(built in {seconds:.1f} s)"
    )


def engine_figures(result: dict[str, Any], pages: dict[int, int]) -> dict[str, Any]:
    """Times by page count (the engine's own), rate and the rest for the tables."""
    times: list[float | None] = result["times"]
    by_pages: dict[int, list[float]] = {}
    for index, seconds in enumerate(times):
        if seconds is not None and index in pages:
            by_pages.setdefault(min(pages[index], 3), []).append(seconds * 1000)
    done = [seconds for seconds in times if seconds is not None]
    render_s = sum(done)
    cpu_s = sum(seconds for seconds in result["cpu_times"] if seconds is not None)
    return {
        "by_pages": by_pages,
        "done": len(done),
        "render_s": render_s,
        "rate": len(done) / render_s if render_s else 0.0,
        "cpu_s": cpu_s,
        "cpu_rate": len(done) / cpu_s if cpu_s else 0.0,
    }


def print_engine(engine: str, result: dict[str, Any], figures: dict[str, Any], size: int) -> None:
    rate = figures["rate"]
    verdict = ""
    if engine == "ours":
        verdict = f" (target >= {RATE_TARGET:.0f}) " + ("ok" if rate >= RATE_TARGET else "MISSED")
    print(
        f"  {figures['done']:,} letters in {figures['render_s']:.1f} s render time "
        f"(loop {result['wall_s']:.1f} s with writing the files) = {rate:.1f} letters/s{verdict}"
    )
    print(
        f"  CPU time of the renders {figures['cpu_s']:.1f} s = {figures['cpu_rate']:.1f} letters/s "
        f"per CPU second (what the rate would be on an idle core)"
    )
    parts = []
    for count, label in ((1, "1-page"), (2, "2-page"), (3, "3+ pages")):
        values = figures["by_pages"].get(count, [])
        if values:
            parts.append(
                f"{label} ({len(values):,}): p50 {percentile(values, 0.5):.1f} ms, "
                f"p95 {percentile(values, 0.95):.1f} ms"
            )
    print(f"  {'; '.join(parts)}")
    average = size / figures["done"] / 1024 if figures["done"] else 0.0
    load = result["load"]
    print(
        f"  peak RSS {result['rss_peak_mb']:.0f} MB ({result['rss_before_mb']:.0f} MB before the "
        f"first letter); setup {result['setup_s']:.2f} s; PDF {average:.0f} KB per letter; "
        f"CPU {result['cpu']}, load average {load[0]:.1f} -> {load[1]:.1f}"
    )
    cpus = os.cpu_count() or 1
    if max(load) > cpus:
        print(
            f"  NOTE: load average above the {cpus} CPUs: other processes shared the core, so "
            f"the wall-clock figures are inflated; letters per CPU second is the better guide"
        )
    for failure in result["failures"][:3]:
        print(f"  FAILED {failure}")
    if len(result["failures"]) > 3:
        print(f"  ... {len(result['failures']) - 3} more failures")


def run_engines(
    engines: list[str], count: int
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[int, int]]]:
    results: dict[str, dict[str, Any]] = {}
    pages: dict[str, dict[int, int]] = {}
    for engine in engines:
        python = sys.executable
        if engine in PEERS:
            start = time.perf_counter()
            why = lib.install_peer(engine)
            if why:
                print(f"== {ENGINE_NAMES[engine]}: not measured: {why}")
                continue
            python = str(lib.peer_python())
            print(
                f"  {ENGINE_NAMES[engine]} ready in {lib.PEER_VENV.relative_to(ROOT)} "
                f"({time.perf_counter() - start:.0f} s)"
            )
        result = run_child(python, engine, timeout=60 + 10 * count)
        if isinstance(result, str):
            print(f"== {ENGINE_NAMES[engine]}: not measured: {result}")
            continue
        print(f"== {ENGINE_NAMES[engine]}: {result['version']}, one process on one core")
        files = sorted((lib.WORK_DIR / engine).glob("*.pdf"))
        pages[engine] = {int(path.stem): lib.page_count(path) for path in files}
        result["figures"] = engine_figures(result, pages[engine])
        result["bytes"] = sum(path.stat().st_size for path in files)
        print_engine(engine, result, result["figures"], result["bytes"])
        results[engine] = result
    return results, pages


def print_pages(pages: dict[str, dict[int, int]], count: int) -> None:
    for engine, counts in pages.items():
        spread: dict[int, int] = {}
        for value in counts.values():
            spread[value] = spread.get(value, 0) + 1
        shown = ", ".join(f"{n} page{'s' if n > 1 else ''}: {spread[n]:,}" for n in sorted(spread))
        same = ""
        if engine != "ours" and "ours" in pages:
            agree = sum(1 for index, n in counts.items() if pages["ours"].get(index) == n)
            same = f"; same page count as ours {agree:,}/{len(counts):,}"
        print(f"  {ENGINE_NAMES[engine]}: {shown} ({len(counts):,}/{count:,} PDFs){same}")


def run_merge(count: int) -> dict[str, Any] | None:
    result = run_child(sys.executable, "merge", timeout=600 + count)
    if isinstance(result, str):
        print(f"== batch: pypdf merge not measured: {result}")
        return None
    print(
        f"== batch: {result['version']} merges our {result['files']:,} PDFs "
        f"({result['pages']:,} pages) into one in {result['seconds']:.2f} s: "
        f"{result['bytes_out'] / 2**20:.1f} MB (the single PDFs {result['bytes_in'] / 2**20:.1f} "
        f"MB); peak RSS {result['rss_peak_mb']:.0f} MB"
    )
    return result


def sample_indices(count: int, size: int) -> list[int]:
    if size >= count:
        return list(range(count))
    return sorted({round(i * (count - 1) / (size - 1)) for i in range(size)})


def check_fidelity(
    engines: list[str], letters: list[dict[str, Any]], size: int
) -> dict[str, dict[str, str]]:
    """Print what pdfplumber and pypdf find in a sample; the cells for the summary."""
    sample = sample_indices(len(letters), size)
    print(
        f"== fidelity on {len(sample)} of the {len(letters):,} letters, evenly spread: "
        f"address x0/top mm (window: x 20-105, top {45 + 17.7:.1f}-90), marks within "
        f"{lib.MARK_TOLERANCE_MM} mm of {'/'.join(f'{m:g}' for m in lib.MARKS_MM)} mm on every page"
    )
    cells: dict[str, dict[str, str]] = {}
    for engine in engines:
        checks = []
        for index in sample:
            path = lib.WORK_DIR / engine / f"{index:05d}.pdf"
            if path.exists():
                checks.append((index, lib.check_letter(path, letters[index])))
        if not checks:
            continue
        total = len(checks)
        placed = [check.address for _, check in checks if check.address]
        xs = sorted(x for x, _ in placed)
        tops = sorted(top for _, top in placed)
        address = "not found"
        if placed:
            address = f"{xs[0]:.1f}/{tops[0]:.1f}"
            if xs[-1] - xs[0] > 0.05 or tops[-1] - tops[0] > 0.05:
                address = f"{xs[0]:.1f}-{xs[-1]:.1f}/{tops[0]:.1f}-{tops[-1]:.1f}"
        in_window = sum(check.address_ok for _, check in checks)
        marks = sum(check.marks_ok for _, check in checks)
        worst = [max(check.mark_offsets[i] for _, check in checks) for i in range(3)]
        embedded = sum(not check.fonts_missing for _, check in checks)
        fonts = sorted({font for _, check in checks for font in check.fonts})
        not_embedded = sorted({font for _, check in checks for font in check.fonts_missing})
        complete = sum(not check.missing_text for _, check in checks)
        missing = sorted({ch for _, check in checks for ch in check.missing_text})
        print(f"  {ENGINE_NAMES[engine]}:")
        print(
            f"    address {address} mm, inside the window {in_window}/{total}; marks ok "
            f"{marks}/{total} (worst offset {'/'.join(f'{w:.2f}' for w in worst)} mm)"
        )
        print(
            f"    fonts {', '.join(fonts)}; all embedded in {embedded}/{total}"
            + (f" (not embedded: {', '.join(not_embedded)})" if not_embedded else "")
        )
        print(
            f"    text complete {complete}/{total}"
            + (f"; missing characters: {''.join(missing)!r}" if missing else "")
        )
        for index, check in checks:
            if check.missing_text or not check.address_ok or not check.marks_ok:
                print(
                    f"    letter {index}: address {check.address}, marks "
                    f"{[round(o, 2) for o in check.mark_offsets]}, missing {check.missing_text!r}"
                )
                break
        cells[engine] = {
            "address": f"{address} ({in_window}/{total})",
            "marks": f"{marks}/{total}",
            "fonts": f"{embedded}/{total}",
            "text": f"{complete}/{total}",
        }
    return cells


def print_summary(
    results: dict[str, dict[str, Any]],
    cells: dict[str, dict[str, str]],
    merge: dict[str, Any] | None,
    count: int,
) -> None:
    header = (
        "engine",
        "ms p50 1-page",
        "ms p50 2-page",
        "letters/s",
        "per CPU s",
        "peak RSS",
        "address x/top mm",
        "marks ok",
        "fonts embedded",
        "text complete",
    )
    rows = []
    for engine, result in results.items():
        figures = result["figures"]
        p50 = [figures["by_pages"].get(n, []) for n in (1, 2)]
        cell = cells.get(engine, {})
        rows.append(
            (
                ENGINE_NAMES[engine],
                f"{percentile(p50[0], 0.5):.1f}" if p50[0] else "-",
                f"{percentile(p50[1], 0.5):.1f}" if p50[1] else "-",
                f"{figures['rate']:.1f}",
                f"{figures['cpu_rate']:.1f}",
                f"{result['rss_peak_mb']:.0f} MB",
                cell.get("address", "-"),
                cell.get("marks", "-"),
                cell.get("fonts", "-"),
                cell.get("text", "-"),
            )
        )
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    print(f"== summary ({count:,} letters, one core each)")
    for row in (header, tuple("-" * width for width in widths), *rows):
        print(
            "  " + " | ".join(value.ljust(width) for value, width in zip(row, widths, strict=True))
        )
    if "ours" in results:
        ours = results["ours"]["figures"]["rate"]
        ours_cpu = results["ours"]["figures"]["cpu_rate"]
        for engine in PEERS:
            peer = results.get(engine, {}).get("figures", {})
            if peer.get("rate") and peer.get("cpu_rate"):
                print(
                    f"  ratio ours / {ENGINE_NAMES[engine]}: {ours / peer['rate']:.1f}x letters/s, "
                    f"{ours_cpu / peer['cpu_rate']:.1f}x letters per CPU second"
                )
        verdicts = ["ok" if rate >= RATE_TARGET else "MISSED" for rate in (ours, ours_cpu)]
        print(
            f"  ours on one core: {ours:.1f} letters/s {verdicts[0]}, {ours_cpu:.1f} letters per "
            f"CPU second {verdicts[1]} (target >= {RATE_TARGET:.0f})"
        )
    if merge:
        print(
            f"  pypdf batch merge of {merge['files']:,} letters: {merge['seconds']:.2f} s, "
            f"{merge['bytes_out'] / 2**20:.1f} MB"
        )


def run_parent(args: argparse.Namespace) -> int:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    count = args.letters or (50 if args.quick else 1000)
    sample = args.sample or (10 if args.quick else 20)
    engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    unknown = [name for name in engines if name not in lib.ENGINES]
    if unknown:
        print(f"letters: unknown engines {unknown}; choose from {', '.join(lib.ENGINES)}")
        return 2
    start = time.perf_counter()
    docs = lib.build_letters(count)
    letters = [lib.letter_to_json(doc) for doc in docs]
    if any(lib.letter_from_json(data) != doc for data, doc in zip(letters, docs, strict=True)):
        print("letters: the JSON of a letter does not read back the same; nothing measured")
        return 1
    print(f"== letters: {describe_corpus(letters, time.perf_counter() - start)}")
    lib.WORK_DIR.mkdir(parents=True, exist_ok=True)
    (lib.WORK_DIR / "letters.json").write_text(json.dumps(letters, ensure_ascii=False), "utf-8")
    results, pages = run_engines(engines, count)
    if pages:
        print("== pages per letter (every PDF, pypdf)")
        print_pages(pages, count)
    merge = run_merge(count) if "ours" in results else None
    cells = check_fidelity(list(results), letters, sample)
    print_summary(results, cells, merge, count)
    if args.keep:
        print(f"  PDFs kept in {lib.WORK_DIR.relative_to(ROOT)}")
    else:
        shutil.rmtree(lib.WORK_DIR, ignore_errors=True)
    if any(engine in PEERS for engine in engines):
        print(f"  peer venv kept in {lib.PEER_VENV.relative_to(ROOT)} (delete it to reinstall)")
    return 1 if "ours" in engines and "ours" not in results else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, help="how many letters (default 1000)")
    parser.add_argument("--engines", default="ours,typst,weasyprint", help="comma-separated")
    parser.add_argument("--quick", action="store_true", help="50 letters, sample of 10")
    parser.add_argument("--sample", type=int, help="letters per engine to check (default 20)")
    parser.add_argument("--keep", action="store_true", help="keep the PDFs in var/bench-peers/")
    parser.add_argument("--child", choices=[*lib.ENGINES, "merge"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        os.chdir(ROOT)
        if args.child == "merge":
            result = lib.run_merge(lib.WORK_DIR)
        else:
            result = lib.run_engine(args.child, lib.WORK_DIR)
        print("RESULT " + json.dumps(result))
        return 0
    return run_parent(args)


if __name__ == "__main__":
    sys.exit(main())
