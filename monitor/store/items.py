"""Items, their listings, events and classifications: what a poll reads before it decides and
writes after, in batches (executemany; a cold poll writes about twenty items per page)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    delete,
    func,
    select,
    update,
)

from monitor.items import Classification
from monitor.store.bulk import BulkInsert
from monitor.store.database import ATTACHMENT, CLASSIFICATION, EVENT, ITEM, ITEM_LABEL, LISTING, one_of, prepared


class KnownItem(NamedTuple):
    id: int
    url: str
    baseline: bool
    detail_fetched: bool
    listing_fingerprint: str | None  # None: known, but not yet listed by this source
    awaiting_detail: bool = False  # no event yet: its detail page is still being tried
    detail_attempts: int = 0
    source_id: str = ""  # the source that found it first: the one that settles its detail page


_LISTING_HERE = LISTING.alias("this_listing")
_KNOWN_COLUMNS = (
    ITEM.c.id,
    ITEM.c.url,
    ITEM.c.baseline,
    ITEM.c.detail_fetched_at.is_not(None).label("detail_fetched"),
    _LISTING_HERE.c.fingerprint,
    ITEM.c.awaiting_detail,
    ITEM.c.detail_attempts,
    ITEM.c.source_id,
)


def _known_query(*conditions: Any) -> Any:
    """Items with this source's listing fingerprint (None when it never listed them)."""
    listed_here = and_(_LISTING_HERE.c.item_id == ITEM.c.id, _LISTING_HERE.c.source_id == bindparam("source_id"))
    return select(*_KNOWN_COLUMNS).select_from(ITEM.outerjoin(_LISTING_HERE, listed_here)).where(*conditions)


def known_items(connection: Connection, source_id: str, urls: Sequence[str]) -> dict[str, KnownItem]:
    """Stored items among ``urls``, with this source's listing fingerprint when it listed them before."""
    if not urls:
        return {}
    statement = prepared(connection, "known_items", lambda c: _known_query(one_of(c, ITEM.c.url, "urls")))
    rows = connection.execute(statement, {"source_id": source_id, "urls": list(urls)}).all()
    return {known.url: known for known in map(_known, rows)}


def _known(row: Any) -> KnownItem:
    # By position, from rows fetched at once: a changed list's lookup returns twenty rows, and
    # fetching them one by one and each column by name cost more than the query.
    item_id, url, baseline, detail_fetched, fingerprint, awaiting_detail, detail_attempts, source_id = row
    return KnownItem(item_id, url, baseline, bool(detail_fetched), fingerprint, bool(awaiting_detail), detail_attempts, source_id)


class StoredContent(NamedTuple):
    title: str  # normalized
    body: str
    title_raw: str
    body_raw: str
    link: str
    attachments: tuple[dict[str, str], ...] = ()
    attachment_texts: Mapping[str, tuple[str, str]] = MappingProxyType({})  # url → (sha256, text) as read before


_STORED_CONTENT = select(
    ITEM.c.id, ITEM.c.title, ITEM.c.body, ITEM.c.title_raw, ITEM.c.body_raw, ITEM.c.link, ITEM.c.attributes
).where(ITEM.c.id.in_(bindparam("ids", expanding=True)))


_ATTACHMENT_TEXTS = select(ATTACHMENT.c.item_id, ATTACHMENT.c.url, ATTACHMENT.c.sha256, ATTACHMENT.c.text).where(
    ATTACHMENT.c.item_id.in_(bindparam("ids", expanding=True)), ATTACHMENT.c.error.is_(None)
)


def stored_content(connection: Connection, item_ids: Sequence[int]) -> dict[int, StoredContent]:
    """Title, body and attachments' texts of stored items (read only for items whose listing
    changed, or retried: those whose detail page is fetched again)."""
    if not item_ids:
        return {}
    texts: dict[int, dict[str, tuple[str, str]]] = {}
    for row in connection.execute(_ATTACHMENT_TEXTS, {"ids": list(item_ids)}):
        texts.setdefault(row.item_id, {})[row.url] = (row.sha256, row.text)
    return {
        row.id: StoredContent(
            row.title,
            row.body,
            row.title_raw,
            row.body_raw,
            row.link,
            tuple((row.attributes or {}).get("attachments") or ()),
            texts.get(row.id, {}),
        )
        for row in connection.execute(_STORED_CONTENT, {"ids": list(item_ids)})
    }


_DETAIL_RETRIES = (
    _known_query(ITEM.c.source_id == bindparam("source_id"), ITEM.c.detail_retry_at <= bindparam("now"))
    .order_by(ITEM.c.detail_retry_at)
    .limit(bindparam("limit"))
)


def detail_retries(connection: Connection, source_id: str, now: datetime, limit: int) -> dict[str, KnownItem]:
    """Items of the source whose detail page is due to be tried again, the longest waiting first."""
    rows = connection.execute(_DETAIL_RETRIES, {"source_id": source_id, "now": now, "limit": limit}).all()
    return {known.url: known for known in map(_known, rows)}


