"""What the dashboard reads: items found by filters and free text (ranked), and one item whole.

Free text is a list of terms that must all occur, each a tuple of alternatives (a company's names).
SQLite answers from the FTS5 trigram table ``item_search`` (bm25 ranks it); PostgreSQL from
ILIKE over title and body, which its pg_trgm indexes serve, and ranks the items whose title holds
the first term first. A term shorter than a trigram is matched by a plain substring test on
either database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Subquery,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    union_all,
)

from monitor.store.database import CLASSIFICATION, EVENT, ITEM, ITEM_LABEL

Term = tuple[str, ...]  # alternatives: any one of them matches
_FTS = table("item_search", column("rowid"), column("rank"))
_TRIGRAM = 3
# The expression of PostgreSQL's trigram index (migration 0005), written the same way so it is used.
_PG_TEXT = literal_column("(item.title || ' ' || item.body)")
_NEWEST = (ITEM.c.first_seen_at.desc(), ITEM.c.id.desc())


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
    """One page of items, best match first for a text query (equal matches newest first) and newest
    first otherwise; and whether more follow."""
    if connection.dialect.name == "postgresql":
        # A plan made for these very words and filters: how common they are decides between
        # reading the newest items in order and an index, and psycopg prepares a statement run
        # five times, after which PostgreSQL may plan it once for any words (ten times slower).
        connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
    query = select(*_LISTED).select_from(ITEM.outerjoin(CLASSIFICATION, CLASSIFICATION.c.item_id == ITEM.c.id))
    order: list[Any] = []
    long_terms = [term for term in wanted.text if all(len(alternative) >= _TRIGRAM for alternative in term)]
    short_terms = [term for term in wanted.text if term not in long_terms]
    if long_terms and connection.dialect.name == "sqlite":
        hits = _ranked_hits(wanted, long_terms, short_terms)
        query = query.join(hits, hits.c.id == ITEM.c.id).where(hits.c.place <= offset + limit + 1)
        order.append(hits.c.rank)
    elif long_terms:
        hits = _title_first_hits(wanted, long_terms, short_terms, offset + limit + 1)
        query = query.join(hits, hits.c.id == ITEM.c.id)
        order.append(hits.c.rank)
    else:
        query = query.where(*_label_conditions(wanted, ITEM.c.id), *_item_conditions(wanted, short_terms))
    rows = connection.execute(query.order_by(*order, *_NEWEST).offset(offset).limit(limit + 1)).all()
    items = [{**row._mapping, "labels": row.labels or [], "scores": row.scores or {}} for row in rows[:limit]]
    return items, len(rows) > limit


def _ranked_hits(wanted: ItemFilter, long_terms: Sequence[Term], short_terms: Sequence[Term]) -> Subquery:
    """The FTS matches that pass every filter, each with its bm25 rank and its place in rank order
    (ties share a place). The page's rows all have a place no greater than offset + limit + 1, so
    only those are joined to their items: reading every match's item row was most of the time."""
    # ``rowid + 0``: a bare rowid lets SQLite drive the join from the other side and run the full
    # text query once per row it probes, which takes seconds. ``rank + 0`` keeps FTS5 from
    # sorting by rank itself, slower than the window's sort.
    match_id = _FTS.c.rowid + 0
    ranked = select(match_id.label("id"), _FTS.c.rank, func.rank().over(order_by=_FTS.c.rank + 0).label("place")).where(
        literal_column("item_search").op("MATCH")(_fts_query(long_terms)), *_label_conditions(wanted, match_id)
    )
    item_conditions = _item_conditions(wanted, short_terms)
    if item_conditions:
        ranked = ranked.join_from(_FTS, ITEM, ITEM.c.id == match_id).where(*item_conditions)
    return ranked.subquery("hits")


def _title_first_hits(wanted: ItemFilter, long_terms: Sequence[Term], short_terms: Sequence[Term], page_end: int) -> Subquery:
    """PostgreSQL's matches that pass every filter, ranked 0 when the title holds the first term
    and 1 otherwise, the first ``page_end`` of each rank newest first. Those of rank 1 are read only
    when rank 0 has fewer: a common word's page is then found among the newest few hundred items,
    where ranking every match took reading them all (200 ms for 28,000). The title's own trigram
    index (migration 0007) finds rank 0 of a word that is common in bodies and rare in titles."""
    filters = [*_label_conditions(wanted, ITEM.c.id), *_item_conditions(wanted, short_terms)]
    in_text = [or_(*(_PG_TEXT.ilike(_like(a), escape="\\") for a in term)) for term in long_terms]
    in_title = or_(*(ITEM.c.title.ilike(_like(a), escape="\\") for a in long_terms[0]))
    # Where the title holds the first term, title and body together hold it too: testing both
    # costs a second ILIKE and makes PostgreSQL expect a fraction of the matches (as if unrelated).
    titled = select(ITEM.c.id, literal(0).label("rank")).where(*filters, in_title, *in_text[1:])
    titled = titled.order_by(*_NEWEST).limit(page_end).cte("titled")
    # An uncorrelated condition: PostgreSQL tests it once, before reading any item for rank 1.
    titled_fall_short = select(func.count()).select_from(titled).scalar_subquery() < page_end
    others = select(ITEM.c.id, literal(1).label("rank")).where(*filters, *in_text, ~in_title, titled_fall_short)
    return union_all(select(titled), others.order_by(*_NEWEST).limit(page_end)).subquery("hits")


def _label_conditions(wanted: ItemFilter, item_id: ColumnElement[Any]) -> list[Any]:
    if not wanted.category:
        return []
    # EXISTS, not IN: the newest items are read in index order until a page is full, and SQLite
    # would run the text query once per labelled item to test an FTS rowid IN them (a minute).
    labelled = select(ITEM_LABEL.c.item_id).where(ITEM_LABEL.c.item_id == item_id, ITEM_LABEL.c.category == wanted.category)
    return [labelled.exists()]


def _item_conditions(wanted: ItemFilter, short_terms: Sequence[Term]) -> list[Any]:
    """The filters on an item's own columns; a term shorter than a trigram as a substring."""
    conditions: list[Any] = [
        or_(*(or_(ITEM.c.title.contains(a, autoescape=True), ITEM.c.body.contains(a, autoescape=True)) for a in term))
        for term in short_terms
    ]
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
