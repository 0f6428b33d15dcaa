"""robots.txt: each origin's rules, read once per ``fetch.robots_ttl`` and obeyed by every request.

Read through Protego (urllib.robotparser mishandles wildcards and rule order). A 5xx or an
unreachable robots.txt means "try later" (RFC 9309 §2.3.1.4); a 4xx, or one that cannot be used
(too large, bad encoding, a redirect loop), means no rules. Where a ``RobotsMemory`` is given (the
database's: monitor.store.robots), what was read is kept beyond the process, so a ``poll --once``
run by cron, a restart and every worker share one read per origin per ``robots_ttl``; the "try
later" answers are not kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from protego import Protego

from monitor.config import FetchConfig
from monitor.errors import DecodeError, FetchError, HTTPStatusError, RefusedURLError, RobotsDeniedError, TransportError
from monitor.items import Page
from monitor.urls import origin_of

logger = logging.getLogger(__name__)

ROBOTS_AGENT = "regwatch"
_RETRY_SECONDS = 300.0
# RFC 9309 §2.5: a crawler may stop parsing robots.txt after 500 KiB. Cut (for what is kept, and
# parsed) at as many characters: at least 500 KiB of the file.
_MAX_CHARACTERS = 500 * 1024
# How long "the memory keeps nothing for this origin", read for a poll's claimed sources, spares
# their first request a second read.
_RECALLED_SECONDS = 60.0


class RobotsMemory(Protocol):
    """robots.txt kept beyond one process. ``recall``: of these origins, those whose robots.txt was
    read less than ``max_age`` seconds ago, with its text (None: no rules) and its age in seconds.
    Neither raises: a memory that cannot be read or written only costs a request for robots.txt."""

    async def recall(self, origins: list[str], max_age: float) -> dict[str, tuple[str | None, float]]: ...

    async def keep(self, origin: str, text: str | None) -> None: ...


@dataclass
class _Robots:
    rules: Protego | None  # None: everything allowed (no robots.txt)
    expires: float
    failure: str | FetchError | None = None  # a reason to wait, or why the host is unreachable


class RobotsRules:
    """The fetcher's robots.txt: ``check`` raises RobotsDeniedError for a URL its origin's rules
    refuse; ``read`` gets an origin's robots.txt (the fetcher's own request, unchecked)."""

    def __init__(self, config: FetchConfig, memory: RobotsMemory | None, read: Callable[[str], Awaitable[Page]]) -> None:
        self._config = config
        self._memory = memory if config.respect_robots_txt and config.robots_ttl > 0 else None
        self._read = read
        self._robots: dict[str, _Robots] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._not_kept: dict[str, float] = {}  # origin → when the memory said it keeps nothing for it
        self._keeping: set[asyncio.Task[None]] = set()

    async def aclose(self) -> None:
        await asyncio.gather(*self._keeping)

    async def recall(self, urls: Iterable[str]) -> None:
        """Read what the memory keeps for these URLs' origins in one call, before their first
        requests: a poll of many sources then waits for one database call, not one per origin
        behind every source's first step."""
        if self._memory is None:
            return
        origins = sorted({origin for origin in map(origin_of, urls) if self._due(origin)})
        if not origins:
            return
        kept = await self._memory.recall(origins, self._config.robots_ttl)
        now = time.monotonic()
        for origin in origins:
            if not self._due(origin):
                continue  # read from the host meanwhile
            if origin in kept:
                self._robots[origin] = self._read_ago(origin, *kept[origin])
            else:
                self._not_kept[origin] = now

    async def check(self, url: str) -> None:
        origin = origin_of(url)
        if self._due(origin):
            async with self._locks.setdefault(origin, asyncio.Lock()):  # one load per origin at a time
                if self._due(origin):
                    self._robots[origin] = await self._load(origin)
        entry = self._robots[origin]
        if isinstance(entry.failure, (TransportError, RefusedURLError)):
            # The host itself cannot be reached (name, connection, guard): say so, for this page.
            raise type(entry.failure)(url, entry.failure.reason)
        if isinstance(entry.failure, str):
            raise RobotsDeniedError(url, entry.failure)
        if entry.rules is not None and not entry.rules.can_fetch(url, ROBOTS_AGENT):
            raise RobotsDeniedError(url, f"disallowed by {origin}/robots.txt for {ROBOTS_AGENT}")

    def _due(self, origin: str) -> bool:
        entry = self._robots.get(origin)
        return entry is None or entry.expires < time.monotonic()

    def _read_ago(self, origin: str, text: str | None, age: float) -> _Robots:
        """A robots.txt read ``age`` seconds ago, trusted for what is left of this config's robots_ttl."""
        return _Robots(_rules(origin, text), time.monotonic() + max(0.0, self._config.robots_ttl - age))

    async def _load(self, origin: str) -> _Robots:
        recalled = self._not_kept.pop(origin, None)
        if self._memory is not None and (recalled is None or time.monotonic() - recalled > _RECALLED_SECONDS):
            kept = await self._memory.recall([origin], self._config.robots_ttl)
            if origin in kept:
                return self._read_ago(origin, *kept[origin])
        retry = time.monotonic() + _RETRY_SECONDS
        try:
            text: str | None = (await self._read(f"{origin}/robots.txt")).text[:_MAX_CHARACTERS]
        except HTTPStatusError as exc:
            if exc.status >= 500:
                return _Robots(None, retry, f"robots.txt answered HTTP {exc.status}; will retry")
            text = None  # 4xx: no rules, everything allowed
        except (TransportError, RefusedURLError) as exc:
            return _Robots(None, retry, exc)
        except (FetchError, DecodeError):
            text = None  # an unusable robots.txt (too large, bad encoding, a redirect loop): no rules
        if self._memory is not None:
            # Kept in the background: the page's request must not wait for a database write
            # (on SQLite, it may wait for another process's lock); ``aclose`` waits for it.
            keeping = asyncio.create_task(self._memory.keep(origin, text))
            self._keeping.add(keeping)
            keeping.add_done_callback(self._keeping.discard)
        return self._read_ago(origin, text, 0.0)


def _rules(origin: str, text: str | None) -> Protego | None:
    if text is None:
        return None
    try:
        return Protego.parse(text)
    except Exception:  # a garbled robots.txt must not stop polling: treat it as absent
        logger.warning("%s: unreadable robots.txt, treating it as absent", origin, exc_info=True)
        return None
