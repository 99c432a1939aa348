#!/usr/bin/env bash
# Test print server for letters (DESIGN.md §7: CUPS with a cups-pdf queue, no systemd).
#
#   scripts/cups.sh start  DIR   install cups + cups-pdf if missing, start a private cupsd on
#                                127.0.0.1 with two cups-pdf queues, state kept in DIR
#   scripts/cups.sh stop   DIR   stop the cupsd started for DIR (by its PID), remove the
#                                cups-pdf queue configs written for it
#   scripts/cups.sh status DIR   print port, PID and queue names; exit 1 when it is not running
#
# Environment (defaults):
#   KC_CUPS_PORT=16631               TCP port on 127.0.0.1
#   KC_CUPS_QUEUE=KC_PDF_<hash>      name of the cups-pdf queue (hash of DIR, so parallel
#                                    servers never share a cups-pdf config file)
#
# The cupsd is private: config DIR/etc/cupsd.conf + DIR/etc/cups-files.conf (ServerRoot DIR/etc,
# so printers.conf and PPDs stay there), spool DIR/spool, cache DIR/cache, state DIR/state,
# logs DIR/log, PID DIR/cupsd.pid, port DIR/port, queue names DIR/queues. It listens on
# 127.0.0.1:PORT only, shares and browses nothing, needs no authentication, keeps completed
# jobs (job history) and has no job limit. CUPS' default job privacy stays: job-name is shown
# only to requests with the job's requesting-user-name.
#
# Queues: QUEUE prints through cups-pdf into DIR/out; QUEUE_OFF is the same but disabled
# (cupsdisable: printer-state 5 stopped, reason "paused", still accepting jobs, which stay
# pending). The cups-pdf backend reads its configuration from /etc/cups whatever the cupsd's
# ServerRoot: for the device URI cups-pdf:/NAME only /etc/cups/cups-pdf-NAME.conf (not also
# cups-pdf.conf). Those files are written on start and removed on stop. Output file:
# DIR/out/job_<job id>-<job name>.pdf (Label 1, TitlePref 1; characters other than letters,
# digits, "-", "+" and "." become "_"), written by Ghostscript with mode 0600 and set to 0644
# once complete. The PDF is not byte for byte the one sent: CUPS turns it into PostScript
# (pdftopdf, pdftops) and cups-pdf distils it again; pages, page size and text are kept.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cmd="${1:-}"
dir="${2:-}"
if [[ -z "$cmd" || -z "$dir" ]]; then
    echo "usage: $0 start|stop|status DIR" >&2
    exit 2
fi
if [[ -d "$dir" ]]; then
    dir="$(cd "$dir" && pwd)"
fi
port="${KC_CUPS_PORT:-16631}"
host="127.0.0.1:$port"
cups_pdf_conf_dir=/etc/cups

queue_name() {  # the queue for DIR: KC_CUPS_QUEUE or KC_PDF_<8 hex digits of the path>
    if [[ -n "${KC_CUPS_QUEUE:-}" ]]; then
        echo "$KC_CUPS_QUEUE"
    else
        echo "KC_PDF_$(printf '%s' "$dir" | sha256sum | cut -c1-8)"
    fi
}

cupsd_bin() {
    command -v cupsd 2>/dev/null || { [[ -x /usr/sbin/cupsd ]] && echo /usr/sbin/cupsd; }
}

cups_pdf_ppd() {  # the PPD shipped with printer-driver-cups-pdf (the one without options)
    local ppd
    for ppd in /usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd \
        /usr/share/ppd/cups-pdf/CUPS-PDF.ppd; do
        if [[ -f "$ppd" ]]; then
            echo "$ppd"
            return 0
        fi
    done
    return 1
}

installed() {
    [[ -n "$(cupsd_bin)" ]] && [[ -x /usr/lib/cups/backend/cups-pdf ]] && cups_pdf_ppd >/dev/null
}

install_cups() {
    install_packages cups installed cups printer-driver-cups-pdf
}

exists() {  # pid: true while the process exists and is not a zombie waiting to be reaped
    local state=""
    kill -0 "$1" 2>/dev/null || return 1
    [[ -r "/proc/$1/stat" ]] || return 0  # no /proc: kill -0 must do
    read -r _ _ state _ <"/proc/$1/stat" 2>/dev/null || return 1
    [[ "$state" != Z ]]
}

