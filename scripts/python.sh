#!/usr/bin/env bash
# Print the path of a Python interpreter >= 3.12 (Django 6.1 needs it).
#
# Candidates in order: $KC_PYTHON, python3.13, python3.12, python3 on PATH (each only if it
# really runs and reports >= 3.12: pyenv shims exist but fail without `pyenv local`), then
# the real interpreters under /root/.pyenv/versions/3.13*/ and 3.12*/ (newest first).
set -euo pipefail

min_major=3
min_minor=12

# Prints the resolved interpreter path when "$1" runs and is new enough.
check() {
    local candidate="$1"
    "$candidate" -c "
import sys
if sys.version_info < ($min_major, $min_minor):
    raise SystemExit(1)
print(sys.executable)
" 2>/dev/null
}

candidates=()
if [[ -n "${KC_PYTHON:-}" ]]; then
    candidates+=("$KC_PYTHON")
fi
for name in python3.13 python3.12 python3; do
    if command -v "$name" >/dev/null 2>&1; then
        candidates+=("$(command -v "$name")")
    fi
done
pyenv_root="${PYENV_ROOT:-/root/.pyenv}"
for series in 3.13 3.12; do
    # Newest patch release first.
    while IFS= read -r dir; do
        [[ -n "$dir" ]] && candidates+=("$dir/bin/python3")
    done < <(ls -d "$pyenv_root"/versions/"$series".* 2>/dev/null | sort -rV)
done

for candidate in "${candidates[@]}"; do
    if [[ -x "$candidate" ]] && found="$(check "$candidate")" && [[ -n "$found" ]]; then
        echo "$found"
        exit 0
    fi
done

{
    echo "error: no Python >= $min_major.$min_minor found."
    echo "  tried: ${candidates[*]:-(none)}"
    echo "  install one (e.g. apt-get install python3.12, or pyenv install 3.13) or set KC_PYTHON=/path/to/python3"
} >&2
exit 1
