"""NHK News: the RSS category feeds and article pages on both hosts.

NHK moved its articles from ``www3.nhk.or.jp/news/html/YYYYMMDD/k1001….html`` to
``news.web.nhk/newsweb/na/na-k1001…`` in 2025. Both carry the same article id, so both map to one
canonical URL and one item: a team following feeds on both hosts gets one alert per story.

Article layouts:
- www3 (2016-2025): JSON-LD NewsArticle with +09:00 dates; ``h1.content--title``,
  ``p.content--summary`` (lead), ``section.content--body`` blocks (``h2.body-title``, ``div.body-text``).
- news.web.nhk (2025+): hashed CSS classes, so nothing is selected by class; ``main h1``, then the
  date as text 「2026年7月8日6:23」 and 「(…更新)」, then the paragraphs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from bs4 import BeautifulSoup, Tag

from monitor.errors import ParseError
from monitor.items import Article, Page
from monitor.jpdates import parse_jp_datetime, parse_timestamp
from monitor.text import normalize_line
from monitor.urls import canonical_url
from scrapers.base import HtmlDetail, list_scraper, register
from scrapers.feed import parse_feed
from scrapers.soup import block_text, child_tags, first_match, inline_text, select, select_one, tags, whole_page

_NHK_HOSTS = ("www3.nhk.or.jp", "www.nhk.or.jp", "news.web.nhk")
_ARTICLE_ID = re.compile(r"/(?:news/html/\d{8}/|newsweb/(?:sp/)?na/na-)(k\d{14})(?:\.html)?$")
_UPDATED = re.compile(r"\((.+?)更新\)")


def canonical_article_url(url: str) -> str:
    """One URL per NHK article whichever host or scheme linked it; other URLs canonicalized as usual."""
    canonical = canonical_url(url)
    host = canonical.split("/")[2]
    match = _ARTICLE_ID.search(canonical.split("?", 1)[0])
    if host in _NHK_HOSTS and match:
        return f"https://news.web.nhk/newsweb/na/na-{match.group(1)}"
    return canonical


list_scraper("nhk_feed", default_detail="nhk_article", canonicalize=canonical_article_url)(parse_feed)


_NOISE_CLASSES = frozenset({"module--news-flash", "module--hot-trends"})  # and any class naming "share"


@register
class NhkArticle(HtmlDetail):
    """An NHK News article on www3.nhk.or.jp or news.web.nhk: title, lead, body, published and modified."""

    kind = "nhk_article"
    keep = ("script[type=application/ld+json]", "section.module--detail-content", "main", "a[href*=-topic-]")

    def article(self, soup: BeautifulSoup, page: Page) -> Article:
        linked_data = _news_article_json_ld(soup)
        content = select_one(soup, "section.module--detail-content")  # the www3 layout
        if content is None and select_one(soup, "main h1") is None:
            with whole_page(page) as whole:  # neither known layout: the whole page is read
                return _with_linked_data(_article(whole, None), linked_data)
        return _with_linked_data(_article(soup, content), linked_data)


def _article(soup: BeautifulSoup, content: Tag | None) -> Article:
    for noise in [tag for tag in tags(soup) if _is_noise(tag)]:
        noise.decompose()
    return _www3_article(content) if content is not None else _newsweb_article(soup)


def _with_linked_data(article: Article, linked_data: dict) -> Article:
    """The times of the page's JSON-LD, where it has them, over those read from its text."""
    return replace(
        article,
        published_at=parse_timestamp(linked_data.get("datePublished")) or article.published_at,
        modified_at=parse_timestamp(linked_data.get("dateModified")) or article.modified_at,
    )


def _is_noise(tag: Tag) -> bool:
    classes = tag.get("class") or ()
    return tag.name == "button" or any("share" in name or name in _NOISE_CLASSES for name in classes)


def _www3_article(content: Tag) -> Article:
    title = inline_text(select_one(content, "h1.content--title"))
    if not title:
        raise ParseError("www3 layout without h1.content--title")
    summary = select_one(content, "p.content--summary")
    lead = block_text(summary) if summary is not None else ""
    sections = [block_text(section) for section in select(content, "section.content--body")]
    time_node = select_one(content, "p.content--date time")
    topics = [inline_text(link) for link in select(content, "a.i-word")]
    return Article(
        title=title,
        body="\n".join(part for part in (lead, *sections) if part),
        lead=lead,
        published_at=parse_timestamp(time_node.get("datetime")) if time_node is not None else None,
        attributes={"topics": topics} if topics else {},
    )


def _newsweb_article(soup: BeautifulSoup) -> Article:
    heading = first_match(soup, "main h1", "h1")
    if heading is None or heading.parent is None:
        raise ParseError("news.web.nhk layout without a heading in <main>")
    published = modified = None
    paragraphs: list[str] = []
    for child in child_tags(heading.parent):
        if child is heading:
            continue
        text = normalize_line(inline_text(child))
        updated = _UPDATED.search(text)
        if updated:
            modified = parse_jp_datetime(updated.group(1))
        elif (
            published is None and child.name != "p" and next(tags(child, "p"), None) is None and (when := parse_jp_datetime(text))
        ):
            published = when
        else:
            paragraphs.extend(block_text(p) for p in ([child] if child.name == "p" else tags(child, "p")))
    body = "\n".join(p for p in paragraphs if p)
    if not body:
        raise ParseError("news.web.nhk layout without paragraphs next to the heading")
    topics = [inline_text(link) for link in tags(soup, "a") if "-topic-" in str(link.get("href", ""))]
    return Article(
        title=inline_text(heading),
        body=body,
        lead=paragraphs[0] if paragraphs else "",
        published_at=published,
        modified_at=modified,
        attributes={"topics": topics} if topics else {},
    )


def _news_article_json_ld(soup: BeautifulSoup) -> dict[str, Any]:
    for script in tags(soup, "script"):
        if script.get("type") != "application/ld+json":
            continue
        try:
            data = json.loads(script.get_text() or "")
        except json.JSONDecodeError:
            continue
        for node in _json_ld_nodes(data):
            if node.get("@type") in ("NewsArticle", "Article", "ReportageNewsArticle"):
                return node
    return {}


def _json_ld_nodes(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for entry in data:
            yield from _json_ld_nodes(entry)
    elif isinstance(data, dict):
        yield data
        yield from _json_ld_nodes(data.get("@graph", []))
