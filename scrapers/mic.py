"""総務省 (MIC): the 報道資料 list pages and the pages of the site's template (press releases,
会見, 研究会). The 新着情報 feed ``news.rdf`` is read by the generic ``feed`` scraper.

List pages: ``/menu_news/s-news/index.html`` (current month) and ``{YY}{MM}m.html`` archives,
Shift_JIS, a table in ``div.contentsBody`` whose rows are date / linked title / 担当部局. Several
releases of one day may share a date cell (rowspan), so a row without a date takes the last one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from bs4 import BeautifulSoup, Tag
from pydantic import Field

from monitor.errors import ParseError
from monitor.items import Article, Page, RawItem
from monitor.jpdates import jst_date_start, parse_jp_date
from monitor.text import normalize, normalize_line
from monitor.urls import absolute_url
from scrapers.base import HtmlDetail, HtmlList, NoOptions, register
from scrapers.soup import block_text, child_tags, inline_text, select, select_one, tags, whole_page

_ATTACHMENT = re.compile(r"\.(pdf|xlsx?|xlsm|docx?|csv|zip|pptx?)$", re.I)
_TITLE_SEPARATORS = re.compile(r"[｜|]")
_CONTACT_HEADING = re.compile(r"^(連絡先|問い合わせ先|お問い合わせ先|問合せ先)")
_BUREAU = re.compile(r"(大臣官房|[^\s]{1,12}?(?:局|官房|庁|委員会|本部|研究所))")
# October 2023's archive is the one month without the "m" suffix.
_ARCHIVE_EXCEPTIONS = {(2023, 10): "2310.html"}


def archive_url(year: int, month: int, base: str = "https://www.soumu.go.jp") -> str:
    """URL of the monthly 報道資料 archive page for ``year``/``month``."""
    name = _ARCHIVE_EXCEPTIONS.get((year, month), f"{year % 100:02d}{month:02d}m.html")
    return f"{base}/menu_news/s-news/{name}"


class PressListOptions(NoOptions):
    archive_months: int = Field(0, ge=0, le=36, description="also poll the previous N monthly archives")


def press_list_pages(url: str, options: PressListOptions, today: date) -> list[str]:
    """The configured page plus the archives of the ``archive_months`` months before ``today``."""
    base = url.split("/menu_news/", 1)[0]
    year, month = today.year, today.month
    pages = [url]
    for _ in range(options.archive_months):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        pages.append(archive_url(year, month, base))
    return pages


# A release's date is in its first lines (normalized, 400 characters): only its opening is read
# for it, with room for what normalizing drops (blanks, footnote marks).
_DATE_WITHIN = 400
# The template's content; <title> names the release. The wrapper around the content also holds
# the site's menus, so it is read only from pages without div.contentsBody.
_TEMPLATE = ("title", "div.contentsBody")

T = TypeVar("T")


def _in_content(soup: BeautifulSoup, page: Page, read: Callable[[BeautifulSoup, Tag], T]) -> T:
    """``read(soup, content)``, the content being div.contentsBody; on a page without one (rare,
    so parsed a second time, whole) div#contentsWrapper, else the body."""
    root = select_one(soup, "div.contentsBody")
    if root is not None:
        return read(soup, root)
    with whole_page(page) as whole:
        return read(whole, select_one(whole, "div#contentsWrapper") or whole.body or whole)


@register
class PressList(HtmlList[PressListOptions]):
    """Rows of the 報道資料 table: date, title linked to the release, 担当部局."""

    kind = "mic_press_list"
    Options = PressListOptions
    keep = ("div.contentsBody",)  # the list reads no title
    default_detail = "mic_page"
    page_urls = staticmethod(press_list_pages)

    def items(self, soup: BeautifulSoup, page: Page) -> list[RawItem]:
        return _in_content(soup, page, lambda soup, root: _rows(root, page))


