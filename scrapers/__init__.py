"""Scrapers: one module per source family. Importing the package registers the built-ins, then
the add-ons: modules named by a ``regwatch.scrapers`` entry point of an installed package, e.g.

    [project.entry-points."regwatch.scrapers"]
    pref-osaka = "osaka_scrapers"
"""

from importlib.metadata import entry_points

from scrapers import feed, html_list, mic, nhk  # noqa: F401  (registration side effect)
from scrapers.base import (
    REGISTRY,
    DetailParser,
    HtmlDetail,
    HtmlList,
    ListScraper,
    NoOptions,
    get_detail_parser,
    get_list_scraper,
    register,
)

for _add_on in entry_points(group="regwatch.scrapers"):
    _add_on.load()

__all__ = [
    "REGISTRY", "DetailParser", "HtmlDetail", "HtmlList", "ListScraper", "NoOptions", "get_detail_parser", "get_list_scraper",
    "register",
]  # fmt: skip
