#!/usr/bin/env bash
# Run the test suite (without browser tests) on PostgreSQL. pytest-django creates test_*
# databases (one per xdist worker). When PostgreSQL cannot be reached the run is skipped
# loudly, unless KC_REQUIRE_POSTGRES=1 (CI), where it fails.
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${KC_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/kundencenter}"

if ! .venv/bin/python - <<'PY'
import os
import sys

import dj_database_url
import psycopg

cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
try:
    # Connect to the maintenance database: the project database need not exist for tests.
    psycopg.connect(
        host=cfg["HOST"] or None, port=cfg["PORT"] or None, user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None, dbname="postgres", connect_timeout=5,
    ).close()
except psycopg.Error as exc:
    print(f"PostgreSQL unreachable: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
    if [[ "${KC_REQUIRE_POSTGRES:-0}" == "1" ]]; then
        echo "test-postgres: FAILED: PostgreSQL at $DATABASE_URL is required (KC_REQUIRE_POSTGRES=1)" >&2
        exit 1
    fi
    cat >&2 <<MSG

************************************************************************
*  SKIPPING the PostgreSQL test run: no PostgreSQL at                   
*  $DATABASE_URL
*  Start PostgreSQL (trust auth for user postgres) or set
*  KC_TEST_POSTGRES_URL. CI sets KC_REQUIRE_POSTGRES=1 and fails here.
************************************************************************

MSG
    exit 0
fi

# The production-topology tests start their own servers and kill some of them: they run alone,
# after the parallel pass, so the other tests' load does not change their timing.
status=0
KC_PYTEST_LABEL="pytest (PostgreSQL)" scripts/pytest.sh -n "${KC_TEST_WORKERS:-auto}" \
    -m "not e2e and not production" -p no:cacheprovider "$@" || status=$?
KC_PYTEST_LABEL="pytest (PostgreSQL, production topology)" scripts/pytest.sh -p no:xdist \
    -m "production" -p no:cacheprovider "$@" || status=$?
exit $status
