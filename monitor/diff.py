"""What a poll found, compared with what is stored (pure functions).

An item is new when its canonical URL is unknown. A known item is re-examined only when this
source's listing of it changed (title or summary); its detail page is then fetched again and an
``updated`` event is raised only if the normalized title or body differ. A re-poll of an
unchanged list therefore fetches no detail page and creates nothing.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from monitor.items import Change, ItemContent, RawItem
from monitor.store import KnownItem, StoredContent
from monitor.text import content_hash, normalize, normalize_line

_SNIPPET = 300


@dataclass(frozen=True)
class ListEntry:
    url: str
    raw: RawItem
    fingerprint: str


@dataclass
class Plan:
    new: list[ListEntry] = field(default_factory=list)
    # backfill of items recorded silently as a baseline: handled like new ones, but already stored
    backfill: list[tuple[ListEntry, KnownItem]] = field(default_factory=list)
    changed: list[tuple[ListEntry, KnownItem]] = field(default_factory=list)
    # known from another source, listed here for the first time: recorded, nothing else
    first_listed: list[tuple[ListEntry, KnownItem]] = field(default_factory=list)
    unchanged: list[tuple[ListEntry, KnownItem]] = field(default_factory=list)

    @property
    def needs_detail(self) -> list[ListEntry]:
        return [*self.new, *(entry for entry, _ in self.backfill), *(entry for entry, _ in self.changed)]


def list_entries(raw_items: Iterable[RawItem], canonicalize: Callable[[str], str]) -> list[ListEntry]:
    """One entry per canonical URL, first occurrence wins (lists repeat items across pages)."""
    entries: dict[str, ListEntry] = {}
    for raw in raw_items:
        url = canonicalize(raw.link)
        if url not in entries:
            entries[url] = ListEntry(url, raw, listing_fingerprint(raw.title, raw.summary))
    return list(entries.values())


@lru_cache(maxsize=1 << 16)
def listing_fingerprint(title: str, summary: str) -> str:
    """Cached: most entries of a changed list are the ones it had before."""
    return content_hash(normalize_line(title), normalize(summary))


def plan(entries: Iterable[ListEntry], known: dict[str, KnownItem], *, backfill: bool = False) -> Plan:
    result = Plan()
    for entry in entries:
        stored = known.get(entry.url)
        if stored is None:
            result.new.append(entry)
        elif backfill and stored.baseline:
            result.backfill.append((entry, stored))
        elif stored.listing_fingerprint is None:
            result.first_listed.append((entry, stored))
        elif stored.listing_fingerprint != entry.fingerprint:
            result.changed.append((entry, stored))
        else:
            result.unchanged.append((entry, stored))
    return result


def changes(known: KnownItem, stored: StoredContent, content: ItemContent, *, compare_body: bool) -> tuple[Change, ...]:
    """What differs between the stored item and its new content.

    Bodies are compared only when both come from the detail page (``compare_body``: the new one
    does): a list summary against a detail page's body is a change of source, not of the release.
    """
    found: list[Change] = []
    if stored.title != content.title:
        found.append(Change("title", stored.title, content.title))
    if compare_body and known.detail_fetched and stored.body != content.body:
        before, after = _changed_lines(stored.body, content.body)
        found.append(Change("body", before, after))
    return tuple(found)


def _changed_lines(before: str, after: str) -> tuple[str, str]:
    removed: list[str] = []
    added: list[str] = []
    for line in difflib.ndiff(before.split("\n"), after.split("\n")):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return _shorten("\n".join(removed)), _shorten("\n".join(added))


def _shorten(text: str) -> str:
    return text if len(text) <= _SNIPPET else text[: _SNIPPET - 1] + "…"
