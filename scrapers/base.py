"""Scraper registry: two plug-in families, keyed by ``kind``.

- list scrapers turn a list page or feed into RawItems (``parse(page, options)``);
- detail parsers turn an item's own page into an Article (``parse(page)``).

An HTML scraper is a small class that receives a ``BeautifulSoup`` of the page: subclass
``HtmlList`` (``items(soup, page)``) or ``HtmlDetail`` (``article(soup, page)``) and decorate it
with ``@register``. Built-ins enter by the same door as add-ons (add-ons are modules named by a
``regwatch.scrapers`` entry point, see scrapers/__init__.py). Scrapers are pure: no HTTP, database,
clock or Slack code here; a page in, items out. The soup is taken apart once the scraper returns:
what it returns holds text, never the soup's nodes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, ClassVar, Generic, TypeVar

from bs4 import BeautifulSoup
from pydantic import BaseModel, ConfigDict

from monitor.items import Article, Page, RawItem
from monitor.urls import canonical_url
from scrapers.soup import Keep, discarded, parse_html


class NoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


OptionsT = TypeVar("OptionsT", bound=BaseModel)
T = TypeVar("T")


def single_page(url: str, options: BaseModel, today: date) -> list[str]:
    return [url]


@dataclass(frozen=True)
class ListScraper(Generic[OptionsT]):
    kind: str
    parse: Callable[[Page, OptionsT], list[RawItem]]
    options: type[OptionsT]
    default_detail: str | None = None
    canonicalize: Callable[[str], str] = canonical_url
    # The list pages to poll for a configured URL (a source may span archive pages).
    page_urls: Callable[[str, OptionsT, date], list[str]] = single_page
    description: str = ""


@dataclass(frozen=True)
class DetailParser:
    kind: str
    parse: Callable[[Page], Article]
    description: str = ""


@dataclass
class _Registry:
    lists: dict[str, ListScraper] = field(default_factory=dict)
    details: dict[str, DetailParser] = field(default_factory=dict)


REGISTRY = _Registry()


def list_scraper(
    kind: str,
    *,
    options: type[BaseModel] = NoOptions,
    default_detail: str | None = None,
    canonicalize: Callable[[str], str] = canonical_url,
    page_urls: Callable[[str, Any, date], list[str]] = single_page,
) -> Callable[[Callable], Callable]:
    def register(parse: Callable) -> Callable:
        if kind in REGISTRY.lists:
            raise ValueError(f"list scraper kind {kind!r} is registered twice")
        description = (parse.__doc__ or "").strip()
        REGISTRY.lists[kind] = ListScraper(kind, parse, options, default_detail, canonicalize, page_urls, description)
        return parse

    return register


def detail_parser(kind: str) -> Callable[[Callable], Callable]:
    def register(parse: Callable) -> Callable:
        if kind in REGISTRY.details:
            raise ValueError(f"detail parser kind {kind!r} is registered twice")
        REGISTRY.details[kind] = DetailParser(kind, parse, (parse.__doc__ or "").strip())
        return parse

    return register


def get_list_scraper(kind: str) -> ListScraper:
    try:
        return REGISTRY.lists[kind]
    except KeyError:
        raise KeyError(f"unknown source kind {kind!r}; valid kinds: {', '.join(sorted(REGISTRY.lists))}") from None


def get_detail_parser(kind: str) -> DetailParser:
    try:
        return REGISTRY.details[kind]
    except KeyError:
        raise KeyError(f"unknown detail parser {kind!r}; valid parsers: {', '.join(sorted(REGISTRY.details))}") from None


class HtmlList(Generic[OptionsT]):
    """A list scraper of HTML pages. Subclass it, set ``kind``, write ``items`` and ``@register`` it.

    ``keep`` names the parts of the page to parse (see scrapers.tree_soup.Keep; empty: the whole page);
    ``self.options`` holds the source's validated ``options`` (an instance of ``Options``).
    """

    kind: ClassVar[str]
    Options: ClassVar[type[BaseModel]] = NoOptions
    keep: ClassVar[tuple[str, ...]] = ()
    default_detail: ClassVar[str | None] = None
    canonicalize: ClassVar[Callable[[str], str]] = staticmethod(canonical_url)
    page_urls: ClassVar[Callable[[str, Any, date], list[str]]] = staticmethod(single_page)

    def __init__(self, options: OptionsT) -> None:
        self.options = options

    def parse_only(self) -> tuple[str, ...]:
        """The parts of the page to parse; a scraper whose options name them overrides this."""
        return self.keep

    def items(self, soup: BeautifulSoup, page: Page) -> list[RawItem]:
        raise NotImplementedError


class HtmlDetail:
    """A detail parser of HTML pages. Subclass it, set ``kind``, write ``article`` and ``@register`` it."""

    kind: ClassVar[str]
    keep: ClassVar[tuple[str, ...]] = ()

    def article(self, soup: BeautifulSoup, page: Page) -> Article:
        raise NotImplementedError


@lru_cache(maxsize=256)
def _strainer(selectors: tuple[str, ...]) -> Keep | None:
    return Keep(*selectors) if selectors else None


def _read(scrape: Callable[[BeautifulSoup, Page], T], soup: BeautifulSoup, page: Page) -> T:
    """What ``scrape`` reads in the soup; the soup is then taken apart (scrapers.soup.discard)."""
    with discarded(soup):
        return scrape(soup, page)


def register(scraper: type) -> type:
    """Register an ``HtmlList`` or ``HtmlDetail`` subclass under its ``kind``."""
    description = (scraper.__doc__ or "").strip()
    if issubclass(scraper, HtmlList):

        def parse_list(page: Page, options: BaseModel) -> list[RawItem]:
            instance = scraper(options)
            return _read(instance.items, parse_html(page, _strainer(instance.parse_only())), page)

        parse_list.__doc__ = description
        list_scraper(
            scraper.kind,
            options=scraper.Options,
            default_detail=scraper.default_detail,
            canonicalize=scraper.canonicalize,
            page_urls=scraper.page_urls,
        )(parse_list)
    elif issubclass(scraper, HtmlDetail):
        keep = _strainer(scraper.keep)

        def parse_detail(page: Page) -> Article:
            return _read(scraper().article, parse_html(page, keep), page)

        parse_detail.__doc__ = description
        detail_parser(scraper.kind)(parse_detail)
    else:
        raise TypeError(f"{scraper.__name__} is neither an HtmlList nor an HtmlDetail")
    return scraper
