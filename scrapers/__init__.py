"""Scrapers: one module per source family. Importing the package registers the built-ins."""

from scrapers import feed, html_list, mic, nhk  # noqa: F401  (registration side effect)
from scrapers.base import REGISTRY, DetailParser, ListScraper, get_detail_parser, get_list_scraper

__all__ = ["REGISTRY", "DetailParser", "ListScraper", "get_detail_parser", "get_list_scraper"]
