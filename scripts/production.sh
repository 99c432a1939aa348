#!/usr/bin/env bash
# The production topology on one machine, on 127.0.0.1 (docs/production.md):
#
#   scripts/production.sh start DIR   nginx -> two gunicorn app servers, two task workers and
#                                     the scheduler, on the PostgreSQL already running here
#   scripts/production.sh stop  DIR   stop exactly the processes whose PIDs are in DIR/pids
#
# Production settings: KC_DEBUG=0, a random KC_SECRET_KEY (kept in DIR/env, shared by every
# process), KC_BEHIND_PROXY=1, one media directory for all processes, django-tasks-db on
# PostgreSQL, a database cache (rate limits shared by the app servers). nginx runs
# deploy/nginx/kundencenter.conf rendered with this machine's ports and paths
# (deploy/nginx/render.py). Without TLS (default) only its HTTPS server is kept, listening on
# plain HTTP on 127.0.0.1. With KC_PROD_TLS=1 the script makes a throwaway CA and a
# certificate for 127.0.0.1/localhost in DIR/tls (clients trust DIR/tls/ca.pem), nginx serves
# HTTPS on KC_PROD_HTTPS_PORT and redirects KC_PROD_HTTP_PORT to it, and the app servers run
# with KC_SECURE=1 (__Host- cookies, HSTS) as in production.
# DIR/env holds the environment; `set -a; . DIR/env; set +a` gives a shell the same settings.
#
# Environment (defaults):
#   KC_PROD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kc_production (created if missing)
#   KC_PROD_HTTP_PORT=18080  KC_PROD_APP_PORTS="18001 18002"  KC_PROD_GUNICORN_WORKERS=2
#   KC_PROD_TLS=0  KC_PROD_HTTPS_PORT=18443 (with KC_PROD_TLS=1)
#   KC_SMTP_PORT=25 (where the outbox sends)  KC_PRINTER_URI= (empty: no printer; the crash
#   test points it at a private CUPS from scripts/cups.sh)
# nginx is installed with apt-get when missing and running as root; otherwise start fails
# loudly (exit 3) so a caller can skip.
set -euo pipefail

cmd="${1:-}"
dir="${2:-}"
if [[ -z "$cmd" || -z "$dir" ]]; then
    echo "usage: $0 start|stop DIR" >&2
    exit 2
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
python="$root/.venv/bin/python"
http_port="${KC_PROD_HTTP_PORT:-18080}"
https_port="${KC_PROD_HTTPS_PORT:-18443}"
tls="${KC_PROD_TLS:-0}"
[[ "$tls" == "1" ]] || tls=0
read -r -a app_ports <<<"${KC_PROD_APP_PORTS:-18001 18002}"
database_url="${KC_PROD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/kc_production}"
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

log() { echo "production: $*" >&2; }

