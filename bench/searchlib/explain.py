"""EXPLAIN every statement a search runs and flag table scans.

SQLite: a 'SCAN <table>' line without 'USING ... INDEX' or a virtual-table
(FTS5) index is a full scan. PostgreSQL: a 'Seq Scan' node is one.
"""

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def _plan(sql: str) -> list[str]:
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        rows = cursor.fetchall()
    return [str(row[-1]) for row in rows]


def is_full_scan(line: str) -> bool:
    if connection.vendor == "sqlite":
        scans = line.startswith("SCAN ")
        return scans and "INDEX" not in line and "VIRTUAL TABLE" not in line
    return "Seq Scan" in line


def explain_call(call: Callable[[], object]) -> list[tuple[str, list[str]]]:
    """(sql, plan lines) of every statement `call` runs."""
    with CaptureQueriesContext(connection) as captured:
        call()
    return [(q["sql"], _plan(q["sql"])) for q in captured.captured_queries]


def report(label: str, call: Callable[[], object], *, verbose: bool) -> int:
    """Print the plans of `call`; return the number of full scans."""
    scans = 0
    for sql, plan in explain_call(call):
        bad = [line for line in plan if is_full_scan(line)]
        scans += len(bad)
        if verbose or bad:
            print(f"  [{label}] {'FULL SCAN ' if bad else ''}{sql[:160]}")
            for line in plan:
                print(f"      {line}")
    return scans
