"""The files in deploy/ as the machine will read them (docs/production.md).

- systemd units: `systemd-analyze verify` on deploy/systemd/*.service and *.timer, with
  /srv/kundencenter, /etc/kundencenter/env and the backup directories (/backup/…, made from
  the units' ReadWritePaths) moved to a temporary install layout whose code is this checkout.
  verify needs no running systemd (it works in a container without systemd as PID 1), but it
  only *warns* about a misspelt key or a bad value and exits 0, so any output counts as a
  failure here. It does not look at WorkingDirectory or EnvironmentFile, nor whether the
  unit a timer starts exists: checked here.
- Type=notify of the app unit: gunicorn with deploy/gunicorn.conf.py sends READY=1 to
  $NOTIFY_SOCKET (otherwise systemd would kill it after TimeoutStartSec).
- nginx: deploy/nginx/kundencenter.conf rendered by deploy/nginx/render.py, with and without
  TLS, passes `nginx -t`; a site file the rendering rules no longer fit is refused.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from deploy.nginx.render import SITE, RenderError, render
from kc.core.tests.production_support import ROOT, free_port

UNITS = ROOT / "deploy" / "systemd"
# The instances docs/production.md enables; a template is verified through one instance.
INSTANCES = {
    "kundencenter-app@.service": "kundencenter-app@8001.service",
    "kundencenter-worker@.service": "kundencenter-worker@1.service",
    "kundencenter-scheduler.service": "kundencenter-scheduler.service",
    "kundencenter-backup.service": "kundencenter-backup.service",
    "kundencenter-backup.timer": "kundencenter-backup.timer",
    "kundencenter-basebackup.service": "kundencenter-basebackup.service",
    "kundencenter-basebackup.timer": "kundencenter-basebackup.timer",
}


def _tool(name: str, fallback: str) -> str:
    found = shutil.which(name) or (fallback if Path(fallback).exists() else None)
    if not found:
        pytest.skip(
            f"SKIPPING: {name} is not installed (apt-get install {fallback.split('/')[-1]})"
        )
    return found


def _install_layout(tmp_path: Path, units: dict[str, str]) -> list[Path]:
    """The units with their paths under tmp_path; /srv/kundencenter there is this checkout."""
    srv = tmp_path / "srv"
    srv.mkdir()
    (srv / "kundencenter").symlink_to(ROOT)
    etc = tmp_path / "etc" / "kundencenter"
    etc.mkdir(parents=True)
    shutil.copy(UNITS / "env.example", etc / "env")
    written = []
    for name, text in units.items():
        text = text.replace("/backup/", f"{tmp_path}/backup/")
        text = text.replace("/srv/kundencenter", f"{srv}/kundencenter")
        text = text.replace("/etc/kundencenter/env", f"{etc}/env")
        path = tmp_path / INSTANCES[name]
        path.write_text(text)
        written.append(path)
        # The backup directories the admin makes (docs/production.md, "Backup").
        for key, value in _settings(path):
            if key == "ReadWritePaths" and value.startswith(f"{tmp_path}/backup/"):
                Path(value).mkdir(parents=True, exist_ok=True)
    return written


def _settings(unit: Path) -> list[tuple[str, str]]:
    pairs = []
    for line in unit.read_text().splitlines():
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, value = line.split("=", 1)
            pairs.append((key.strip(), value.strip()))
    return pairs


def _problems(tmp_path: Path, units: dict[str, str]) -> list[str]:
    """What systemd-analyze verify and the path checks find wrong with these unit texts."""
    analyze = _tool("systemd-analyze", "/usr/bin/systemd-analyze")
    paths = _install_layout(tmp_path, units)
    done = subprocess.run(  # noqa: S603 (systemd's own tool on our files)
        [analyze, "verify", "--man=no", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SYSTEMD_LOG_COLOR": "0"},
    )
    problems = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    if done.returncode:
        problems.append(f"systemd-analyze verify exited {done.returncode}")
    for unit in paths:
        settings = _settings(unit)
        workdir = Path(dict(settings).get("WorkingDirectory", "/"))
        for key, value in settings:
            if key in ("WorkingDirectory", "EnvironmentFile") and not Path(value).exists():
                problems.append(f"{unit.name}: {key}={value} does not exist")
            if key == "ExecStart":
                for arg in shlex.split(value):
                    if arg.startswith("/") and not Path(arg).exists():
                        problems.append(f"{unit.name}: {arg} does not exist")
                    if arg == "manage.py" and not (workdir / arg).exists():
                        problems.append(f"{unit.name}: no manage.py in {workdir}")
        if unit.suffix == ".timer":
            started = dict(settings).get("Unit", unit.with_suffix(".service").name)
            if not (tmp_path / started).exists():
                problems.append(f"{unit.name}: the unit it starts, {started}, is missing")
    return problems


def _units() -> dict[str, str]:
    return {name: (UNITS / name).read_text() for name in INSTANCES}


def test_the_units_are_all_there() -> None:
    units = [*UNITS.glob("*.service"), *UNITS.glob("*.timer")]
    assert {path.name for path in units} == set(INSTANCES)


def test_systemd_units_verify_in_an_install_layout(tmp_path: Path) -> None:
    assert _problems(tmp_path, _units()) == []


APP, WORKER, SCHEDULER, BACKUP, BACKUP_TIMER, BASE, BASE_TIMER = INSTANCES  # the files' names
BROKEN = [
    (APP, "Type=notify", "Type=notfy", "service type"),
    (WORKER, "Restart=always", "Restart=sometimes", "restart"),
    (SCHEDULER, "ExecStart=", "ExecStrat=", "ExecStrat"),
    (APP, "bin/gunicorn ", "bin/gunicron ", "gunicron"),
    (APP, "deploy/gunicorn.conf.py", "deploy/gunicorn.py", "gunicorn.py"),
    (WORKER, "/etc/kundencenter/env", "/etc/kc/env", "EnvironmentFile"),
    (SCHEDULER, "Directory=/srv/kundencenter", "Directory=/srv/kundencenter/deploy", "manage.py"),
]
BACKUP_BROKEN = [
    # Two ExecStart= lines (media, then dump) need Type=oneshot.
    (BACKUP, "Type=oneshot", "Type=simple", "more than one ExecStart"),
    (BACKUP, "scripts/backup.sh dump", "scripts/backup dump", "scripts/backup does not exist"),
    # Writes where ProtectSystem=strict leaves it no write access.
    (BACKUP, "Paths=/backup/kundencenter", "Paths=/backup/kc", "backup/kundencenter does not"),
    (BACKUP_TIMER, "OnCalendar=*-*-* 01:15:00", "OnCalendar=nightly", "calendar"),
    (BACKUP_TIMER, "[Timer]\n", "[Timer]\nUnit=kundencenter-backups.service\n", "missing"),
    (BASE, "IOSchedulingClass=best-effort", "IOSchedulingClass=besteffort", "IO scheduling"),
    (BASE, "ReadWritePaths=/backup/base", "ReadWritePaths=/backup/basis", "backup/base does not"),
    (BASE_TIMER, "Persistent=true", "Persistent=yes please", "boolean"),
]


@pytest.mark.parametrize(("unit", "old", "new", "expected"), BROKEN + BACKUP_BROKEN)
def test_a_broken_unit_is_found(
    tmp_path: Path, unit: str, old: str, new: str, expected: str
) -> None:
    units = _units()
    assert old in units[unit]
    units[unit] = units[unit].replace(old, new, 1)
    problems = _problems(tmp_path, units)
    assert any(expected in problem for problem in problems), problems


def test_gunicorn_tells_systemd_it_is_ready(tmp_path: Path) -> None:
    """kundencenter-app@.service is Type=notify: gunicorn's master must send READY=1."""
    assert "Type=notify" in (UNITS / "kundencenter-app@.service").read_text()
    address = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(address)
        notify.settimeout(60)
        env = {
            **os.environ,
            "NOTIFY_SOCKET": address,
            "KC_GUNICORN_BIND": f"127.0.0.1:{free_port()}",
            "KC_GUNICORN_WORKERS": "1",
            "KC_VAR_DIR": str(tmp_path / "var"),
        }
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        server = subprocess.Popen(  # noqa: S603 (the venv's gunicorn)
            [str(ROOT / ".venv/bin/gunicorn"), "-c", "deploy/gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            message = notify.recv(4096).decode()
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    assert "READY=1" in message.splitlines(), message


def _nginx_test(tmp_path: Path, https_port: int | None) -> subprocess.CompletedProcess[str]:
    nginx = _tool("nginx", "/usr/sbin/nginx")
    site = render(ROOT, tmp_path, 18080, [18001, 18002], https_port)
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "log").mkdir(exist_ok=True)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/log/error.log;\n"
        "events {}\n"
        f"http {{\n  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/site.conf;\n}}\n"
    )
    return subprocess.run(  # noqa: S603 (nginx checking our configuration)
        [nginx, "-t", "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_rendered_nginx_site_without_tls_passes_nginx_t(tmp_path: Path) -> None:
    done = _nginx_test(tmp_path, None)
    assert done.returncode == 0, done.stderr
    site = (tmp_path / "site.conf").read_text()
    assert "ssl_" not in site and "return 301" not in site
    assert "listen 127.0.0.1:18080;" in site


def test_rendered_nginx_site_with_tls_passes_nginx_t(tmp_path: Path) -> None:
    tls = tmp_path / "tls"
    tls.mkdir()
    openssl = _tool("openssl", "/usr/bin/openssl")
    subprocess.run(  # noqa: S603
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=localhost", "-keyout", str(tls / "privkey.pem")),
            *("-out", str(tls / "fullchain.pem")),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    done = _nginx_test(tmp_path, 18443)
    assert done.returncode == 0, done.stderr
    site = (tmp_path / "site.conf").read_text()
    assert "listen 127.0.0.1:18443 ssl http2;" in site
    assert f"ssl_certificate     {tls}/fullchain.pem;" in site
    assert "return 301 https://$server_name:18443$request_uri;" in site
    assert re.search(r"server 127\.0\.0\.1:18002 max_fails=1 fail_timeout=5s;", site)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("listen 443 ssl http2;", "listen 8443 ssl http2;"),  # a port the rules do not know
        ("    server 127.0.0.1:8002 max_fails=1 fail_timeout=5s;\n", ""),  # one upstream only
        ("/srv/kundencenter/var/static/", "/srv/kundencenter/static/"),  # a production path left
    ],
)
def test_rendering_refuses_a_site_file_it_no_longer_fits(
    tmp_path: Path, old: str, new: str
) -> None:
    text = SITE.read_text()
    assert old in text
    changed = tmp_path / "kundencenter.conf"
    changed.write_text(text.replace(old, new, 1))
    for https_port in (None, 18443):
        with pytest.raises(RenderError):
            render(ROOT, tmp_path, 18080, [18001], https_port, site=changed)
