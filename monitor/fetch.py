"""Fetching: polite per host, conditional, bounded.

- Conditional GET: the caller passes the stored ETag / Last-Modified; a 304 is a Page with no body.
- Politeness per host (monitor.politeness): at most ``per_host_concurrency`` requests in flight
  and at least ``min_host_interval`` between request starts; a 429 or 503 with Retry-After holds
  the whole host back, not only the source that got it.
- At most ``concurrency`` requests in flight overall. A request takes its global slot only once
  its host lets it go, so requests queued behind a busy host never idle the others.
- robots.txt read and obeyed per origin (monitor.robots), kept beyond the process where a
  ``RobotsMemory`` is given (the database's: monitor.store.robots).
- Every request has one overall deadline and a body-size cap enforced while streaming.
- Bytes are returned undecoded; monitor.charset decodes them.

Direct requests go over regwatch's own HTTP/1.1 connections (monitor.connections), proxied ones
through httpcore, the layer under httpx: polling needs no cookies, auth or event hooks, the body
must arrive undecoded so that decompression is bounded here (monitor.decompress: one layer of
gzip, deflate or br, capped at every step), and the connection layer is where the address guard
sits (monitor.network). Redirects are followed here, at most five, each hop checked against the
guard's schemes, robots.txt and, when it connects anywhere new, addresses.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from typing import Any

import httpcore
import httpx

from monitor import __version__, metrics
from monitor.config import FetchConfig
from monitor.connections import KEEPALIVE_SECONDS, DirectPool, Response
from monitor.decompress import ACCEPT_ENCODING, BoundedDecoder, EncodingRefused, TooLarge
from monitor.errors import (
    BadResponseError,
    BodyTooLargeError,
    HTTPStatusError,
    RefusedURLError,
    TransportError,
)
from monitor.guard import ALLOWED_SCHEMES, AddressPolicy
from monitor.http11 import UNSAFE_VALUE
from monitor.items import Page
from monitor.jpdates import utcnow
from monitor.network import AddressRefused, check_proxied_target, checked_addresses, proxy_pool, ssl_context
from monitor.politeness import HostGate
from monitor.proxies import Proxy, ProxySettings
from monitor.robots import RobotsMemory, RobotsRules
from monitor.urls import absolute_url

logger = logging.getLogger(__name__)


def user_agent(contact: str = "") -> str:
    detail = f"+{contact}" if contact else "Japanese regulatory news monitor"
    return f"regwatch/{__version__} ({detail})"


_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 5
_REQUEST_TARGET = re.compile(rb"/[\x21-\x7e]*")
_POOL_LIMITS: dict[str, Any] = {"max_connections": 200, "max_keepalive_connections": 100, "keepalive_expiry": KEEPALIVE_SECONDS}


@dataclass(frozen=True)
class BodyLimit:  # a cap on a body's size, and the config key that set it (errors name it)
    bytes: int
    key: str


@dataclass(frozen=True)
class _Answer:
    """One exchange: the page, or where it redirects to."""

    page: Page
    location: str | None = None


class Fetcher:
    def __init__(
        self, config: FetchConfig, *, proxies: ProxySettings | None = None, robots_memory: RobotsMemory | None = None
    ) -> None:
        self._config = config
        self._body_limit = BodyLimit(config.max_body_bytes, "fetch.max_body_bytes")
        self._policy = AddressPolicy.from_entries(config.allow)
        self._proxies = proxies or ProxySettings({}, {})
        self._direct = DirectPool(functools.partial(checked_addresses, self._policy), ssl_context)
        self._proxied = {
            url: proxy_pool(Proxy.parse(url), ssl_context(), **_POOL_LIMITS) for url in set(self._proxies.by_scheme.values())
        }
        self._headers = [
            (b"User-Agent", user_agent(config.contact).encode()),
            (b"Accept", b"*/*"),
            (b"Accept-Encoding", ACCEPT_ENCODING.encode()),
            (b"Accept-Language", b"ja,en;q=0.5"),
        ]
        timeout = config.timeout
        self._extensions = {"timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}}
        self._in_flight = asyncio.Semaphore(config.concurrency)
        self._gates: dict[str, HostGate] = {}
        self._robots = RobotsRules(config, robots_memory, self._read_robots)

    async def aclose(self) -> None:
        await self._robots.aclose()
        await self._direct.aclose()
        for pool in self._proxied.values():
            await pool.aclose()

    async def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        on_send: Callable[[], object] | None = None,
        limit: BodyLimit | None = None,
    ) -> Page:
        """GET ``url`` politely, following redirects; raises a FetchError subclass on any failure.
        ``on_send`` is called when the first request leaves (after any wait for the host's turn);
        ``limit``: a lower cap than ``fetch.max_body_bytes`` for this body (an attachment's)."""
        headers = list(self._headers)
        if etag and (value := _field_value(etag)):
            headers.append((b"If-None-Match", value))
        if last_modified and (value := _field_value(last_modified)):
            headers.append((b"If-Modified-Since", value))
        limit = min(self._body_limit, limit or self._body_limit, key=lambda cap: cap.bytes)
        return await self._follow(url, headers, check_robots=self._config.respect_robots_txt, on_send=on_send, limit=limit)

    async def _follow(
        self,
        url: str,
        headers: list[tuple[bytes, bytes]],
        *,
        check_robots: bool,
        limit: BodyLimit,
        on_send: Callable[[], object] | None = None,
    ) -> Page:
        location = url
        visited = {url}
        for _ in range(_MAX_REDIRECTS + 1):
            target = _parse_url(location)
            if check_robots:
                await self._robots.check(location)
            answer = await self._request(target, location, headers, limit, on_send)
            if answer.location is None:
                return replace(answer.page, url=url) if location != url else answer.page
            location = answer.location
            if location in visited:
                raise BadResponseError(url, f"redirect loop at {location}")
            visited.add(location)
        raise BadResponseError(url, f"more than {_MAX_REDIRECTS} redirects")

    async def recall_robots(self, urls: Iterable[str]) -> None:
        """Read what the robots memory keeps for these URLs' origins in one call, before their
        first requests (monitor.robots.RobotsRules.recall). A URL no request is made for (an
        invalid one) is left out: its own request fails with the reason, and only its source."""
        await self._robots.recall(url for url in urls if _requestable(url))

    async def _read_robots(self, robots_url: str) -> Page:
        return await self._follow(robots_url, list(self._headers), check_robots=False, limit=self._body_limit)

    def _gate(self, host: str) -> HostGate:
        gate = self._gates.get(host)
        if gate is None:
            gate = self._gates[host] = HostGate(self._config.per_host_concurrency, self._config.min_host_interval)
        return gate

    async def _request(
        self,
        target: httpx.URL,
        url: str,
        headers: list[tuple[bytes, bytes]],
        limit: BodyLimit,
        on_send: Callable[[], object] | None = None,
    ) -> _Answer:
        host = target.netloc.decode("ascii").lower()
        gate = self._gate(host)
        async with gate, self._in_flight:
            if on_send is not None:
                on_send()
            started = time.monotonic()
            try:
                async with asyncio.timeout(self._config.timeout):
                    answer = await self._exchange(target, url, headers, gate, limit)
                    if logger.isEnabledFor(logging.DEBUG):
                        page = answer.page
                        logger.debug(
                            "GET %s: %d%s, %d bytes, %.0f ms", url, page.status, " (not modified)" if page.not_modified else "",
                            len(page.content), (time.monotonic() - started) * 1000,
                        )  # fmt: skip
                    return answer
            except TimeoutError:
                raise TransportError(url, f"no complete answer within {self._config.timeout:g}s") from None
            except AddressRefused as exc:
                raise RefusedURLError(url, str(exc)) from None
            except httpcore.ConnectError as exc:
                raise TransportError(url, str(exc) or exc.__class__.__name__) from exc
            except httpcore.TimeoutException as exc:
                raise TransportError(url, f"timed out ({exc.__class__.__name__})") from exc
            except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.ProxyError, httpcore.UnsupportedProtocol) as exc:
                raise TransportError(url, f"{exc.__class__.__name__}: {exc}") from exc
            except (OSError, ValueError, ExceptionGroup) as exc:  # below httpcore's own errors: a socket, anyio
                logger.warning("%s: unexpected %s from the connection layer", url, exc.__class__.__name__, exc_info=True)
                raise TransportError(url, f"{exc.__class__.__name__}: {exc}") from exc
            finally:
                metrics.fetch_duration(host)(time.monotonic() - started)  # failures too: a host that times out is slow

    async def _exchange(
        self, target: httpx.URL, url: str, headers: list[tuple[bytes, bytes]], gate: HostGate, limit: BodyLimit
    ) -> _Answer:
        host, port = target.raw_host.decode("ascii"), target.port or _default_port(target.scheme)
        proxy = self._proxies.for_url(target.scheme, target.host)
        response: Response | httpcore.Response
        if proxy is None:
            response = await self._direct.request(target.scheme == "https", host, port, _request_head(target, headers))
        else:
            await check_proxied_target(self._policy, host, port)
            request = httpcore.Request(
                b"GET",
                httpcore.URL(scheme=target.raw_scheme, host=target.raw_host, port=target.port, target=target.raw_path),
                headers=[(b"Host", target.netloc), *headers],
                extensions=self._extensions,
            )
            response = await self._proxied[proxy].handle_async_request(request)
        try:
            response_headers = _Headers(response.headers)
            location = response_headers.get(b"location")
            if response.status in _REDIRECTS and location:
                try:
                    next_url = absolute_url(location, url)
                except ValueError as exc:
                    raise BadResponseError(url, f"redirect to an invalid location {location[:200]!r} ({exc})") from None
                return _Answer(self._page(url, response.status, response_headers, b""), next_url)
            if response.status >= 400:
                retry_after = _retry_after(response_headers.get(b"retry-after"))
                if retry_after is not None:
                    gate.hold_back(retry_after)
                raise HTTPStatusError(url, response.status, retry_after)
            # A 304 has no body, but it must still be read to the end or the connection is dropped.
            return _Answer(
                self._page(url, response.status, response_headers, await self._read_body(url, response, response_headers, limit))
            )
        finally:
            await response.aclose()

    @staticmethod
    def _page(url: str, status: int, headers: _Headers, content: bytes) -> Page:
        return Page(
            url=url,
            final_url=url,
            status=status,
            content=content,
            content_type=headers.get(b"content-type"),
            etag=headers.get(b"etag"),
            last_modified=headers.get(b"last-modified"),
            fetched_at=utcnow(),
        )

    async def _read_body(self, url: str, response: Response | httpcore.Response, headers: _Headers, limit: BodyLimit) -> bytes:
        declared = headers.get(b"content-length") or ""
        if declared.isdigit() and int(declared) > limit.bytes:
            raise BodyTooLargeError(url, f"body of {declared} bytes exceeds {limit.key} = {limit.bytes}")
        try:
            decoder = BoundedDecoder(headers.get(b"content-encoding"), limit.bytes)
            received = 0
            async for chunk in response.aiter_stream():
                received += len(chunk)
                if received > limit.bytes:
                    raise TooLarge()
                decoder.feed(chunk)
        except TooLarge:
            raise BodyTooLargeError(url, f"body exceeds {limit.key} = {limit.bytes} (counted after decompression)") from None
        except EncodingRefused as exc:
            raise BadResponseError(url, str(exc)) from None
        return decoder.content()


class _Headers:
    """Case-insensitive lookup of the few response headers regwatch reads (latin-1, as HTTP is)."""

    __slots__ = ("_values",)

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self._values = {name.lower(): value for name, value in raw}

    def get(self, name: bytes) -> str | None:
        value = self._values.get(name)
        return value.decode("latin-1") if value is not None else None


def _requestable(url: str) -> bool:
    try:
        _parse_url(url)
    except RefusedURLError:
        return False
    return True


@functools.lru_cache(maxsize=4096)
def _parse_url(url: str) -> httpx.URL:
    """The URL to request, or RefusedURLError: only http and https, and only valid URLs.
    Kept per URL: every poll asks for the same list pages, and parsing costs a tenth of a request."""
    try:
        target = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise RefusedURLError(url, f"invalid URL ({exc})") from None
    if target.scheme not in ALLOWED_SCHEMES:
        raise RefusedURLError(url, f"scheme {target.scheme or '(none)'!r} refused: only http and https are fetched")
    if not target.host:
        raise RefusedURLError(url, "invalid URL (no host)")
    if target.port is not None and not 0 < target.port < 65536:
        raise RefusedURLError(url, f"invalid URL (port {target.port})")
    if not _REQUEST_TARGET.fullmatch(target.raw_path):
        raise RefusedURLError(url, "invalid URL (blanks or controls in its path)")
    return target


def _field_value(text: str) -> bytes | None:
    """``text`` as a header value, or None when it would break the request's lines (a stored
    validator is only an optimisation: without it, the page comes whole)."""
    value = text.encode("latin-1", "replace")
    return None if UNSAFE_VALUE.search(value) else value


def _request_head(target: httpx.URL, headers: list[tuple[bytes, bytes]]) -> bytes:
    fields = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
    return b"GET " + target.raw_path + b" HTTP/1.1\r\nHost: " + target.netloc + b"\r\n" + fields + b"\r\n"


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


_MAX_RETRY_AFTER = 86400.0  # a server asking for a year's pause gets a day


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²".isdigit() too, but float("²") fails
        return min(float(value), _MAX_RETRY_AFTER)
    try:
        return min(max(0.0, (parsedate_to_datetime(value) - utcnow()).total_seconds()), _MAX_RETRY_AFTER)
    except (TypeError, ValueError, OverflowError):
        return None
