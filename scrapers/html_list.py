"""Any HTML list page, configured by CSS selectors alone.

[[sources]]
id = "gov-online"
kind = "html_list"
url = "https://www.gov-online.go.jp/info/index.html"
options = { item = "li.p-newsList__item", title = ".p-newsList__title",
            link = "a.p-newsList__link", date = "time", date_attribute = "datetime",
            keep = ["ul.p-newsList"] }
"""

from __future__ import annotations

from datetime import datetime

from bs4 import BeautifulSoup, Tag
from pydantic import field_validator
from soupsieve import SelectorSyntaxError

from monitor.items import Page, RawItem
from monitor.jpdates import parse_timestamp
from monitor.text import normalize_line
from monitor.urls import absolute_url
from scrapers.base import HtmlList, NoOptions, register
from scrapers.soup import Keep, css, inline_text, select, select_one


class HtmlListOptions(NoOptions):
    item: str
    link: str = "a[href]"
    title: str | None = None
    date: str | None = None
    date_attribute: str | None = None
    summary: str | None = None
    # Simple selectors of the parts holding the list (a page's menus and footer are then not parsed).
    keep: tuple[str, ...] = ()

    @field_validator("keep")
    @classmethod
    def _simple_selectors(cls, keep: tuple[str, ...]) -> tuple[str, ...]:
        Keep(*keep)  # raises ValueError naming a selector that is not simple
        return keep

    @field_validator("item", "link", "title", "date", "summary")
    @classmethod
    def _valid_selector(cls, selector: str | None) -> str | None:
        if selector is not None:
            try:
                css(selector)
            except SelectorSyntaxError as exc:
                raise ValueError(f"invalid CSS selector {selector!r}: {exc}") from exc
        return selector


@register
class SelectedList(HtmlList[HtmlListOptions]):
    """One item per element matching ``item``; title, link, date and summary selected inside it."""

    kind = "html_list"
    Options = HtmlListOptions

    def parse_only(self) -> tuple[str, ...]:
        return self.options.keep

    def items(self, soup: BeautifulSoup, page: Page) -> list[RawItem]:
        options = self.options
        items: list[RawItem] = []
        for node in select(soup, options.item):
            anchor = node if _is_link(node) and options.link == "a[href]" else select_one(node, options.link)
            if anchor is None or not anchor.get("href"):
                continue
            title = inline_text(select_one(node, options.title) if options.title else anchor)
            if not title:
                continue
            items.append(
                RawItem(
                    link=absolute_url(str(anchor.get("href")), page.final_url),
                    title=title,
                    summary=inline_text(select_one(node, options.summary)) if options.summary else "",
                    published_at=self._date(node),
                )
            )
        return items

    def _date(self, node: Tag) -> datetime | None:
        options = self.options
        if not options.date:
            return None
        date_node = select_one(node, options.date)
        if date_node is None:
            return None
        raw = date_node.get(options.date_attribute) if options.date_attribute else inline_text(date_node)
        return parse_timestamp(normalize_line(str(raw))) if raw else None


def _is_link(node: Tag) -> bool:
    return node.name == "a" and bool(node.get("href"))
