"""What the dashboard reads: items found by filters and free text (ranked), and one item whole.

Free text is a list of terms that must all occur, each a tuple of alternatives (a company's names).
SQLite answers from the FTS5 trigram table ``item_search`` (bm25 ranks it); PostgreSQL from
ILIKE over title and body, which its pg_trgm index serves. A term shorter than a trigram is
matched by a plain substring test on either database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, column, literal_column, or_, select, table

from monitor.store.database import CLASSIFICATION, EVENT, ITEM, ITEM_LABEL

Term = tuple[str, ...]  # alternatives: any one of them matches
_FTS = table("item_search", column("rowid"), column("rank"))
_TRIGRAM = 3
# The expression of PostgreSQL's trigram index (migration 0005), written the same way so it is used.
_PG_TEXT = literal_column("(item.title || ' ' || item.body)")


@dataclass(frozen=True)
class ItemFilter:
    text: Sequence[Term] = ()
    category: str | None = None
    source_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


_LISTED = (
    ITEM.c.id, ITEM.c.link, ITEM.c.source_id, ITEM.c.title, ITEM.c.lead, ITEM.c.published_at, ITEM.c.first_seen_at,
    ITEM.c.updated_at, CLASSIFICATION.c.labels, CLASSIFICATION.c.scores,
)  # fmt: skip


def find_items(
    connection: Connection, wanted: ItemFilter, *, offset: int = 0, limit: int = 50
) -> tuple[list[dict[str, Any]], bool]:
    """One page of items, best match first for a text query and newest first otherwise; and
    whether more follow."""
    joined = ITEM.outerjoin(CLASSIFICATION, CLASSIFICATION.c.item_id == ITEM.c.id)
    query = select(*_LISTED)
    order: list[Any] = []
    long_terms = [term for term in wanted.text if all(len(alternative) >= _TRIGRAM for alternative in term)]
    conditions = _conditions(wanted)
    if long_terms and connection.dialect.name == "sqlite":
        matching = select(_FTS.c.rowid, _FTS.c.rank).where(literal_column("item_search").op("MATCH")(_fts_query(long_terms)))
        if len(long_terms) == len(wanted.text) and not conditions:
            # Nothing else filters: FTS5 picks the best pages itself, without joining every match first.
            matching = matching.order_by(_FTS.c.rank).limit(offset + limit + 1)
        hits = matching.subquery("hits")
        joined = joined.join(hits, hits.c.rowid == ITEM.c.id)
        order.append(hits.c.rank)
    elif long_terms:
        query = query.where(*(or_(*(_PG_TEXT.ilike(_like(a), escape="\\") for a in term)) for term in long_terms))
        first = long_terms[0]
        order.append(or_(*(ITEM.c.title.ilike(_like(a), escape="\\") for a in first)).desc())
    for term in wanted.text:
        if term not in long_terms:
            query = query.where(
                or_(*(or_(ITEM.c.title.contains(a, autoescape=True), ITEM.c.body.contains(a, autoescape=True)) for a in term))
            )
    query = query.select_from(joined).where(*conditions)
    rows = connection.execute(
        query.order_by(*order, ITEM.c.first_seen_at.desc(), ITEM.c.id.desc()).offset(offset).limit(limit + 1)
    ).all()
    items = [{**row._mapping, "labels": row.labels or [], "scores": row.scores or {}} for row in rows[:limit]]
    return items, len(rows) > limit


def _conditions(wanted: ItemFilter) -> list[Any]:
    conditions: list[Any] = []
    if wanted.category:
        # EXISTS, not IN: the newest items are read in index order until a page is full.
        labelled = select(ITEM_LABEL.c.item_id).where(ITEM_LABEL.c.item_id == ITEM.c.id, ITEM_LABEL.c.category == wanted.category)
        conditions.append(labelled.exists())
    if wanted.source_id:
        conditions.append(ITEM.c.source_id == wanted.source_id)
    if wanted.since is not None:
        conditions.append(ITEM.c.first_seen_at >= wanted.since)
    if wanted.until is not None:
        conditions.append(ITEM.c.first_seen_at < wanted.until)
    return conditions


def _fts_query(terms: Sequence[Term]) -> str:
    # Each alternative a quoted string: FTS5 then reads nothing in it as syntax.
    return " AND ".join("(" + " OR ".join('"' + a.replace('"', '""') + '"' for a in term) + ")" for term in terms)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def item_detail(connection: Connection, item_id: int) -> dict[str, Any] | None:
    """An item with its classification and its events, oldest first; None when there is none."""
    row = connection.execute(
        select(ITEM, CLASSIFICATION.c.labels, CLASSIFICATION.c.scores, CLASSIFICATION.c.evidence, CLASSIFICATION.c.facts,
               CLASSIFICATION.c.model, CLASSIFICATION.c.classified_at)
        .select_from(ITEM.outerjoin(CLASSIFICATION, CLASSIFICATION.c.item_id == ITEM.c.id))
        .where(ITEM.c.id == item_id)
    ).first()  # fmt: skip
    if row is None:
        return None
    events = connection.execute(
        select(EVENT.c.id, EVENT.c.kind, EVENT.c.created_at, EVENT.c.changes)
        .where(EVENT.c.item_id == item_id)
        .order_by(EVENT.c.id)
    )
    detail = dict(row._mapping)
    for key in ("labels", "scores", "evidence", "facts"):
        detail[key] = detail[key] or ([] if key == "labels" else {})
    detail["events"] = [dict(event._mapping) for event in events]
    return detail
