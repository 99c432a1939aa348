#!/usr/bin/env bash
# Create or refresh .venv: recreate it when its interpreter is missing, broken or older than
# 3.12; reinstall requirements when requirements*.txt or the interpreter changed (stamp file).
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${KC_VENV:-.venv}"
stamp="$venv/.kc-requirements.sha256"

venv_python_ok() {
    [[ -x "$venv/bin/python" ]] &&
        "$venv/bin/python" -c 'import sys; raise SystemExit(sys.version_info < (3, 12))' 2>/dev/null
}

if ! venv_python_ok; then
    python="$(scripts/python.sh)"
    echo "venv: creating $venv with $python ($("$python" --version 2>&1))"
    rm -rf "$venv"
    "$python" -m venv "$venv"
fi

wanted="$(cat requirements.txt requirements-dev.txt <("$venv/bin/python" --version) | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    exit 0
fi

echo "venv: installing requirements-dev.txt into $venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
echo "$wanted" > "$stamp"
echo "venv: ready ($("$venv/bin/python" --version))"