ours() {  # pid: true while it is the cupsd started for DIR (not a PID reused by another process)
    local cmdline=""
    exists "$1" || return 1
    [[ -r "/proc/$1/cmdline" ]] || return 0
    cmdline="$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)" || return 1
    [[ "$cmdline" == *"$dir/etc/cupsd.conf"* ]]
}

running() {
    [[ -s "$dir/cupsd.pid" ]] && ours "$(cat "$dir/cupsd.pid")"
}

write_conf() {
    local user group
    if [[ "$(id -u)" == "0" ]]; then
        user=lp
        group=lp
    else
        user="$(id -un)"
        group="$(id -gn)"
    fi
    mkdir -p "$dir"/{etc/ppd,etc/ssl,spool/tmp,cache,state/certs,log,out,cups-pdf-spool}
    cat >"$dir/etc/cupsd.conf" <<CONF
# Written by scripts/cups.sh for tests: 127.0.0.1 only, no sharing, no authentication.
Listen $host
ServerName 127.0.0.1
Browsing No
BrowseLocalProtocols none
DefaultShared No
WebInterface No
DefaultAuthType None
LogLevel info
MaxLogSize 0
# No limit on jobs, and completed jobs stay queryable (job-state, time-at-completed).
MaxJobs 0
MaxJobsPerPrinter 0
MaxJobsPerUser 0
PreserveJobHistory Yes
PreserveJobFiles No
AutoPurgeJobs No
# A failing backend aborts its job instead of stopping the queue for all later tests.
ErrorPolicy abort-job
<Location />
  Order allow,deny
  Allow 127.0.0.1
</Location>
# CUPS' default privacy stays: job-name and the job's user are shown only to the requesting
# user who printed the job (as on the print room's CUPS).
<Policy default>
  JobPrivateAccess default
  JobPrivateValues default
  SubscriptionPrivateAccess default
  SubscriptionPrivateValues default
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
CONF
    cat >"$dir/etc/cups-files.conf" <<CONF
# Written by scripts/cups.sh: every file of this cupsd lives below $dir.
ServerRoot $dir/etc
RequestRoot $dir/spool
TempDir $dir/spool/tmp
CacheDir $dir/cache
StateDir $dir/state
ErrorLog $dir/log/error_log
AccessLog $dir/log/access_log
PageLog $dir/log/page_log
User $user
Group $group
SystemGroup root
FileDevice No
ConfigFilePerm 0644
LogFilePerm 0644
CONF
    # The filters run as User, the cups-pdf backend as root and writes as the anonymous user:
    # both must reach the files below DIR.
    chmod 0755 "$dir"
    chmod 1777 "$dir/cups-pdf-spool"
    if [[ "$(id -u)" == "0" ]]; then
        chown nobody "$dir/out"
    else
        chmod 0777 "$dir/out"
    fi
}

write_cups_pdf_conf() {  # queue
    # cups-pdf reads /etc/cups/cups-pdf-NAME.conf for the device URI cups-pdf:/NAME (only that
    # file, not also cups-pdf.conf), whatever ServerRoot the cupsd has.
    local queue="$1"
    cat >"$cups_pdf_conf_dir/cups-pdf-$queue.conf" <<CONF
# Written by scripts/cups.sh for the test cupsd in $dir; removed by \`scripts/cups.sh stop\`.
# Jobs of local users go to Out, of unknown users (the usual case) to AnonDirName: the same.
Out $dir/out
AnonDirName $dir/out
AnonUser nobody
Grp lp
Spool $dir/cups-pdf-spool
Log $dir/log
LogType 3
# File name: job_<job id>-<job name>.pdf (job name from the request, not from the PDF).
Label 1
TitlePref 1
Truncate 200
Cut 0
# Files readable by the tests; cups-pdf sets the mode only after Ghostscript has finished.
UserUMask 0022
AnonUMask 0022
# The PDF arrives as PostScript (CUPS runs pdftopdf and pdftops) and is distilled again by
# Ghostscript. Everything of the default call except the page rotation by text direction.
GSCall %s -q -dCompatibilityLevel=%s -dNOPAUSE -dBATCH -dSAFER -sDEVICE=pdfwrite -sOutputFile="%s" -dAutoRotatePages=/None -dAutoFilterColorImages=false -dColorImageFilter=/FlateEncode -dPDFSETTINGS=/prepress -c -f %s
CONF
}

