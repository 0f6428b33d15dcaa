"""Politeness towards one host: how many requests are in flight, and how far apart they start.

``httpx.Limits`` and connection pools cap connections, not the pace a site sees: a host gets at
most ``concurrency`` requests in flight and at least ``min_interval`` between request starts, and
a 429 or 503 with Retry-After holds the whole host back (``hold_back``), not only the source that
got it.
"""

from __future__ import annotations

import asyncio


class HostGate:
    """``async with gate:`` waits for a slot and for the host's turn."""

    def __init__(self, concurrency: int, min_interval: float) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._spacing = asyncio.Lock()
        self._min_interval = min_interval
        self._next_start = 0.0

    async def __aenter__(self) -> None:
        await self._slots.acquire()
        try:
            async with self._spacing:
                loop = asyncio.get_running_loop()
                wait = self._next_start - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._next_start = loop.time() + self._min_interval
        except BaseException:
            self._slots.release()
            raise

    async def __aexit__(self, *_exc: object) -> None:
        self._slots.release()

    def hold_back(self, seconds: float) -> None:
        """No request starts before ``seconds`` from now (the host asked us to wait)."""
        self._next_start = max(self._next_start, asyncio.get_running_loop().time() + seconds)
