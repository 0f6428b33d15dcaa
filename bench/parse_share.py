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
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import poll_cycle  # noqa: E402
from monitor import extract, pipeline  # noqa: E402
from scrapers.base import REGISTRY  # noqa: E402

spent = {"parse": 0.0, "items": 0.0}
_inside = [False]  # a counted call made inside another counts once


def counted(share: str, function: Callable[..., Any], decode_first: bool = False) -> Callable[..., Any]:
    def call(*arguments: Any, **keywords: Any) -> Any:
        if decode_first:
            _ = arguments[0].text  # the page's charset decoding is not parsing
        if _inside[0]:
            return function(*arguments, **keywords)
        _inside[0], start = True, time.thread_time()
        try:
            return function(*arguments, **keywords)
        finally:
            spent[share] += time.thread_time() - start
            _inside[0] = False

    return call


def instrument() -> None:
    for registered in (REGISTRY.lists["mic_press_list"], REGISTRY.details["mic_page"]):
        object.__setattr__(registered, "parse", counted("parse", registered.parse, decode_first=True))
    for name in ("list_entries", "plan", "item_row"):
        setattr(pipeline, name, counted("items", getattr(pipeline, name)))
    extract.clean_item = counted("items", extract.clean_item)
    extract.clean_article = counted("items", extract.clean_article)
    pipeline.Pipeline._settle = counted("items", pipeline.Pipeline._settle)
    pipeline.Pipeline._outcome = counted("items", pipeline.Pipeline._outcome)


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("--pages", type=int, default=200)
    arguments.add_argument("--rounds", type=int, default=3)
    options = arguments.parse_args()
    instrument()
    shares: dict[str, list[tuple[float, float, float]]] = {}
    run_cycle = poll_cycle.run_cycle

    def measured_cycle(name: str, runtime, server, pages: int, made: int) -> poll_cycle.Cycle:
        spent.update(parse=0.0, items=0.0)
        cycle = run_cycle(name, runtime, server, pages, made)
        shares.setdefault(name, []).append((spent["parse"] * 1000 / pages, spent["items"] * 1000 / pages, cycle.per_page))
        return cycle

    poll_cycle.run_cycle = measured_cycle
    for seed in range(options.rounds):
        poll_cycle.bench_round(options.pages, 0.05, 10, None, seed)
    for name in ("cold", "churn"):
        parse, items, whole = zip(*shares[name], strict=True)
        both = [p + i for p, i in zip(parse, items, strict=True)]
        print(
            f"{name:<5} parse {min(parse):.2f}–{max(parse):.2f} ms  items {min(items):.2f}–{max(items):.2f} ms  "
            f"together {min(both):.2f}–{max(both):.2f} ms  whole page {min(whole):.2f}–{max(whole):.2f} ms"
        )


if __name__ == "__main__":
    main()
