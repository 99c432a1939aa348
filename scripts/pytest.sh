#!/usr/bin/env bash
# Run pytest from the venv; "no tests collected" (exit 5) is reported but not a failure,
# because a selection (e.g. the postgres marker) may legitimately be empty.
set -uo pipefail
cd "$(dirname "$0")/.."
label="${KC_PYTEST_LABEL:-pytest}"
start=$SECONDS
.venv/bin/python -m pytest "$@"
rc=$?
echo "== $label: exit $rc after $((SECONDS - start))s"
if [[ $rc -eq 5 ]]; then
    echo "== $label: no tests collected for this selection (not a failure)"
    exit 0
fi
exit $rc
