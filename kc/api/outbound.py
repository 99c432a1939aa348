"""Outbound HTTP to addresses configured by administrators (webhook receivers) without
server-side request forgery: unless KC_WEBHOOK_ALLOW_PRIVATE_ADDRESSES is set, the
receiver's host must resolve to public addresses only - no loopback, private (RFC 1918,
ULA), link-local (cloud metadata at 169.254.169.254), shared, multicast or reserved ranges.

The check is made on the addresses actually connected to (the name is resolved once and
the socket opened to the checked address), so a name that resolves differently between a
check and the connection (DNS rebinding) cannot slip through. Environment proxies are not
used: the request goes directly to the checked address.
"""

import http.client
import ipaddress
import socket
import urllib.request
from typing import Any

from django.conf import settings


class PrivateAddressRefused(OSError):  # noqa: N818 (a refusal, not a fault)
    """The receiver's host is (or resolves to) a non-public address."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _connect_checked(
    address: tuple[str, int], timeout: Any = None, source_address: Any = None, **kwargs: Any
) -> socket.socket:
    host, port = address
    resolved = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not resolved:
        raise PrivateAddressRefused(f"{host} does not resolve")
    allow_private: bool = settings.KC_WEBHOOK_ALLOW_PRIVATE_ADDRESSES
    for *_rest, sockaddr in resolved:
        if not allow_private and not is_public(str(sockaddr[0])):
            raise PrivateAddressRefused(f"{host} is not a public address (refused)")
    last_error: OSError | None = None
    for family, kind, proto, _name, sockaddr in resolved:
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not None and timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as failed:
            sock.close()
            last_error = failed
    raise last_error or OSError(f"could not connect to {host}")


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_checked


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_checked


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_CheckedHTTPConnection, req)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_CheckedHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure: the body must go to the configured URL or nowhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        _CheckedHTTPHandler(),
        _CheckedHTTPSHandler(),
        _NoRedirect(),
    )
