"""The event loop regwatch runs on: uvloop where it is installed (Linux, macOS), else asyncio's.

uvloop cuts the per-request CPU of the poll cycle by about a fifth (bench/poll_cycle.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import TypeVar

T = TypeVar("T")

try:
    import uvloop
except ImportError:  # Windows, or a platform without a uvloop wheel
    uvloop = None


def run(coroutine: Coroutine[object, object, T]) -> T:
    if uvloop is not None:
        return uvloop.run(coroutine)
    return asyncio.run(coroutine)
