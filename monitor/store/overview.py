"""Counts for the dashboard's charts: items first seen per JST day, by source or by category."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Connection, select

from monitor.jpdates import JST
from monitor.store.database import ITEM, ITEM_LABEL


def daily_counts(connection: Connection, end: datetime, days: int, by: Literal["source", "category"]) -> dict[str, list[int]]:
    """Per source (or category): how many items were first seen on each of the ``days`` JST days
    up to ``end``'s, oldest first."""
    last = end.astimezone(JST).date()
    first = last - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), JST)
    if by == "source":
        query = select(ITEM.c.source_id, ITEM.c.first_seen_at)
    else:
        query = select(ITEM_LABEL.c.category, ITEM.c.first_seen_at).select_from(
            ITEM_LABEL.join(ITEM, ITEM.c.id == ITEM_LABEL.c.item_id)
        )
    counts: Counter[tuple[str, int]] = Counter()
    for key, seen in connection.execute(query.where(ITEM.c.first_seen_at >= start)):
        counts[key, (seen.astimezone(JST).date() - first).days] += 1
    keys = sorted({key for key, _ in counts})
    return {key: [counts[key, day] for day in range(days)] for key in keys}
