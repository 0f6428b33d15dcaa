"""Fetching: one httpx.AsyncClient, polite per host, conditional, bounded.

- Conditional GET: the caller passes the stored ETag / Last-Modified; a 304 is a Page with no body.
- Politeness per host: at most ``per_host_concurrency`` requests in flight and at least
  ``min_host_interval`` between request starts (httpx.Limits only caps the whole pool). A 429 or
  503 with Retry-After holds the whole host back, not only the source that got it.
- At most ``concurrency`` requests in flight overall. A request takes its global slot only once
  its host lets it go, so requests queued behind a busy host never idle the others.
- robots.txt through Protego (urllib.robotparser mishandles wildcards and rule order), cached
  per origin; a 5xx or unreachable robots.txt means "try later" (RFC 9309 §2.3.1.4).
- Every request has one overall deadline and a body-size cap enforced while streaming.
- Bytes are returned undecoded; monitor.charset decodes them.

Requests go straight to ``httpx.AsyncHTTPTransport``, the public layer under ``AsyncClient``:
polling needs no cookies, auth or event hooks, and skipping that layer saves about a fifth of
the CPU of each request (bench/poll_cycle.py). Redirects are followed here, robots.txt checked
on every hop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx
from protego import Protego

from monitor import __version__
from monitor.config import FetchConfig
from monitor.errors import BodyTooLargeError, HTTPStatusError, RobotsDeniedError, TransportError
from monitor.items import Page
from monitor.jpdates import utcnow
from monitor.urls import absolute_url, origin_of

logger = logging.getLogger(__name__)

ROBOTS_AGENT = "regwatch"
_ROBOTS_RETRY_SECONDS = 300.0


def user_agent(contact: str = "") -> str:
    detail = f"+{contact}" if contact else "Japanese regulatory news monitor"
    return f"regwatch/{__version__} ({detail})"


class HostGate:
    """Concurrency and spacing of requests to one host."""

    def __init__(self, concurrency: int, min_interval: float) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._spacing = asyncio.Lock()
        self._min_interval = min_interval
        self._next_start = 0.0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._slots:
            async with self._spacing:
                loop = asyncio.get_running_loop()
                wait = self._next_start - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._next_start = loop.time() + self._min_interval
            yield

    def hold_back(self, seconds: float) -> None:
        """No request starts before ``seconds`` from now (the host asked us to wait)."""
        self._next_start = max(self._next_start, asyncio.get_running_loop().time() + seconds)


@dataclass
class _Robots:
    rules: Protego | None  # None: everything allowed (no robots.txt)
    expires: float
    failure: str | None = None


_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 5


class Fetcher:
    def __init__(self, config: FetchConfig, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._config = config
        self._transport = transport or httpx.AsyncHTTPTransport(
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=100), retries=0
        )
        self._headers = {
            "User-Agent": user_agent(config.contact),
            "Accept": "*/*",
            "Accept-Encoding": "gzip, deflate",
            "Accept-Language": "ja,en;q=0.5",
        }
        timeout = config.timeout
        self._extensions = {"timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}}
        self._in_flight = asyncio.Semaphore(config.concurrency)
        self._gates: dict[str, HostGate] = {}
        self._robots: dict[str, _Robots] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Page:
        """GET ``url`` politely, following redirects; raises a FetchError subclass on any failure."""
        headers = dict(self._headers)
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return await self._follow(url, headers, check_robots=self._config.respect_robots_txt)

    async def _follow(self, url: str, headers: dict[str, str], *, check_robots: bool) -> Page:
        location = url
        for _ in range(_MAX_REDIRECTS + 1):
            if check_robots:
                await self._check_robots(location)
            page, redirect = await self._request(location, headers)
            if redirect is None:
                return replace(page, url=url) if location != url else page
            location = redirect
        raise TransportError(url, f"more than {_MAX_REDIRECTS} redirects")

    def _gate(self, url: str) -> HostGate:
        host = urlsplit(url).netloc.lower()
        gate = self._gates.get(host)
        if gate is None:
            gate = self._gates[host] = HostGate(self._config.per_host_concurrency, self._config.min_host_interval)
        return gate

    async def _request(self, url: str, headers: dict[str, str]) -> tuple[Page, str | None]:
        """One exchange: the page, and where it redirects to (None when it does not)."""
        gate = self._gate(url)
        async with gate.slot(), self._in_flight:
            try:
                async with asyncio.timeout(self._config.timeout):
                    return await self._exchange(url, headers, gate)
            except TimeoutError:
                raise TransportError(url, f"no complete answer within {self._config.timeout:g}s") from None
            except (httpx.TransportError, httpx.InvalidURL) as exc:
                raise TransportError(url, f"{exc.__class__.__name__}: {exc}") from exc

    async def _exchange(self, url: str, headers: dict[str, str], gate: HostGate) -> tuple[Page, str | None]:
        response = await self._transport.handle_async_request(
            httpx.Request("GET", url, headers=headers, extensions=self._extensions)
        )
        try:
            if response.status_code in _REDIRECTS and response.headers.get("Location"):
                return self._page(url, response, b""), absolute_url(response.headers["Location"], url)
            if response.status_code >= 400:
                retry_after = _retry_after(response.headers.get("Retry-After"))
                if retry_after is not None:
                    gate.hold_back(retry_after)
                raise HTTPStatusError(url, response.status_code, retry_after)
            # A 304 has no body, but it must still be read to the end or the connection is dropped.
            return self._page(url, response, await self._read_body(url, response)), None
        finally:
            await response.aclose()

    @staticmethod
    def _page(url: str, response: httpx.Response, content: bytes) -> Page:
        return Page(
            url=url,
            final_url=url,
            status=response.status_code,
            content=content,
            content_type=response.headers.get("Content-Type"),
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            fetched_at=utcnow(),
        )

    async def _read_body(self, url: str, response: httpx.Response) -> bytes:
        limit = self._config.max_body_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise BodyTooLargeError(url, f"body of {declared} bytes exceeds fetch.max_body_bytes = {limit}")
        # Counted after decompression: a small gzip body must not expand past the cap.
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise BodyTooLargeError(url, f"body exceeds fetch.max_body_bytes = {limit}")
            chunks.append(chunk)
        return b"".join(chunks)

    async def _check_robots(self, url: str) -> None:
        origin = origin_of(url)
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:
            entry = self._robots.get(origin)
            if entry is None or entry.expires < time.monotonic():
                entry = self._robots[origin] = await self._load_robots(origin)
        if entry.failure:
            raise RobotsDeniedError(url, entry.failure)
        if entry.rules is not None and not entry.rules.can_fetch(url, ROBOTS_AGENT):
            raise RobotsDeniedError(url, f"disallowed by {origin}/robots.txt for {ROBOTS_AGENT}")

    async def _load_robots(self, origin: str) -> _Robots:
        robots_url = f"{origin}/robots.txt"
        expires = time.monotonic() + self._config.robots_ttl
        retry = time.monotonic() + _ROBOTS_RETRY_SECONDS
        try:
            page = await self._follow(robots_url, dict(self._headers), check_robots=False)
        except HTTPStatusError as exc:
            if exc.status >= 500:
                return _Robots(None, retry, f"robots.txt answered HTTP {exc.status}; will retry")
            return _Robots(None, expires)  # 4xx: no rules, everything allowed
        except TransportError as exc:
            return _Robots(None, retry, f"robots.txt unreachable ({exc}); will retry")
        try:
            rules = Protego.parse(page.text)
        except Exception:  # a garbled robots.txt must not stop polling: treat it as absent
            logger.warning("%s: unreadable robots.txt, treating it as absent", origin, exc_info=True)
            rules = None
        return _Robots(rules, expires)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - utcnow()).total_seconds())
    except (TypeError, ValueError):
        return None
