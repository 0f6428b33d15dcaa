"""Any HTML list page, configured by CSS selectors alone.

[[sources]]
id = "gov-online"
kind = "html_list"
url = "https://www.gov-online.go.jp/info/index.html"
options = { item = "li.p-newsList__item", title = ".p-newsList__title",
            link = "a.p-newsList__link", date = "time", date_attribute = "datetime" }
"""

from __future__ import annotations

from cssselect import SelectorError
from lxml.html import HtmlElement
from pydantic import field_validator

from monitor.items import Page, RawItem
from monitor.jpdates import parse_timestamp
from monitor.text import normalize_line
from monitor.urls import absolute_url
from scrapers.base import NoOptions, css, html_tree, inline_text, list_scraper, select_one


class HtmlListOptions(NoOptions):
    item: str
    link: str = "a[href]"
    title: str | None = None
    date: str | None = None
    date_attribute: str | None = None
    summary: str | None = None

    @field_validator("item", "link", "title", "date", "summary")
    @classmethod
    def _valid_selector(cls, selector: str | None) -> str | None:
        if selector is not None:
            try:
                css(selector)
            except SelectorError as exc:
                raise ValueError(f"invalid CSS selector {selector!r}: {exc}") from exc
        return selector


@list_scraper("html_list", options=HtmlListOptions)
def parse_html_list(page: Page, options: HtmlListOptions) -> list[RawItem]:
    """One item per element matching ``item``; title, link, date and summary selected inside it."""
    tree = html_tree(page)
    items: list[RawItem] = []
    for node in css(options.item)(tree):
        anchor = node if _is_link(node) and options.link == "a[href]" else select_one(node, options.link)
        if anchor is None or not anchor.get("href"):
            continue
        title_node = select_one(node, options.title) if options.title else anchor
        title = inline_text(title_node)
        if not title:
            continue
        items.append(
            RawItem(
                link=absolute_url(anchor.get("href"), page.final_url),
                title=title,
                summary=inline_text(select_one(node, options.summary)) if options.summary else "",
                published_at=_date(node, options),
            )
        )
    return items


def _is_link(node: HtmlElement) -> bool:
    return node.tag == "a" and bool(node.get("href"))


def _date(node: HtmlElement, options: HtmlListOptions):
    if not options.date:
        return None
    date_node = select_one(node, options.date)
    if date_node is None:
        return None
    raw = date_node.get(options.date_attribute) if options.date_attribute else inline_text(date_node)
    return parse_timestamp(normalize_line(raw)) if raw else None
