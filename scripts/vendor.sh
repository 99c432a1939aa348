#!/usr/bin/env bash
# Refresh the vendored JavaScript from the npm registry (no CDN at run time).
# Usage: scripts/vendor.sh [AXE_VERSION] [HTMX_VERSION]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
axe_version="${1:-4}"
htmx_version="${2:-2}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "axe-core@${axe_version}" "htmx.org@${htmx_version}" >/dev/null
mkdir axe htmx
tar xzf axe-core-*.tgz -C axe
tar xzf htmx.org-*.tgz -C htmx
cp axe/package/axe.min.js "$root/e2e/vendor/axe.min.js"
cp axe/package/LICENSE "$root/e2e/vendor/axe-core.LICENSE"
cp axe/package/LICENSE-3RD-PARTY.txt "$root/e2e/vendor/axe-core.LICENSE-3RD-PARTY.txt"
cp htmx/package/dist/htmx.min.js "$root/kc/core/static/vendor/htmx.min.js"
cp htmx/package/LICENSE "$root/kc/core/static/vendor/htmx.LICENSE"
echo "axe-core $(node -p "require('./axe/package/package.json').version")," \
     "htmx.org $(node -p "require('./htmx/package/package.json').version") vendored;" \
     "update the version tables in e2e/vendor/README.md and kc/core/static/vendor/README.md"
