#!/usr/bin/env bash
# Make sure Debian's chromium (used by the Playwright browser tests) is installed.
# As root it installs it with apt-get; otherwise it only reports (the e2e tests then skip).
set -euo pipefail

chromium="${KC_CHROMIUM:-/usr/bin/chromium}"
if [[ -x "$chromium" ]]; then
    exit 0
fi
if [[ "$(id -u)" != "0" ]]; then
    echo "install-chromium: $chromium missing and not root: browser tests will be skipped" \
         "(as root: apt-get install -y chromium fonts-dejavu-core)" >&2
    exit 0
fi
echo "install-chromium: installing Debian's chromium"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core fonts-liberation >/dev/null
"$chromium" --version 2>/dev/null || true
