"""Any RSS 0.9x/1.0/2.0, RDF or Atom feed, configured by its URL alone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.errors import ParseError
from monitor.items import Page, RawItem
from monitor.jpdates import parse_timestamp
from monitor.urls import absolute_url
from scrapers.base import NoOptions, list_scraper
from scrapers.soup import fragment_text, without_xml_declaration

if TYPE_CHECKING:
    from feedparser import FeedParserDict

_DATE_FIELDS = ("published", "updated", "dc_date", "created", "issued")


def feed_as_utf8(page: Page) -> bytes:
    """The feed re-encoded as UTF-8 without its declaration.

    feedparser would honour ``encoding="Shift_JIS"`` literally and fail on cp932-only
    characters such as 髙 and ①; decoding is ours (monitor.charset), parsing is feedparser's.
    """
    return without_xml_declaration(page.text).encode("utf-8")


@list_scraper("feed")
def parse_feed(page: Page, options: NoOptions) -> list[RawItem]:
    """RSS, RDF or Atom entries: title, link, summary and date."""
    import feedparser  # on first use: a poll whose pages are all unchanged never pays its import (20 ms)

    try:
        parsed = feedparser.parse(feed_as_utf8(page), sanitize_html=False, resolve_relative_uris=False)
    except (ValueError, OverflowError) as exc:  # feedparser's own: a character reference out of range, say
        raise ParseError(f"{page.url}: not a readable RSS/RDF/Atom feed ({exc})") from None
    if not parsed.get("version") and not parsed.get("entries"):
        reason = parsed.get("bozo_exception") or "no RSS, RDF or Atom root element"
        raise ParseError(f"{page.url}: not a readable RSS/RDF/Atom feed ({reason})")
    return [item for entry in parsed.entries if (item := _raw_item(entry, page.final_url))]


def _raw_item(entry: FeedParserDict, base: str) -> RawItem | None:
    link = entry.get("link") or _alternate_link(entry) or entry.get("id")
    title = entry.get("title", "")
    if not link or not (title or entry.get("summary")):
        return None
    summary = fragment_text(entry.get("summary", "") or "")
    if summary == title.strip():
        summary = ""  # MIC repeats the title as the description
    published = next((stamp for name in _DATE_FIELDS if (stamp := parse_timestamp(entry.get(name)))), None)
    attributes = {"categories": [tag.get("term") for tag in entry.get("tags", []) if tag.get("term")]}
    return RawItem(
        link=absolute_url(link, base),
        title=title,
        summary=summary,
        published_at=published,
        attributes={key: value for key, value in attributes.items() if value},
    )


def _alternate_link(entry: FeedParserDict) -> str | None:
    for link in entry.get("links", []):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link["href"]
    return None
