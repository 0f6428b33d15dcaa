"""Running a source's scrapers on fetched pages: the edge between the fetched bytes and the items.

- Control characters are stripped from everything a scraper returns (text, links, attributes):
  one NUL in one title must not make the database refuse the batch it is written in.
- The source's ``include_links`` / ``exclude_links`` filter the list (with a time budget each).
- A large page is parsed in a worker thread, so the event loop keeps serving the other sources.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, TypeVar

from monitor.items import Article, Page, RawItem
from monitor.sources import SourceSpec
from monitor.text import without_controls

LARGE_PAGE_BYTES = 256 * 1024

T = TypeVar("T")


async def list_items(spec: SourceSpec, pages: list[Page]) -> list[RawItem]:
    """The items of a source's list pages, cleaned and filtered."""
    items: list[RawItem] = []
    for page in pages:
        parsed = await _parse(page, lambda page=page: spec.scraper.parse(page, spec.options))
        items += [clean_item(raw) for raw in parsed]
    return [raw for raw in items if spec.keeps(raw.link)]


async def article(spec: SourceSpec, page: Page) -> Article:
    assert spec.detail is not None
    parser = spec.detail
    return clean_article(await _parse(page, lambda: parser.parse(page)))


async def _parse(page: Page, parse: Callable[[], T]) -> T:
    if len(page.content) >= LARGE_PAGE_BYTES:
        return await asyncio.to_thread(parse)
    return parse()


def clean_item(raw: RawItem) -> RawItem:
    return replace(
        raw,
        link=without_controls(raw.link).strip(),
        title=without_controls(raw.title),
        summary=without_controls(raw.summary),
        attributes=_clean(raw.attributes),
    )


def clean_article(parsed: Article) -> Article:
    return replace(
        parsed,
        title=without_controls(parsed.title),
        body=without_controls(parsed.body),
        lead=without_controls(parsed.lead),
        attributes=_clean(parsed.attributes),
    )


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return without_controls(value)
    if isinstance(value, Mapping):
        return {_clean(key): _clean(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(item) for item in value]
    return value
