#!/usr/bin/env bash
# Test virus scanner for e-mail attachments (DESIGN.md §6: clamd with a test signature).
#
#   scripts/clamd.sh start  DIR   install clamav-daemon if missing, start clamd on 127.0.0.1
#                                 with only the EICAR test signature, state kept in DIR
#   scripts/clamd.sh stop   DIR   stop the clamd started for DIR (by its PID)
#   scripts/clamd.sh status DIR   print port and PID; exit 1 when it is not running
#
# Environment (defaults):
#   KC_CLAMD_PORT=13310          TCP port on 127.0.0.1
#   KC_CLAMD_STREAM_MAX=30M      StreamMaxLength: larger INSTREAM uploads are refused
#
# There is no freshclam here (no internet in CI): the signature database is one file,
# DIR/db/kc-test.ndb, with the EICAR test file's body signature written below. ClamAV
# reports it as "Kc.Test.EICAR.UNOFFICIAL". Archive limits are small and AlertExceedsMax is
# on, so a zip bomb is cut off and reported as Heuristics.Limits.Exceeded.* instead of being
# unpacked. Config DIR/clamd.conf, log DIR/clamd.log, PID DIR/clamd.pid. No systemd.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cmd="${1:-}"
dir="${2:-}"
if [[ -z "$cmd" || -z "$dir" ]]; then
    echo "usage: $0 start|stop|status DIR" >&2
    exit 2
fi
port="${KC_CLAMD_PORT:-13310}"
stream_max="${KC_CLAMD_STREAM_MAX:-30M}"
# Hex of the 68-byte EICAR anti-virus test string (X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-...).
eicar_hex="58354f2150254041505b345c505a58353428505e2937434329377d2445494341522d5354414e444152442d414e544956495255532d544553542d46494c452124482b482a"

clamd_bin() {
    command -v clamd 2>/dev/null || { [[ -x /usr/sbin/clamd ]] && echo /usr/sbin/clamd; }
}

clamd_installed() {
    [[ -n "$(clamd_bin)" ]]
}

install_clamd() {
    install_packages clamd clamd_installed clamav-daemon
}

running() {
    [[ -s "$dir/clamd.pid" ]] && kill -0 "$(cat "$dir/clamd.pid")" 2>/dev/null
}

ping_clamd() {  # true when clamd answers PING with PONG
    local reply=""
    exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
    printf 'nPING\n' >&3
    read -r -t 2 reply <&3 || true
    exec 3>&-
    [[ "$reply" == "PONG" ]]
}

write_conf() {
    mkdir -p "$dir/db" "$dir/tmp"
    printf 'Kc.Test.EICAR:0:*:%s\n' "$eicar_hex" >"$dir/db/kc-test.ndb"
    cat >"$dir/clamd.conf" <<CONF
# Written by scripts/clamd.sh for tests: 127.0.0.1 only, EICAR test signature only.
TCPSocket $port
TCPAddr 127.0.0.1
DatabaseDirectory $dir/db
TemporaryDirectory $dir/tmp
PidFile $dir/clamd.run.pid
LogFile $dir/clamd.log
LogTime yes
Foreground yes
MaxThreads 4
SelfCheck 0
StreamMaxLength $stream_max
ScanArchive yes
MaxScanTime 20000
MaxScanSize 50M
MaxFileSize 25M
MaxRecursion 8
MaxFiles 500
AlertExceedsMax yes
CONF
}

start() {
    install_clamd
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if running; then
        echo "clamd: already running (PID $(cat "$dir/clamd.pid"))" >&2
    else
        write_conf
        nohup "$(clamd_bin)" -c "$dir/clamd.conf" >"$dir/clamd.out" 2>&1 &
        echo $! >"$dir/clamd.pid"
        local ready=""
        for _ in $(seq 1 300); do
            if ! running; then
                echo "clamd: exited; see $dir/clamd.log and $dir/clamd.out" >&2
                cat "$dir/clamd.out" >&2 || true
                return 1
            fi
            if ping_clamd 2>/dev/null; then
                ready=1
                break
            fi
            sleep 0.1
        done
        if [[ -z "$ready" ]]; then
            echo "clamd: no PONG on 127.0.0.1:$port within 30 s" >&2
            stop
            return 1
        fi
    fi
    printf 'clamd=127.0.0.1:%s pid=%s dir=%s\n' "$port" "$(cat "$dir/clamd.pid")" "$dir"
}

stop() {
    local pid
    [[ -s "$dir/clamd.pid" ]] || return 0
    pid="$(cat "$dir/clamd.pid")"
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "clamd: PID $pid ignored TERM, sending KILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$dir/clamd.pid"
}

status() {
    if running; then
        echo "clamd: running on 127.0.0.1:$port, PID $(cat "$dir/clamd.pid")"
    else
        echo "clamd: not running"
        return 1
    fi
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *)
        echo "usage: $0 start|stop|status DIR" >&2
        exit 2
        ;;
esac