def _rows(root: Tag, page: Page) -> list[RawItem]:
    items: list[RawItem] = []
    current_date: date | None = None
    for row in tags(root, "tr"):
        cells = child_tags(row, "td", "th")
        anchor = next((a for a in tags(row, "a") if a.get("href")), None)
        if anchor is None or all(cell.name == "th" for cell in cells):
            continue
        # A broken row may hold its link outside any cell: then it has no date or bureau of its own.
        holder = _child_holding(row, anchor)
        link_cell = next((i for i, cell in enumerate(cells) if cell is holder), None)
        row_date = parse_jp_date(normalize_line(inline_text(cells[0]))) if link_cell else None
        current_date = row_date or current_date
        later_cells = cells[link_cell + 1 :] if link_cell is not None else []
        bureau = inline_text(later_cells[-1]) if later_cells else ""
        items.append(
            RawItem(
                link=absolute_url(str(anchor["href"]), page.final_url),
                title=inline_text(anchor),
                published_at=jst_date_start(current_date) if current_date else None,
                attributes={"bureau": bureau} if bureau else {},
            )
        )
    if not items and next(tags(root, "table"), None) is None:
        raise ParseError(f"{page.url}: no 報道資料 table in the page")
    return items


def _child_holding(parent: Tag, node: Tag) -> Tag:
    """The child of ``parent`` that ``node`` (a descendant) lies in."""
    while node.parent is not parent:
        node = node.parent
    return node


@register
class TemplatePage(HtmlDetail):
    """A page of soumu.go.jp's template: title, 和暦 date, body, bureau, attachments."""

    kind = "mic_page"
    keep = _TEMPLATE

    def article(self, soup: BeautifulSoup, page: Page) -> Article:
        return _in_content(soup, page, lambda soup, root: _article(soup, root, page))


def _article(soup: BeautifulSoup, root: Tag, page: Page) -> Article:
    body = block_text(root)
    if not body:
        raise ParseError(f"{page.url}: the page has no text in div.contentsBody")
    title = _title(soup, root)
    published = parse_jp_date(normalize(body[: _DATE_WITHIN * 2])[:_DATE_WITHIN])
    contact = _contact(body)
    attributes: dict[str, object] = {"attachments": _attachments(root, page.final_url)}
    if contact:
        attributes["contact"] = contact
        bureau = _BUREAU.search(normalize_line(contact.split("\n", 1)[0]))
        if bureau:
            attributes["bureau"] = bureau.group(1)
    return Article(
        title=title,
        body=body,
        lead=_lead(body, title),
        published_at=jst_date_start(published) if published else None,
        attributes=attributes,
    )


def _title(soup: BeautifulSoup, root: Tag) -> str:
    head_title = inline_text(next(tags(soup, "title"), None))
    parts = [part.strip() for part in _TITLE_SEPARATORS.split(head_title) if part.strip()]
    if parts and parts[-1] not in ("総務省", "報道資料"):
        return parts[-1]
    for heading in select(root, "h1, h2, h3"):
        text = inline_text(heading)
        if text and text not in ("報道資料", "総務省"):
            return text
    raise ParseError("no title in <title> nor in a heading of div.contentsBody")


def _lead(body: str, title: str) -> str:
    lines = body.split("\n")
    start = next((i + 1 for i, line in enumerate(lines) if line.strip() == title.strip()), 0)
    return next((line for line in lines[start:] if len(line) >= 20), "")


def _contact(body: str) -> str:
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if _CONTACT_HEADING.match(line.strip()):
            return "\n".join(lines[index + 1 : index + 6]).strip()
    return ""


def _attachments(root: Tag, base: str) -> list[dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for anchor in tags(root, "a"):
        href = str(anchor.get("href", ""))
        match = _ATTACHMENT.search(href.split("?", 1)[0])
        if match:
            url = absolute_url(href, base)
            found.setdefault(url, {"url": url, "label": inline_text(anchor), "type": match.group(1).lower()})
    return list(found.values())