add_queues() {  # explicit checks: errexit does not apply where this is called with ||
    local queue ppd out
    queue="$(queue_name)"
    if [[ ! "$queue" =~ ^[A-Za-z0-9_-]+$ ]]; then
        echo "cups: queue name '$queue' must be letters, digits, _ and - only" >&2
        return 1
    fi
    ppd="$(cups_pdf_ppd)" || return 1
    # Written first, so that stop removes the cups-pdf configs even after a failed start.
    printf '%s\n%s\n' "$queue" "${queue}_OFF" >"$dir/queues" || return 1
    for name in "$queue" "${queue}_OFF"; do
        write_cups_pdf_conf "$name" || return 1
        if ! out="$(lpadmin -h "$host" -p "$name" -v "cups-pdf:/$name" -P "$ppd" -E \
            -o printer-error-policy=abort-job 2>&1)"; then
            echo "cups: lpadmin $name failed: $out" >&2
            return 1
        fi
        # (lpadmin warns that printer drivers are deprecated, for every PPD: not shown.)
    done
    cupsdisable -h "$host" -r "disabled by scripts/cups.sh" "${queue}_OFF" || return 1
}

start() {
    install_cups
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if running; then
        echo "cups: already running (PID $(cat "$dir/cupsd.pid"))" >&2
    else
        write_conf
        # The start is judged by this log: keep an earlier start's log aside.
        if [[ -f "$dir/log/error_log" ]]; then
            mv -f "$dir/log/error_log" "$dir/log/error_log.prev"
        fi
        nohup "$(cupsd_bin)" -f -c "$dir/etc/cupsd.conf" -s "$dir/etc/cups-files.conf" \
            >"$dir/cupsd.out" 2>&1 &
        local pid=$! ready=""
        echo "$pid" >"$dir/cupsd.pid"
        echo "$port" >"$dir/port"
        for _ in $(seq 1 300); do
            # (Not `running`: until nohup has exec'd cupsd, the command line is not yet cupsd's.)
            if ! exists "$pid"; then
                echo "cups: cupsd exited; see $dir/log/error_log and $dir/cupsd.out" >&2
                cat "$dir/cupsd.out" "$dir/log/error_log" >&2 2>/dev/null || true
                rm -f "$dir/cupsd.pid"
                return 1
            fi
            # cupsd keeps running when it cannot listen: stop waiting for an answer then.
            if grep -q 'Unable to open listen socket' "$dir/log/error_log" 2>/dev/null; then
                echo "cups: cupsd cannot listen on $host:" >&2
                grep 'Unable to open listen socket' "$dir/log/error_log" >&2 || true
                stop
                return 1
            fi
            # The answer must come from this cupsd, not another server that took the port
            # (lpstat -r only connects).
            if grep -q "Listening to $host " "$dir/log/error_log" 2>/dev/null \
                && lpstat -h "$host" -r 2>/dev/null | grep -q 'is running' && running; then
                ready=1
                break
            fi
            sleep 0.1
        done
        if [[ -z "$ready" ]]; then
            echo "cups: no answer from cupsd on $host within 30 s" >&2
            cat "$dir/cupsd.out" "$dir/log/error_log" >&2 2>/dev/null || true
            stop
            return 1
        fi
        if ! add_queues; then
            echo "cups: adding the queues failed; see $dir/log/error_log" >&2
            stop
            return 1
        fi
    fi
    printf 'cups=127.0.0.1:%s pid=%s queues=%s dir=%s\n' \
        "$(cat "$dir/port")" "$(cat "$dir/cupsd.pid")" "$(paste -sd, "$dir/queues")" "$dir"
}

stop() {
    local pid name
    if [[ -s "$dir/cupsd.pid" ]]; then
        pid="$(cat "$dir/cupsd.pid")"
        if ours "$pid"; then
            kill -TERM "$pid"
            for _ in $(seq 1 100); do
                exists "$pid" || break
                sleep 0.1
            done
            if exists "$pid"; then
                echo "cups: PID $pid ignored TERM, sending KILL" >&2
                kill -KILL "$pid" 2>/dev/null || true
            fi
        fi
        rm -f "$dir/cupsd.pid"
    fi
    if [[ -s "$dir/queues" ]]; then
        while read -r name; do
            [[ -n "$name" ]] && rm -f "$cups_pdf_conf_dir/cups-pdf-$name.conf"
        done <"$dir/queues"
        rm -f "$dir/queues"
    fi
}

status() {
    if running; then
        printf 'cups: running on 127.0.0.1:%s, PID %s, queues %s\n' "$(cat "$dir/port")" \
            "$(cat "$dir/cupsd.pid")" "$(paste -sd' ' "$dir/queues" 2>/dev/null)"
    else
        echo "cups: not running"
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
