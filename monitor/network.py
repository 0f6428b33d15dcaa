"""Connections for fetching: the address guard at the socket, and the operator's proxies.

``GuardedBackend`` is an httpcore network backend: it resolves the host itself, checks every
address against the ``AddressPolicy``, and connects to an address it checked, so no DNS answer
can change between the check and the connection (no rebinding window). Every new connection
passes it: the source URL, each redirect hop, each detail link.

Proxies (monitor.proxies) are the operator's choice and are trusted; the target
is checked before the request is handed to the proxy. A proxy resolves names itself, so a name
that does not resolve here is left to it, and a name that resolves here must resolve to allowed
addresses. The proxy remains the network's own egress control.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore

from monitor.guard import AddressPolicy, IPAddress
from monitor.proxies import Proxy


class AddressRefused(httpcore.ConnectError):
    """The guard refused every address of a host: nothing was sent."""


class NameNotResolved(httpcore.ConnectError):
    """The host name could not be resolved."""


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to, in the resolver's order (IP literals in any spelling too)."""
    loop = asyncio.get_running_loop()
    try:
        answers = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise NameNotResolved(f"cannot resolve host {host} ({exc.strerror})") from exc
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, policy: AddressPolicy, trusted: Iterable[tuple[str, int]] = ()) -> None:
        self._policy = policy
        self._trusted = frozenset((host.lower(), port) for host, port in trusted)  # the proxies
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if (host.lower(), port) in self._trusted:
            return await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        addresses = await resolve(host, port)
        refusals = [self._policy.refusal(host, address) for address in addresses]
        allowed = [address for address, refusal in zip(addresses, refusals, strict=True) if refusal is None]
        if not allowed:
            raise AddressRefused(f"refused by the address guard: {refusals[0]}")
        error: Exception | None = None
        for address in allowed:
            try:
                return await self._inner.connect_tcp(str(address), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused("refused by the address guard: unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def check_proxied_target(policy: AddressPolicy, host: str, port: int) -> None:
    """Refuse a target the proxy would be asked to reach when it resolves here to a refused address."""
    if policy.host_allowed(host):
        return
    try:
        addresses = await resolve(host, port)
    except NameNotResolved:
        return  # only the proxy can resolve it: its egress rules apply
    for address in addresses:
        refusal = policy.refusal(host, address)
        if refusal:
            raise AddressRefused(f"refused by the address guard: {refusal}")


def proxy_pool(proxy: Proxy, ssl_context: ssl.SSLContext, backend: GuardedBackend, **limits: Any) -> httpcore.AsyncHTTPProxy:
    return httpcore.AsyncHTTPProxy(
        proxy_url=httpcore.URL(scheme=proxy.scheme.encode(), host=proxy.host.encode(), port=proxy.port, target=b"/"),
        proxy_auth=proxy.auth,
        ssl_context=ssl_context,
        network_backend=backend,
        **limits,
    )