def detail_failures(connection: Connection) -> dict[str, tuple[int, str | None]]:
    """Per source: how many items' detail pages are failing, and one of their errors."""
    rows = connection.execute(
        select(ITEM.c.source_id, func.count(), func.max(ITEM.c.detail_error))
        .where(ITEM.c.detail_retry_at.is_not(None), ITEM.c.detail_error.is_not(None))
        .group_by(ITEM.c.source_id)
    )
    return {row[0]: (row[1], row[2]) for row in rows}


def insert_items(connection: Connection, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert new items; returns url → id of the rows this call inserted (a concurrent insert of
    the same URL by another process is skipped, and that process owns its events)."""
    return {url: item_id for item_id, url in _INSERT_ITEMS.execute(connection, rows)}


_INSERT_ITEMS = BulkInsert(ITEM, conflict=["url"], returning=["id", "url"])


def update_items(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Update stored items; each dict has ``item_id`` plus the columns to set (one statement per set of columns)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(key for key in row if key != "item_id"), []).append(row)
    for columns, group in groups.items():
        # A bindparam may not share a column's name in an UPDATE's SET clause, hence the prefix.
        connection.execute(
            update(ITEM).where(ITEM.c.id == bindparam("item_id")).values({name: bindparam(f"new_{name}") for name in columns}),
            [{"item_id": row["item_id"], **{f"new_{name}": row[name] for name in columns}} for row in group],
        )


def save_listings(connection: Connection, listings: Sequence[tuple[str, int, str]], now: datetime) -> None:
    """Record that a source lists an item with a fingerprint: (source_id, item_id, fingerprint)."""
    _SAVE_LISTINGS.execute(
        connection,
        [{"source_id": sid, "item_id": item_id, "fingerprint": fp, "first_seen_at": now} for sid, item_id, fp in listings],
    )


_SAVE_LISTINGS = BulkInsert(LISTING, conflict=["source_id", "item_id"], update=["fingerprint"])


def item_ids(connection: Connection, urls: Sequence[str]) -> dict[str, int]:
    """Ids of the stored items among ``urls``: on a first poll, those its insert skipped."""
    if not urls:
        return {}
    statement = prepared(connection, "item_ids", lambda c: select(ITEM.c.id, ITEM.c.url).where(one_of(c, ITEM.c.url, "urls")))
    return {row.url: row.id for row in connection.execute(statement, {"urls": list(urls)})}


def save_events(connection: Connection, rows: Sequence[dict[str, Any]]) -> dict[tuple[int, str], int]:
    """Insert events (item_id, source_id, kind, fingerprint, changes, created_at); an identical
    event (same item, kind and content) is not inserted twice. Returns (item_id, kind) → id."""
    return {(item_id, kind): event_id for event_id, item_id, kind in _SAVE_EVENTS.execute(connection, rows)}


_SAVE_EVENTS = BulkInsert(EVENT, conflict=["item_id", "kind", "fingerprint"], returning=["id", "item_id", "kind"])


def save_classifications(
    connection: Connection, results: dict[int, Classification], now: datetime, *, new_items: bool = False
) -> None:
    """Replace the stored classification and labels of each item (``new_items``: none stored yet)."""
    if not results:
        return
    rows = [
        {
            "item_id": item_id,
            "labels": list(result.labels),
            "scores": dict(result.scores),
            "evidence": {category: list(phrases) for category, phrases in result.evidence.items()},
            "facts": dict(result.facts),
            "model": result.model,
            "classified_at": now,
        }
        for item_id, result in results.items()
    ]
    _SAVE_CLASSIFICATIONS.execute(connection, rows)
    if not new_items:
        connection.execute(_DELETE_LABELS, {"item_ids": list(results)})
    labels = [
        {"item_id": item_id, "category": label, "score": result.scores.get(label, 1.0)}
        for item_id, result in results.items()
        for label in result.labels
    ]
    if labels:
        connection.execute(ITEM_LABEL.insert(), labels)


_DELETE_LABELS = delete(ITEM_LABEL).where(ITEM_LABEL.c.item_id.in_(bindparam("item_ids", expanding=True)))


_SAVE_CLASSIFICATIONS = BulkInsert(
    CLASSIFICATION, conflict=["item_id"], update=["labels", "scores", "evidence", "facts", "model", "classified_at"]
)


def save_attachments(connection: Connection, item_ids: Sequence[int], rows: Sequence[dict[str, Any]]) -> None:
    """The attachments of ``item_ids`` as read now (``rows``, each with its ``item_id``), replacing
    what was stored for those items: a file the page no longer links is gone."""
    if not item_ids:
        return
    connection.execute(delete(ATTACHMENT).where(ATTACHMENT.c.item_id.in_(sorted(set(item_ids)))))
    if rows:
        connection.execute(ATTACHMENT.insert(), list(rows))
