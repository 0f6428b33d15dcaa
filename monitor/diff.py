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


@dataclass(frozen=True)
class Candidate:
    """An item whose detail page this poll needs; ``announces_new``: its event will be its first."""

    entry: ListEntry
    known: KnownItem | None
    announces_new: bool


@dataclass
class Plan:
    new: list[ListEntry] = field(default_factory=list)
    # backfill of items recorded silently as a baseline: handled like new ones, but already stored
    backfill: list[tuple[ListEntry, KnownItem]] = field(default_factory=list)
    changed: list[tuple[ListEntry, KnownItem]] = field(default_factory=list)
    # known items whose detail page is due to be tried again (listed now, or not: see retry_unlisted)
    retry: list[tuple[ListEntry, KnownItem]] = field(default_factory=list)
    retry_unlisted: list[KnownItem] = field(default_factory=list)
    # known from another source, listed here for the first time: recorded, nothing else
    first_listed: list[tuple[ListEntry, KnownItem]] = field(default_factory=list)
    unchanged: list[tuple[ListEntry, KnownItem]] = field(default_factory=list)
    listed_urls: frozenset[str] = frozenset()

    @property
    def needs_detail(self) -> list[ListEntry]:
        return [candidate.entry for candidate in self.candidates()]

    def candidates(self) -> list[Candidate]:
        """New items first (their alerts wait for their detail pages), then changed ones, then retries."""
        return [
            *(Candidate(entry, None, True) for entry in self.new),
            *(Candidate(entry, known, True) for entry, known in self.backfill),
            *(Candidate(entry, known, known.awaiting_detail) for entry, known in [*self.changed, *self.retry]),
        ]


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


def plan(
    entries: Iterable[ListEntry],
    known: dict[str, KnownItem],
    *,
    source_id: str = "",
    backfill: bool = False,
    retrying: dict[str, KnownItem] | None = None,
) -> Plan:
    """Sort the listed entries; ``retrying``: items whose detail page is due again, by URL.

    An item still waiting for its detail page belongs to the source that found it: another
    source listing it only records that it does.
    """
    retrying = retrying or {}
    result = Plan()
    listed = []
    for entry in entries:
        listed.append(entry.url)
        stored = known.get(entry.url)
        if stored is None:
            result.new.append(entry)
        elif backfill and stored.baseline and not stored.awaiting_detail:
            result.backfill.append((entry, stored))
        elif entry.url in retrying:
            result.retry.append((entry, stored))
        elif stored.listing_fingerprint is None or (stored.awaiting_detail and stored.source_id != source_id):
            result.first_listed.append((entry, stored))
        elif stored.listing_fingerprint != entry.fingerprint:
            result.changed.append((entry, stored))
        else:
            result.unchanged.append((entry, stored))
    result.listed_urls = frozenset(listed)
    result.retry_unlisted = [item for url, item in retrying.items() if url not in result.listed_urls]
    return result


def stored_entry(known: KnownItem, stored: StoredContent) -> ListEntry:
    """The list entry of a stored item that its list no longer shows (its detail page is retried)."""
    raw = RawItem(link=stored.link, title=stored.title_raw, summary="" if known.detail_fetched else stored.body_raw)
    return ListEntry(known.url, raw, known.listing_fingerprint or "")


def changes(stored: StoredContent, content: ItemContent, *, compare_body: bool) -> tuple[Change, ...]:
    """What differs between the stored item and its new content.

    Bodies are compared only when the caller says both are comparable (``compare_body``): a list
    summary against a detail page's body is a change of source, not of the release.
    """
    found: list[Change] = []
    if stored.title != content.title:
        found.append(Change("title", stored.title, content.title))
    if compare_body and stored.body != content.body:
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
