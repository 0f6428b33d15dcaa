"""Connections for fetching: the address guard at the socket, and the operator's proxies.

``checked_addresses`` resolves a host itself and checks every address against the
``AddressPolicy`` (a host with any refused address is refused whole); direct connections
(monitor.connections) are made to those addresses only, so no DNS answer can change between the
check and the connection (no rebinding window). Every direct connection passes it: the source
URL, each redirect hop, each detail link.

Proxies (monitor.proxies) are the operator's choice: a proxy's pool connects to that proxy and to
nothing else (``ProxyBackend``), and the direct pool trusts no address, the proxy's included. The
target is checked before a request is handed to a proxy: a proxy resolves names itself, so a name
that does not resolve here (or not quickly) is left to it, and a name that resolves here must
resolve to allowed addresses. The proxy remains the network's own egress control.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import os
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import anyio
import httpcore
import httpx

from monitor.guard import AddressPolicy, IPAddress
from monitor.proxies import Proxy

_PROXIED_RESOLVE_SECONDS = 2.0


class AddressRefused(httpcore.ConnectError):
    """The guard refused the host: nothing was sent."""


class NameNotResolved(httpcore.ConnectError):
    """The host name could not be resolved."""


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to, in the resolver's order (IP literals in any spelling too).

    anyio resolves in worker threads of its own: a slow resolver never starves the database work
    that runs in the event loop's default executor.
    """
    try:
        answers = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise NameNotResolved(f"cannot resolve host {host} ({exc.strerror})") from exc
    except (UnicodeError, ValueError, OSError) as exc:  # a label over 63 characters, an empty label
        raise NameNotResolved(f"cannot resolve host {host} (not a valid host name: {exc})") from exc
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise NameNotResolved(f"cannot resolve host {host} (no address)")
    return addresses


def _refuse(policy: AddressPolicy, host: str, addresses: list[IPAddress]) -> None:
    """AddressRefused if the guard refuses any of ``host``'s addresses."""
    refusal = next((reason for address in addresses if (reason := policy.refusal(host, address))), None)
    if refusal:
        raise AddressRefused(f"refused by the address guard: {refusal}")


async def checked_addresses(policy: AddressPolicy, host: str, port: int) -> list[IPAddress]:
    """The addresses a direct connection to ``host`` may use: all of them, or AddressRefused."""
    addresses = await resolve(host, port)
    _refuse(policy, host, addresses)
    return addresses


class ProxyBackend(httpcore.AsyncNetworkBackend):
    """A proxy pool's connections: to its proxy, which the operator chose, and nowhere else."""

    def __init__(self, proxy: Proxy) -> None:
        self._connect = httpcore.AnyIOBackend().connect_tcp  # TLS to a target inside TLS to the proxy
        self._proxy = (proxy.host, proxy.port)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if (host.lower(), port) != self._proxy:
            raise AddressRefused(f"refused by the address guard: {host}:{port} is not the proxy")
        return await self._connect(host, port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused("refused by the address guard: unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def check_proxied_target(policy: AddressPolicy, host: str, port: int) -> None:
    """Refuse a target the proxy would be asked to reach when it resolves here to a refused address."""
    if policy.host_allowed(host):
        return
    addresses: list[IPAddress] = []
    with anyio.move_on_after(_PROXIED_RESOLVE_SECONDS):
        try:
            addresses = await resolve(host, port)
        except NameNotResolved:
            pass  # only the proxy can resolve it: its egress rules apply
    _refuse(policy, host, addresses)


def proxy_pool(proxy: Proxy, ssl_context: ssl.SSLContext, **limits: Any) -> httpcore.AsyncHTTPProxy:
    return httpcore.AsyncHTTPProxy(
        proxy_url=httpcore.URL(scheme=proxy.scheme.encode(), host=proxy.host.encode(), port=proxy.port, target=b"/"),
        proxy_auth=proxy.auth,
        ssl_context=ssl_context,
        # An https:// proxy is verified as targets are (SSL_CERT_FILE); httpcore refuses one for http://.
        proxy_ssl_context=ssl_context if proxy.scheme == "https" else None,
        network_backend=ProxyBackend(proxy),
        **limits,
    )


def ssl_context() -> ssl.SSLContext:
    """certifi's CAs, or SSL_CERT_FILE / SSL_CERT_DIR when set: loaded once per process and
    setting, when the first https origin needs them (loading the bundle costs 80 ms of CPU)."""
    return _ssl_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=4)
def _ssl_context(_cert_file: str | None, _cert_dir: str | None) -> ssl.SSLContext:
    return httpx.create_ssl_context()
