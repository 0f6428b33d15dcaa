"""Parse cost per page: CPU milliseconds a registered scraper spends turning one page into items
(a list page) or an article (a detail page), the page already decoded.

    python bench/parse_cost.py [--rounds 200]

Pages: the real captures of ../shared/fixtures/real/ that are HTML (skipped when ../shared is
absent) and the project's own MIC fixtures (no real capture of those exists). Each page is parsed
``rounds`` times; the figure is the median CPU time (time.process_time) of one parse, so the
machine's other load weighs less than in wall time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.items import Page  # noqa: E402
from scrapers.base import get_detail_parser, get_list_scraper  # noqa: E402
from tests.conftest import PAGES, SHARED, page_from_bytes  # noqa: E402

GOV_ONLINE = {
    "item": "li.p-newsList__item",
    "title": ".p-newsList__title",
    "link": "a.p-newsList__link",
    "date": "time",
    "date_attribute": "datetime",
}

# (label, file, url, kind, options or None for a detail parser)
CASES = [
    ("gov-online list p1 (real)", SHARED / "fixtures/real/gov-online/info_index_2025-05-25__t-ashula-go-jp-rss__0.html",
     "https://www.gov-online.go.jp/info/index.html", "html_list", GOV_ONLINE),
    ("gov-online list p1 (real), keep", SHARED / "fixtures/real/gov-online/info_index_2025-05-25__t-ashula-go-jp-rss__0.html",
     "https://www.gov-online.go.jp/info/index.html", "html_list", {**GOV_ONLINE, "keep": ["ul.p-newsList"]}),
    ("gov-online list p2 (real)", SHARED / "fixtures/real/gov-online/info_index_page2__t-ashula-go-jp-rss__1.html",
     "https://www.gov-online.go.jp/info/index.html?page=2", "html_list", GOV_ONLINE),
    ("NHK www3 article (real)", SHARED / "fixtures/real/nhk/news_article_k10014659321000_2024-12__kevin840720.html",
     "https://www3.nhk.or.jp/news/html/20241205/k10014659321000.html", "nhk_article", None),
    ("NHK news.web.nhk article (real)",
     SHARED / "fixtures/real/nhk/news_web_nhk_article_k10015171421000_2026-07-08__rbutils-fetch_util__TRIMMED.html",
     "https://news.web.nhk/newsweb/na/na-k10015171421000", "nhk_article", None),
    ("MIC 報道資料 list (project)", PAGES / "mic/s-news_index.html",
     "https://www.soumu.go.jp/menu_news/s-news/index.html", "mic_press_list", {}),
    ("MIC press release (project)", PAGES / "mic/press_release_guidance.html",
     "https://www.soumu.go.jp/menu_news/s-news/01kiban07_02000053.html", "mic_page", None),
]  # fmt: skip


def parser_of(kind: str, options: dict | None) -> Callable[[Page], object]:
    if options is None:
        return get_detail_parser(kind).parse
    scraper = get_list_scraper(kind)
    validated = scraper.options.model_validate(options)
    return lambda page: scraper.parse(page, validated)


def median_cpu_ms(parse: Callable[[Page], object], page: Page, rounds: int) -> float:
    parse(page)  # warm: selectors compiled, the page decoded
    timings = []
    for _ in range(rounds):
        start = time.process_time()
        parse(page)
        timings.append(time.process_time() - start)
    return statistics.median(timings) * 1000


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("--rounds", type=int, default=200)
    rounds = arguments.parse_args().rounds
    print(f"{'page':<34} {'kB':>6} {'CPU ms':>8}")
    for label, path, url, kind, options in CASES:
        if not path.exists():
            print(f"{label:<34} skipped: {path} is absent")
            continue
        parse = parser_of(kind, options)
        page = page_from_bytes(path.read_bytes(), url)
        print(f"{label:<34} {len(page.content) / 1024:>6.1f} {median_cpu_ms(parse, page, rounds):>8.2f}")


if __name__ == "__main__":
    main()
