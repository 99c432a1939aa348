#!/usr/bin/env bash
# Test mail servers for the e-mail channel (DESIGN.md §6: real parts in tests).
#
#   scripts/mailservers.sh start  DIR   install Dovecot if missing, start Dovecot (IMAP) and an
#                                       aiosmtpd sink, both on 127.0.0.1, state kept in DIR
#   scripts/mailservers.sh stop   DIR   stop the two servers started for DIR (by their PIDs)
#   scripts/mailservers.sh status DIR   print ports and PIDs; exit 1 when one is not running
#
# Environment (defaults):
#   KC_IMAP_PORT=10143  KC_SMTP_PORT=10025
#   KC_IMAP_USER=kundencenter  KC_IMAP_PASSWORD=kc-test-password
#
# Dovecot: plaintext auth without TLS (tests only!), one passwd-file user, maildir under
# DIR/mail, logs in DIR/dovecot.log, PID in DIR/dovecot.pid. No systemd, no /etc/dovecot.
# SMTP sink: every mail is written as DIR/smtp/<time>-<n>.eml with X-Envelope-From/-To
# headers prepended; PID in DIR/smtp.pid, log in DIR/smtp.log.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cmd="${1:-}"
dir="${2:-}"
if [[ -z "$cmd" || -z "$dir" ]]; then
    echo "usage: $0 start|stop|status DIR" >&2
    exit 2
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${KC_PYTHON:-$root/.venv/bin/python}"
imap_port="${KC_IMAP_PORT:-10143}"
smtp_port="${KC_SMTP_PORT:-10025}"
imap_user="${KC_IMAP_USER:-kundencenter}"
imap_password="${KC_IMAP_PASSWORD:-kc-test-password}"

dovecot_installed() {
    command -v dovecot >/dev/null 2>&1 || [[ -x /usr/sbin/dovecot ]]
}

install_dovecot() {
    install_packages mailservers dovecot_installed dovecot-imapd
}

wait_port() {  # port pidfile name
    local port="$1" pidfile="$2" name="$3"
    for _ in $(seq 1 100); do
        if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            echo "mailservers: $name exited; see $dir/$name.log" >&2
            return 1
        fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "mailservers: $name did not listen on 127.0.0.1:$port within 10 s" >&2
    return 1
}

running() {  # pidfile
    [[ -s "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

write_dovecot_conf() {
    local internal login uid_lines=""
    if [[ "$(id -u)" == "0" ]]; then
        internal=dovecot
        login=dovenull
        # Mail processes must not run as root: the mailbox belongs to the dovecot user.
        uid_lines="uid=dovecot gid=dovecot"
        chown -R dovecot:dovecot "$dir/mail"
    else
        internal="$(id -un)"
        login="$(id -un)"
    fi
    printf '%s:{PLAIN}%s\n' "$imap_user" "$imap_password" >"$dir/users"
    chmod 0644 "$dir/users"
    cat >"$dir/dovecot.conf" <<CONF
# Written by scripts/mailservers.sh for tests. Plaintext auth on 127.0.0.1 only.
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = $internal
default_login_user = $login
first_valid_uid = 1
mail_location = maildir:$dir/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = $uid_lines home=$dir/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
protocol imap {
  mail_max_userip_connections = 50
}
CONF
}

write_smtp_sink() {
    cat >"$dir/smtp_sink.py" <<'PY'
"""aiosmtpd sink: store every mail as a file (written by scripts/mailservers.sh)."""

import asyncio
import itertools
import os
import sys
import time

from aiosmtpd.controller import Controller

OUT = sys.argv[1]
COUNTER = itertools.count(1)


class Sink:
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        head = f"X-Envelope-From: {envelope.mail_from}\r\n"
        head += f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        name = f"{time.time_ns()}-{next(COUNTER)}.eml"
        tmp = os.path.join(OUT, "." + name)
        with open(tmp, "wb") as fh:
            fh.write(head.encode() + envelope.original_content)
        os.replace(tmp, os.path.join(OUT, name))
        return "250 Message accepted for delivery"


async def main() -> None:
    controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[2]))
    controller.start()
    print(f"smtp sink on 127.0.0.1:{sys.argv[2]} -> {OUT}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        controller.stop()


asyncio.run(main())
PY
}

start() {
    install_dovecot
    mkdir -p "$dir"/{run,state,mail,smtp}
    dir="$(cd "$dir" && pwd)"
    # Dovecot's unprivileged processes must reach the files below DIR.
    chmod 0755 "$dir" "$dir/mail"
    if running "$dir/dovecot.pid"; then
        echo "mailservers: dovecot already running (PID $(cat "$dir/dovecot.pid"))" >&2
    else
        write_dovecot_conf
        nohup /usr/sbin/dovecot -F -c "$dir/dovecot.conf" >"$dir/dovecot.out" 2>&1 &
        echo $! >"$dir/dovecot.pid"
        wait_port "$imap_port" "$dir/dovecot.pid" dovecot
    fi
    if running "$dir/smtp.pid"; then
        echo "mailservers: smtp sink already running (PID $(cat "$dir/smtp.pid"))" >&2
    else
        write_smtp_sink
        nohup "$python" "$dir/smtp_sink.py" "$dir/smtp" "$smtp_port" >"$dir/smtp.log" 2>&1 &
        echo $! >"$dir/smtp.pid"
        wait_port "$smtp_port" "$dir/smtp.pid" smtp
    fi
    printf 'imap=127.0.0.1:%s user=%s pid=%s\nsmtp=127.0.0.1:%s pid=%s dir=%s/smtp\n' \
        "$imap_port" "$imap_user" "$(cat "$dir/dovecot.pid")" \
        "$smtp_port" "$(cat "$dir/smtp.pid")" "$dir"
}

stop_one() {  # pidfile name
    local pidfile="$1" name="$2" pid
    [[ -s "$pidfile" ]] || return 0
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "mailservers: $name (PID $pid) ignored TERM, sending KILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$pidfile"
}

stop() {
    stop_one "$dir/dovecot.pid" dovecot
    stop_one "$dir/smtp.pid" smtp
}

status() {
    local rc=0
    for name in dovecot smtp; do
        if running "$dir/$name.pid"; then
            echo "$name: running, PID $(cat "$dir/$name.pid")"
        else
            echo "$name: not running"
            rc=1
        fi
    done
    return $rc
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
