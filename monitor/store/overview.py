"""Counts for the dashboard's charts: items first seen per JST day, by source or by category,
counted by the database (a chart over many thousand items must not read them all)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, Date, cast, func, literal_column, select

from monitor.jpdates import JST, jst_date_start
from monitor.store.database import ITEM, ITEM_LABEL


def daily_counts(connection: Connection, end: datetime, days: int, by: Literal["source", "category"]) -> dict[str, list[int]]:
    """Per source (or category): how many items were first seen on each of the ``days`` JST days
    up to ``end``'s, oldest first."""
    first = end.astimezone(JST).date() - timedelta(days=days - 1)
    start = jst_date_start(first)
    key = ITEM.c.source_id if by == "source" else ITEM_LABEL.c.category
    day = _jst_day(connection)
    query = select(key, day, func.count()).where(ITEM.c.first_seen_at >= start).group_by(key, day)
    if by == "category":
        query = query.select_from(ITEM_LABEL.join(ITEM, ITEM.c.id == ITEM_LABEL.c.item_id))
    counts: dict[str, list[int]] = {}
    for name, seen, count in connection.execute(query):
        offset = ((seen if isinstance(seen, date) else date.fromisoformat(seen)) - first).days
        if 0 <= offset < days:
            counts.setdefault(name, [0] * days)[offset] += count
    return dict(sorted(counts.items()))


def _jst_day(connection: Connection) -> Any:
    if connection.dialect.name == "postgresql":
        return cast(func.timezone("Asia/Tokyo", ITEM.c.first_seen_at), Date).label("day")
    return func.date(ITEM.c.first_seen_at, literal_column("'+9 hours'")).label("day")
