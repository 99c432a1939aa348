#!/usr/bin/env bash
# Local demo: migrate, seed demo data once, print demo logins, start the task worker in the
# background and the development server in the foreground. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

py=.venv/bin/python
host="${KC_RUN_HOST:-127.0.0.1}"
port="${KC_RUN_PORT:-8000}"
export KC_DEBUG="${KC_DEBUG:-1}"

has_command() { "$py" manage.py "$1" --help >/dev/null 2>&1; }

"$py" manage.py migrate --no-input

customers="$("$py" manage.py shell -v 0 -c \
    'from kc.customers.models import BusinessPartner; print(BusinessPartner.objects.count())' \
    | tail -n 1)"
if [[ "$customers" == "0" ]]; then
    if has_command seed_demo; then
        echo "run: database has no customers, seeding demo data"
        "$py" manage.py seed_demo --customers 1000 --seed 1
    else
        echo "run: WARNING: manage.py seed_demo is not available yet, starting without demo data" >&2
    fi
else
    echo "run: database has $customers customers, not seeding"
fi

if has_command setup_demo_staff; then
    "$py" manage.py setup_demo_staff
else
    echo "run: WARNING: manage.py setup_demo_staff is not available yet, no demo logins" >&2
fi

if has_command seed_demo_letters; then
    "$py" manage.py seed_demo_letters
fi
if has_command seed_demo_payments; then
    "$py" manage.py seed_demo_payments
fi
if has_command seed_demo_portal; then
    "$py" manage.py seed_demo_portal
fi
if has_command seed_demo_complaints; then
    "$py" manage.py seed_demo_complaints
fi
if has_command seed_demo_presence; then
    "$py" manage.py seed_demo_presence
fi
if has_command seed_demo_funding; then
    "$py" manage.py seed_demo_funding
fi
if has_command seed_demo_appointments; then
    "$py" manage.py seed_demo_appointments
fi
if has_command seed_demo_privacy; then
    "$py" manage.py seed_demo_privacy
fi

# The print room's printer: a private CUPS with the cups-pdf printer when CUPS is installed
# and we are root (printed batches land in var/cups/out); KC_PRINTER_URI set or KC_RUN_CUPS=0
# leaves it alone. Without it the print room says that no printer is set up.
cups_dir=""
if [[ -z "${KC_PRINTER_URI:-}" && "${KC_RUN_CUPS:-1}" != "0" && "$(id -u)" == "0" ]] \
    && command -v cupsd >/dev/null && [[ -e /usr/lib/cups/backend/cups-pdf ]]; then
    cups_dir="$PWD/var/cups"
    export KC_CUPS_PORT="${KC_CUPS_PORT:-16631}"
    if scripts/cups.sh start "$cups_dir" >/dev/null; then
        export KC_PRINTER_URI="ipp://127.0.0.1:$(cat "$cups_dir/port")/printers/$(head -n 1 "$cups_dir/queues")"
    else
        echo "run: WARNING: CUPS did not start; the print room has no printer" >&2
        cups_dir=""
    fi
fi

"$py" manage.py worker &
worker_pid=$!
"$py" manage.py scheduler &
scheduler_pid=$!
stop_worker() {
    for pid in "$worker_pid" "$scheduler_pid"; do
        if kill -0 "$pid" 2>/dev/null; then
            echo "run: stopping pid $pid"
            kill -TERM "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    if [[ -n "$cups_dir" ]]; then
        scripts/cups.sh stop "$cups_dir" || true
    fi
}
trap stop_worker EXIT
trap 'exit 130' INT TERM

echo
echo "run: Kundencenter on http://$host:$port/  (worker pid $worker_pid, scheduler pid $scheduler_pid; Ctrl-C stops all)"
if [[ -n "$cups_dir" ]]; then
    echo "run: print room printer $KC_PRINTER_URI (cups-pdf: printed batches in $cups_dir/out)"
fi
echo
"$py" manage.py runserver "$host:$port"
