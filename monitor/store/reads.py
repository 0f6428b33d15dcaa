"""What the commands and the digest read: stored items with their labels, and the events of a window."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    func,
    select,
)

from monitor.items import LEAD_SOURCE_CHARACTERS
from monitor.store.database import CLASSIFICATION, EVENT, ITEM, ITEM_LABEL


def list_items(
    connection: Connection,
    *,
    category: str | None = None,
    since: datetime | None = None,
    source_id: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Stored items, newest first, with their labels."""
    query = (
        select(
            ITEM.c.id,
            ITEM.c.url,
            ITEM.c.link,
            ITEM.c.source_id,
            ITEM.c.title,
            ITEM.c.published_at,
            ITEM.c.first_seen_at,
            ITEM.c.updated_at,
            CLASSIFICATION.c.labels,
            CLASSIFICATION.c.scores,
            CLASSIFICATION.c.facts,
        )
        .select_from(ITEM.outerjoin(CLASSIFICATION, CLASSIFICATION.c.item_id == ITEM.c.id))
        .order_by(ITEM.c.first_seen_at.desc(), ITEM.c.id.desc())
        .limit(limit)
    )
    if category:
        labelled = select(ITEM_LABEL.c.item_id).where(ITEM_LABEL.c.category == category)
        query = query.where(ITEM.c.id.in_(labelled))
    if since is not None:
        query = query.where(ITEM.c.first_seen_at >= since)
    if source_id:
        query = query.where(ITEM.c.source_id == source_id)
    return [
        {**row._mapping, "labels": row.labels or [], "scores": row.scores or {}, "facts": row.facts or {}}
        for row in connection.execute(query)
    ]


def events_between(connection: Connection, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Events recorded in [start, end), oldest first, with their item and its classification."""
    query = (
        select(
            EVENT.c.kind, EVENT.c.source_id, EVENT.c.created_at, EVENT.c.changes,
            ITEM.c.id.label("item_id"), ITEM.c.title_raw, ITEM.c.link, ITEM.c.published_at, ITEM.c.lead,
            func.substr(ITEM.c.body_raw, 1, LEAD_SOURCE_CHARACTERS).label("body_opening"), ITEM.c.attributes,
            CLASSIFICATION.c.labels, CLASSIFICATION.c.scores, CLASSIFICATION.c.evidence, CLASSIFICATION.c.facts,
        )
        .select_from(EVENT.join(ITEM, ITEM.c.id == EVENT.c.item_id).outerjoin(CLASSIFICATION, CLASSIFICATION.c.item_id == ITEM.c.id))
        .where(EVENT.c.created_at >= start, EVENT.c.created_at < end)
        .order_by(EVENT.c.created_at, EVENT.c.id)
    )  # fmt: skip
    return [dict(row._mapping) for row in connection.execute(query)]