running() {  # pidfile
    [[ -s "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

wait_port() {  # port pidfile name
    local port="$1" pidfile="$2" name="$3"
    for _ in $(seq 1 300); do
        if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            log "$name exited; see $dir/log/$name.log"
            tail -n 20 "$dir/log/$name.log" >&2 || true
            return 1
        fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    log "$name did not listen on 127.0.0.1:$port within 30 s"
    return 1
}

ensure_nginx() {
    [[ -x "$nginx_bin" ]] && return 0
    if [[ "$(id -u)" != "0" ]]; then
        log "SKIPPING: nginx is not installed and only root can install it (apt-get install nginx-light)"
        exit 3
    fi
    log "installing nginx-light"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >&2
    nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
}

write_env() {
    if [[ -s "$dir/env" ]]; then
        if ! grep -qx "KC_SECURE=$tls" "$dir/env"; then
            log "$dir was set up with KC_PROD_TLS=$((1 - tls)); use another directory"
            exit 1
        fi
        return 0
    fi
    local secret hosts origin="http://127.0.0.1:$http_port"
    [[ "$tls" == "1" ]] && origin="https://127.0.0.1:$https_port"
    secret="$("$python" -c 'import secrets; print(secrets.token_urlsafe(50))')"
    hosts="127.0.0.1,localhost"
    umask 077
    cat >"$dir/env" <<ENV
KC_DEBUG=0
KC_SECRET_KEY=$secret
KC_ALLOWED_HOSTS=$hosts
KC_CSRF_TRUSTED_ORIGINS=$origin,${origin/127.0.0.1/localhost}
KC_BEHIND_PROXY=1
KC_TRUSTED_PROXIES=127.0.0.1,::1
KC_SECURE=$tls
DATABASE_URL=$database_url
KC_DB_CONN_MAX_AGE=0
KC_VAR_DIR=$dir/var
KC_MEDIA_ROOT=$dir/var/media
KC_TASKS_BACKEND=django_tasks_db.DatabaseBackend
KC_CACHE_BACKEND=django.core.cache.backends.db.DatabaseCache
KC_CACHE_LOCATION=kc_cache
KC_PORTAL_URL=$origin/portal/
KC_SMTP_HOST=127.0.0.1
KC_SMTP_PORT=${KC_SMTP_PORT:-25}
KC_SMTP_SECURITY=plain
KC_PRINTER_URI=${KC_PRINTER_URI:-}
KC_IMAP_HOST=
DJANGO_SETTINGS_MODULE=config.settings
PYTHONDONTWRITEBYTECODE=1
ENV
    umask 022
}

create_database() {
    DATABASE_URL="$database_url" "$python" - <<'PY'
import os

import dj_database_url
import psycopg
from psycopg import sql

cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
with psycopg.connect(
    host=cfg["HOST"] or None, port=cfg["PORT"] or None, user=cfg["USER"] or None,
    password=cfg["PASSWORD"] or None, dbname="postgres", autocommit=True, connect_timeout=5,
) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone():
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))
PY
}

write_tls() {  # a throwaway CA and a server certificate for 127.0.0.1/localhost in DIR/tls
    local tls_dir="$dir/tls"
    # Kept while valid for another hour: a restart on the same DIR keeps clients' trust.
    if [[ -s "$tls_dir/fullchain.pem" && -s "$tls_dir/ca.pem" ]] \
        && openssl x509 -checkend 3600 -noout -in "$tls_dir/fullchain.pem" >/dev/null; then
        return 0
    fi
    log "making a throwaway CA and a certificate for 127.0.0.1/localhost in $tls_dir"
    mkdir -p "$tls_dir"
    cat >"$tls_dir/openssl.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = Kundencenter throwaway CA (scripts/production.sh)
[ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
CNF
    (
        umask 077
        cd "$tls_dir"
        openssl req -x509 -newkey rsa:2048 -nodes -days 30 -config openssl.cnf -extensions ca \
            -keyout ca.key -out ca.pem
        openssl req -new -newkey rsa:2048 -nodes -subj /CN=localhost -config openssl.cnf \
            -keyout privkey.pem -out server.csr
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -days 30 \
            -set_serial "0x$(openssl rand -hex 16)" -extfile openssl.cnf -extensions server \
            -out fullchain.pem
        openssl verify -x509_strict -CAfile ca.pem fullchain.pem
        chmod 644 ca.pem fullchain.pem
    ) >"$dir/log/openssl.log" 2>&1 || { cat "$dir/log/openssl.log" >&2; exit 1; }
}

write_nginx_conf() {
    local user_line="" site_args=()
    # Running as root, nginx would switch its workers to `nobody`, who cannot read DIR.
    [[ "$(id -u)" == "0" ]] && user_line="user root;"
    [[ "$tls" == "1" ]] && site_args=(--https-port "$https_port")
    mkdir -p "$dir/nginx"
    # The site is the production one (deploy/nginx/kundencenter.conf), rendered with this
    # machine's ports and paths; around it what Debian's /etc/nginx/nginx.conf sets.
    "$python" "$root/deploy/nginx/render.py" --root "$root" --dir "$dir" \
        --http-port "$http_port" --app-ports "${app_ports[*]}" "${site_args[@]}" \
        >"$dir/nginx/kundencenter.conf"
    cat >"$dir/nginx/nginx.conf" <<CONF
# Written by scripts/production.sh: the main context of Debian's nginx.conf, on 127.0.0.1.
$user_line
worker_processes 1;
pid $dir/pids/nginx.pid;
error_log $dir/log/nginx-error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    access_log $dir/log/nginx-access.log;
    client_body_temp_path $dir/nginx/body;
    proxy_temp_path $dir/nginx/proxy;
    fastcgi_temp_path $dir/nginx/fastcgi;
    uwsgi_temp_path $dir/nginx/uwsgi;
    scgi_temp_path $dir/nginx/scgi;
    include $dir/nginx/kundencenter.conf;
}
CONF
}

start_bg() {  # name command...: run in the background with DIR/env, PID to DIR/pids/name.pid
    local name="$1"
    shift
    if running "$dir/pids/$name.pid"; then
        log "$name already running (PID $(cat "$dir/pids/$name.pid"))"
        return 0
    fi
    (
        set -a
        # shellcheck disable=SC1091
        . "$dir/env"
        set +a
        cd "$root"
        exec "$@"
    ) >"$dir/log/$name.log" 2>&1 &
    echo $! >"$dir/pids/$name.pid"
}

manage() {
    (
        set -a
        # shellcheck disable=SC1091
        . "$dir/env"
        set +a
        cd "$root"
        "$python" manage.py "$@"
    )
}

start() {
    ensure_nginx
    mkdir -p "$dir"/{pids,log,var/media,var/static}
    dir="$(cd "$dir" && pwd)"
    write_env
    create_database
    log "migrate, createcachetable, collectstatic"
    manage migrate --noinput -v 0
    manage createcachetable
    manage collectstatic --noinput -v 0
    local n=0 port
    for port in "${app_ports[@]}"; do
        n=$((n + 1))
        start_bg "app$n" env KC_GUNICORN_BIND="127.0.0.1:$port" \
            KC_GUNICORN_WORKERS="${KC_PROD_GUNICORN_WORKERS:-2}" \
            PROMETHEUS_MULTIPROC_DIR="$dir/prometheus-$port" \
            KC_GUNICORN_PROC_NAME="kundencenter-$port" \
            "$root/.venv/bin/gunicorn" -c "$root/deploy/gunicorn.conf.py" config.wsgi
    done
    start_bg worker1 "$python" manage.py worker --worker-id prod-worker-1 --interval 0.2
    start_bg worker2 "$python" manage.py worker --worker-id prod-worker-2 --interval 0.2
    start_bg scheduler "$python" manage.py scheduler --tick 2
    [[ "$tls" == "1" ]] && write_tls
    write_nginx_conf
    "$nginx_bin" -t -c "$dir/nginx/nginx.conf" 2>"$dir/log/nginx-test.log" \
        || { cat "$dir/log/nginx-test.log" >&2; exit 1; }
    if ! running "$dir/pids/nginx.pid"; then
        # In the foreground of its own subshell: the PID recorded is nginx's master.
        "$nginx_bin" -c "$dir/nginx/nginx.conf" -g "daemon off;" >"$dir/log/nginx.log" 2>&1 &
        echo $! >"$dir/pids/nginx.pid"
    fi
    n=0
    for port in "${app_ports[@]}"; do
        n=$((n + 1))
        wait_port "$port" "$dir/pids/app$n.pid" "app$n"
    done
    wait_port "$http_port" "$dir/pids/nginx.pid" nginx
    [[ "$tls" == "1" ]] && wait_port "$https_port" "$dir/pids/nginx.pid" nginx
    for name in worker1 worker2 scheduler; do
        running "$dir/pids/$name.pid" || { log "$name exited; see $dir/log/$name.log"; exit 1; }
    done
    if [[ "$tls" == "1" ]]; then
        echo "https=127.0.0.1:$https_port http=127.0.0.1:$http_port apps=${app_ports[*]} dir=$dir ca=$dir/tls/ca.pem"
    else
        echo "http=127.0.0.1:$http_port apps=${app_ports[*]} dir=$dir"
    fi
}

stop_one() {  # name
    local pidfile="$dir/pids/$1.pid" pid
    [[ -s "$pidfile" ]] || return 0
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "$1 (PID $pid) ignored TERM for 10 s, sending KILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$pidfile"
}

stop() {
    [[ -d "$dir/pids" ]] || return 0
    local name
    stop_one nginx
    for name in scheduler worker1 worker2; do
        stop_one "$name"
    done
    for pidfile in "$dir"/pids/app*.pid; do
        [[ -e "$pidfile" ]] || continue
        name="$(basename "$pidfile" .pid)"
        stop_one "$name"
    done
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    *)
        echo "usage: $0 start|stop DIR" >&2
        exit 2
        ;;
esac
