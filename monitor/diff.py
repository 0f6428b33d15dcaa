"""What a poll found, compared with what is stored (pure functions).

An item is new when its canonical URL is unknown. A known item is re-examined only when this
source's listing of it changed (title or summary); its detail page is then fetched again and an
``updated`` event is raised only if the normalized title or body differ. A re-poll of an
unchanged list therefore fetches no detail page and creates nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from monitor.items import Change, ItemContent, RawItem
from monitor.store import ItemVersion, KnownItem, StoredContent
from monitor.text import normalize_line, shorten

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
            entries[url] = ListEntry(url, raw, listing_content(raw.title, raw.summary).fingerprint)
    return list(entries.values())


@lru_cache(maxsize=1 << 16)
def listing_content(title: str, summary: str) -> ItemContent:
    """A list entry's title and summary as an item's content, whose fingerprint is the entry's
    listing fingerprint. Cached: most entries of a changed list are the ones it had before, and
    an entry settled from the list (a baseline's) is made into its row's content right after."""
    return ItemContent(title, summary)


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


def changes(
    stored: StoredContent, content: ItemContent, *, compare_body: bool, attachments: Sequence[Mapping[str, str]] | None = None
) -> tuple[Change, ...]:
    """What differs between the stored item and its new content, in the text as written.

    Titles and bodies are compared in their normalized form (a layout change is no change) and
    reported as written. Bodies are compared only when the caller says both are comparable
    (``compare_body``): a list summary against a detail page's body is a change of source, not of
    the release. ``attachments``: the new list, when the detail page gave one.
    """
    found: list[Change] = []
    if stored.title != content.title:
        found.append(Change("title", before=_one_line(stored.title_raw), after=_one_line(content.title_raw)))
    if compare_body and stored.body != content.body:
        added, removed = _sentence_changes(stored.body_raw, content.body_raw)
        if added or removed:
            found.append(Change("body", added=added, removed=removed))
    if attachments is not None and (attachment_change := _attachment_change(stored.attachments, attachments)):
        found.append(attachment_change)
    return tuple(found)


def _attachment_change(before: Sequence[Mapping[str, str]], after: Sequence[Mapping[str, str]]) -> Change | None:
    old = {a.get("label") or a.get("url", ""): a for a in before}
    new = {a.get("label") or a.get("url", ""): a for a in after}
    gained, lost = tuple(name for name in new if name not in old), tuple(name for name in old if name not in new)
    # A file read now and before whose bytes differ; one not read either time tells nothing.
    altered = tuple(
        name
        for name, now in new.items()
        if name in old and now.get("sha256") and old[name].get("sha256") and now["sha256"] != old[name]["sha256"]
    )
    return Change("attachments", added=gained, removed=lost, changed=altered) if gained or lost or altered else None


def new_versions(candidates: Iterable[tuple[ItemVersion, ItemVersion | None]]) -> list[ItemVersion]:
    """Of items' current contents (each beside its newest stored version), those that are new
    versions: a first one, or one whose text or attachments differ (a re-fetch of the same is none).
    Equal fingerprints are equal titles and bodies: then only the lead and the attachments are
    compared, without normalizing the two bodies again (most updates are re-fetches of the same)."""
    return [
        current
        for current, newest in candidates
        if newest is None
        or current.fingerprint != newest.fingerprint
        or any(_sentence_changes(newest.lead, current.lead))
        or _attachment_change(newest.attachments, current.attachments)
    ]


def version_changes(before: ItemVersion, after: ItemVersion) -> tuple[Change, ...]:
    """What differs between two versions of an item: its title, lead, body and attachments, as ``changes`` finds them."""
    old = ItemContent(before.title_raw, before.body_raw)
    stored = StoredContent(old.title, old.body, old.title_raw, old.body_raw, "", tuple(before.attachments))
    found = changes(stored, ItemContent(after.title_raw, after.body_raw), compare_body=True, attachments=after.attachments)
    added, removed = _sentence_changes(before.lead, after.lead)
    if not added and not removed:
        return found
    titled = found[:1] if found and found[0].field == "title" else ()
    return (*titled, Change("lead", added=added, removed=removed), *found[len(titled) :])


_SENTENCE_END = re.compile(r"(?<=[。！？])|\n")


def sentences(text: str) -> list[str]:
    """The sentences (and lines) of a text as written, blanks trimmed."""
    return [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]


def _sentence_changes(before: str, after: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Sentences added and removed, compared in normalized form and shown as written."""
    old = {normalize_line(sentence): sentence for sentence in sentences(before)}
    new = {normalize_line(sentence): sentence for sentence in sentences(after)}
    added = tuple(shorten(sentence, _SNIPPET) for key, sentence in new.items() if key not in old)
    removed = tuple(shorten(sentence, _SNIPPET) for key, sentence in old.items() if key not in new)
    return added, removed


def _one_line(text: str) -> str:
    return " ".join(text.split())
