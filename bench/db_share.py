"""The database share of bench/poll_cycle.py's cycles: CPU of the threads that call it, per page.

    python bench/db_share.py [--pages 200] [--rounds 3] [--database-url postgresql+psycopg://…]

Runs poll_cycle's rounds and counts, with time.thread_time, the recorder's writes
(Recorder._write_safely), the known-items lookups (Pipeline._known) and the claims
(Pipeline.claim), each in the thread it runs in. Printed for the cold and churn cycles: the range
over the rounds, and the whole page's CPU as poll_cycle counts it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.shares import Shares  # noqa: E402
from monitor import pipeline, record  # noqa: E402


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("--pages", type=int, default=200)
    arguments.add_argument("--rounds", type=int, default=3)
    arguments.add_argument("--database-url", help="default: a fresh SQLite file per round")
    options = arguments.parse_args()
    shares = Shares("recording", "lookup", "claims")
    record.Recorder._write_safely = shares.counted("recording", record.Recorder._write_safely)  # type: ignore[method-assign]
    pipeline.Pipeline._known = shares.counted("lookup", pipeline.Pipeline._known)  # type: ignore[method-assign]
    pipeline.Pipeline.claim = shares.counted("claims", pipeline.Pipeline.claim)  # type: ignore[method-assign]
    shares.measure(options.pages, options.rounds, options.database_url)


if __name__ == "__main__":
    main()
