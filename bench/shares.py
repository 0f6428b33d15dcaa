"""What chosen calls cost within bench/poll_cycle.py's cycles: the CPU of the thread each runs in
(time.thread_time), summed per share and given per page, with the whole page's CPU as poll_cycle
counts it. Used by bench/parse_share.py and bench/db_share.py.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

from bench import poll_cycle


class Shares:
    def __init__(self, *names: str) -> None:
        self._spent = dict.fromkeys(names, 0.0)
        self._counting = threading.local()  # a counted call made inside another counts once

    def counted(
        self, share: str, function: Callable[..., Any], before: Callable[..., object] | None = None
    ) -> Callable[..., Any]:
        """``function``, its thread CPU added to ``share``; ``before(*arguments)`` runs first, uncounted."""

        def call(*arguments: Any, **keywords: Any) -> Any:
            if before is not None:
                before(*arguments)
            if getattr(self._counting, "on", False):
                return function(*arguments, **keywords)
            self._counting.on, start = True, time.thread_time()
            try:
                return function(*arguments, **keywords)
            finally:
                spent = time.thread_time() - start  # read first: another thread may add to the share meanwhile
                self._spent[share] += spent
                self._counting.on = False

        return call

    def measure(self, pages: int, rounds: int, database_url: str | None = None) -> None:
        """Run poll_cycle's rounds and print, for the cold and churn cycles, each share's range over
        the rounds in ms per page, the shares together, and the whole page."""
        measured: dict[str, list[dict[str, float]]] = {}
        run_cycle = poll_cycle.run_cycle

        def measured_cycle(name: str, runtime, server, pages: int, made: int) -> poll_cycle.Cycle:
            self._spent.update(dict.fromkeys(self._spent, 0.0))
            cycle = run_cycle(name, runtime, server, pages, made)
            per_page = {share: seconds * 1000 / pages for share, seconds in self._spent.items()}
            measured.setdefault(name, []).append({**per_page, "together": sum(per_page.values()), "whole page": cycle.per_page})
            return cycle

        poll_cycle.run_cycle = measured_cycle
        for seed in range(rounds):
            poll_cycle.bench_round(pages, 0.05, 10, database_url, seed)
        print(f"load {os.getloadavg()[0]:.1f}")
        for name in ("cold", "churn"):
            rounds_of = measured[name]
            ranges = "  ".join(
                f"{key} {min(r[key] for r in rounds_of):.2f}–{max(r[key] for r in rounds_of):.2f} ms" for key in rounds_of[0]
            )
            print(f"{name:<5} {ranges}")
