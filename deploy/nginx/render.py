"""deploy/nginx/kundencenter.conf with this machine's ports and paths (scripts/production.sh).

The production site file is the one source of truth for nginx; the local topology renders it
instead of keeping a second configuration. Each rule below replaces a production value (port,
host name, certificate, log, static and snippet path) and must match exactly as often as it
says, so a change of the site file that the rules no longer fit fails loudly instead of
silently running something else. Without TLS the redirect server and the ssl_* lines are
dropped and the HTTPS server listens on the plain HTTP port.

    render.py --root REPO --dir DIR --http-port N --app-ports "A B" [--https-port M]
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

SITE = Path(__file__).resolve().parent / "kundencenter.conf"
# Production values that must not survive the rendering.
LEFTOVERS = (
    "/etc/ssl/",
    "/srv/kundencenter",
    "/etc/nginx/snippets",
    "/var/log/nginx",
    "/var/www",
    "stadtwerke-musterstadt",
    "[::]",
    "listen 80",
    "listen 443",
)


class RenderError(Exception):
    """The site file no longer looks the way the rules expect."""


@dataclass(frozen=True)
class Rule:
    pattern: str  # a regular expression, MULTILINE
    replacement: str
    count: int  # how often it must match


def _apply(text: str, rule: Rule) -> str:
    rendered, found = re.subn(rule.pattern, rule.replacement, text, flags=re.MULTILINE)
    if found != rule.count:
        raise RenderError(
            f"/{rule.pattern}/ matched {found} times, expected {rule.count};"
            " update deploy/nginx/render.py together with the site file"
        )
    return rendered


def _drop_redirect_server(text: str) -> str:
    """Remove the plain-HTTP server that only redirects (and its comment line)."""
    block = re.compile(
        r"^# Plain HTTP only redirects[^\n]*\nserver \{\n(?:    [^\n]*\n)+\}\n\n", re.MULTILINE
    )
    rendered, found = block.subn("", text)
    if found != 1 or "return 301" in rendered:
        raise RenderError("the redirect server was not found exactly once")
    return rendered


def render(
    root: Path,
    directory: Path,
    http_port: int,
    app_ports: list[int],
    https_port: int | None,
    site: Path = SITE,
) -> str:
    if not app_ports:
        raise RenderError("at least one app port is needed")
    # \1: the server parameters (max_fails, fail_timeout) as in the site file.
    upstreams = "".join(f"    server 127.0.0.1:{port} \\1;\n" for port in app_ports)
    rules = [
        Rule(r"^    server 127\.0\.0\.1:8001 ([^;\n]*);\n", upstreams, 1),
        Rule(r"^    server 127\.0\.0\.1:8002 [^;\n]*;\n", "", 1),
        Rule(
            r"server_name kundencenter\.stadtwerke-musterstadt\.example;",
            "server_name 127.0.0.1 localhost;",  # the redirect goes to the first
            2 if https_port is not None else 1,  # the redirect server is gone without TLS
        ),
        Rule(r"/etc/ssl/kundencenter/", f"{directory}/tls/", 2),
        Rule(r"/var/log/nginx/kundencenter\.access\.log", f"{directory}/log/nginx-access.log", 1),
        Rule(r"/srv/kundencenter/var/static/", f"{directory}/var/static/", 1),
        Rule(
            r"/etc/nginx/snippets/kundencenter-proxy\.conf",
            f"{root}/deploy/nginx/kundencenter-proxy.conf",
            2,
        ),
    ]
    if https_port is not None:
        rules += [
            Rule(r"^    listen 80;\n", f"    listen 127.0.0.1:{http_port};\n", 1),
            Rule(r"^    listen \[::\]:80;\n", "", 1),
            Rule(
                r"^    listen 443 ssl http2;\n",
                f"    listen 127.0.0.1:{https_port} ssl http2;\n",
                1,
            ),
            Rule(r"^    listen \[::\]:443 ssl http2;\n", "", 1),
            # Not the default port here, so the redirect has to name it.
            Rule(
                r"https://\$server_name\$request_uri",
                f"https://$server_name:{https_port}$request_uri",
                1,
            ),
            Rule(r"root /var/www/acme;", f"root {directory}/acme;", 1),
        ]
        text = site.read_text()
    else:
        text = _drop_redirect_server(site.read_text())
        rules += [
            Rule(r"^    listen 443 ssl http2;\n", f"    listen 127.0.0.1:{http_port};\n", 1),
            Rule(r"^    listen \[::\]:443 ssl http2;\n", "", 1),
            Rule(r"^    ssl_[a-z_]+ [^;\n]*;\n", "", 8),
        ]
    for rule in rules:
        text = _apply(text, rule)
    left = [value for value in LEFTOVERS if value in text]
    if left:
        raise RenderError(f"production values left after rendering: {left}")
    mode = f"TLS on {https_port}" if https_port is not None else "no TLS"
    return (
        f"# Rendered from deploy/nginx/kundencenter.conf by deploy/nginx/render.py ({mode}).\n"
        + text
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--https-port", type=int)
    parser.add_argument("--app-ports", required=True, help="space-separated")
    args = parser.parse_args(argv)
    try:
        text = render(
            args.root.resolve(),
            args.dir.resolve(),
            args.http_port,
            [int(port) for port in args.app_ports.split()],
            args.https_port,
        )
    except RenderError as error:
        print(f"render.py: {SITE}: {error}", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
