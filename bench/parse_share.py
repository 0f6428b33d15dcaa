"""The parsing share of bench/poll_cycle.py's cycles: CPU of the thread that runs them, per page.

    python bench/parse_share.py [--pages 200] [--rounds 3]

Runs poll_cycle's rounds (SQLite) and counts, with time.thread_time, what lies between a body
decoded and the rows handed to the recorder: "parse", the registered MIC scrapers' parse calls
(the page decoded before the clock starts: the soup, the scraper's reading, the soup taken
apart); "items", the cleaning of what they return, the list's entries and diff, and the rows and
events made of them (Pipeline._settle and _outcome). Printed for the cold and churn cycles: the
range over the rounds, and the whole page's CPU as poll_cycle counts it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.shares import Shares  # noqa: E402
from monitor import extract, pipeline  # noqa: E402
from scrapers.base import REGISTRY  # noqa: E402


def _decode(page, *_options) -> None:
    _ = page.text  # the page's charset decoding is not parsing


def instrument(shares: Shares) -> None:
    for registered in (REGISTRY.lists["mic_press_list"], REGISTRY.details["mic_page"]):
        object.__setattr__(registered, "parse", shares.counted("parse", registered.parse, before=_decode))
    for name in ("list_entries", "plan", "item_row"):
        setattr(pipeline, name, shares.counted("items", getattr(pipeline, name)))
    extract.clean_item = shares.counted("items", extract.clean_item)
    extract.clean_article = shares.counted("items", extract.clean_article)
    pipeline.Pipeline._settle = shares.counted("items", pipeline.Pipeline._settle)  # type: ignore[method-assign]
    pipeline.Pipeline._outcome = shares.counted("items", pipeline.Pipeline._outcome)  # type: ignore[method-assign]


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("--pages", type=int, default=200)
    arguments.add_argument("--rounds", type=int, default=3)
    options = arguments.parse_args()
    shares = Shares("parse", "items")
    instrument(shares)
    shares.measure(options.pages, options.rounds)


if __name__ == "__main__":
    main()
