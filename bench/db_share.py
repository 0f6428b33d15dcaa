"""The database share of bench/poll_cycle.py's cycles: CPU of the threads that call it, per page.

    python bench/db_share.py [--pages 200] [--rounds 3] [--database-url postgresql+psycopg://…]

Runs poll_cycle's rounds and counts, with time.thread_time, the recorder's writes
(Recorder._write_safely), the known-items lookups (Pipeline._known) and the claims
(Pipeline.claim), each in the thread it runs in. Printed for the cold and churn cycles: the range
over the rounds, and the whole page's CPU as poll_cycle counts it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import poll_cycle  # noqa: E402
from monitor import pipeline, record  # noqa: E402

spent = {"recording": 0.0, "lookup": 0.0, "claims": 0.0}


def counted(share: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def call(*arguments: Any, **keywords: Any) -> Any:
        start = time.thread_time()
        try:
            return function(*arguments, **keywords)
        finally:
            spent[share] += time.thread_time() - start

    return call


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("--pages", type=int, default=200)
    arguments.add_argument("--rounds", type=int, default=3)
    arguments.add_argument("--database-url", help="default: a fresh SQLite file per round")
    options = arguments.parse_args()
    record.Recorder._write_safely = counted("recording", record.Recorder._write_safely)  # type: ignore[method-assign]
    pipeline.Pipeline._known = counted("lookup", pipeline.Pipeline._known)  # type: ignore[method-assign]
    pipeline.Pipeline.claim = counted("claims", pipeline.Pipeline.claim)  # type: ignore[method-assign]
    shares: dict[str, list[dict[str, float]]] = {}
    run_cycle = poll_cycle.run_cycle

    def measured_cycle(name: str, runtime, server, pages: int, made: int) -> poll_cycle.Cycle:
        spent.update(dict.fromkeys(spent, 0.0))
        cycle = run_cycle(name, runtime, server, pages, made)
        per_page = {share: seconds * 1000 / pages for share, seconds in spent.items()}
        shares.setdefault(name, []).append({**per_page, "together": sum(per_page.values()), "whole page": cycle.per_page})
        return cycle

    poll_cycle.run_cycle = measured_cycle
    for seed in range(options.rounds):
        poll_cycle.bench_round(options.pages, 0.05, 10, options.database_url, seed)
    print(f"load {os.getloadavg()[0]:.1f}")
    for name in ("cold", "churn"):
        ranges = "  ".join(
            f"{share} {min(r[share] for r in shares[name]):.2f}–{max(r[share] for r in shares[name]):.2f} ms"
            for share in shares[name][0]
        )
        print(f"{name:<5} {ranges}")


if __name__ == "__main__":
    main()
