"""robots.txt kept across processes: what the fetcher last read from each origin, and when.

The fetcher (monitor.robots) asks here before it asks the host, so a ``poll --once`` run by cron,
a restarted service and every worker of a distributed deployment share one read per origin per
``fetch.robots_ttl`` (6 hours by default; RFC 9309 §2.4 asks crawlers for no more than a day).
The reader's own ``robots_ttl`` decides how old a kept one may be: lowering it takes effect at
once. Only answers worth keeping are kept: rules, or no rules; a robots.txt the host could not
serve is asked for again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from monitor.errors import StoreError
from monitor.jpdates import utcnow
from monitor.models import RobotsTxtRow
from monitor.store.database import Store, insert_for, one_of

logger = logging.getLogger(__name__)

ROBOTS_TXT = RobotsTxtRow.__table__


def kept_robots(connection: Connection, origins: list[str], read_since: datetime) -> dict[str, tuple[str | None, datetime]]:
    """Of these origins, those whose robots.txt was read since ``read_since``: its text (None: no
    rules) and when it was read."""
    query = select(ROBOTS_TXT.c.origin, ROBOTS_TXT.c.text, ROBOTS_TXT.c.fetched_at).where(
        one_of(connection, ROBOTS_TXT.c.origin, "origins"), ROBOTS_TXT.c.fetched_at > read_since
    )
    return {row.origin: (row.text, row.fetched_at) for row in connection.execute(query, {"origins": origins})}


def keep_robots(connection: Connection, origin: str, text: str | None, now: datetime) -> None:
    statement = insert_for(connection, ROBOTS_TXT).values(origin=origin, text=text, fetched_at=now)
    connection.execute(statement.on_conflict_do_update(index_elements=["origin"], set_={"text": text, "fetched_at": now}))


class StoredRobots:
    """monitor.robots.RobotsMemory on the database. A database that cannot be read or written only
    costs a request for robots.txt: it is said in the debug log, never raised."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def recall(self, origins: list[str], max_age: float) -> dict[str, tuple[str | None, float]]:
        now = utcnow()
        try:
            kept = await self._store.in_thread(self._read, origins, now - timedelta(seconds=max_age))
        except StoreError as exc:
            logger.debug("robots.txt not read from the database (%s): asking the hosts", exc)
            return {}
        return {origin: (text, max(0.0, (now - fetched_at).total_seconds())) for origin, (text, fetched_at) in kept.items()}

    async def keep(self, origin: str, text: str | None) -> None:
        try:
            await self._store.in_thread(self._write, origin, text)
        except StoreError as exc:
            logger.debug("robots.txt of %s not kept in the database (%s)", origin, exc)

    def _read(self, origins: list[str], read_since: datetime) -> dict[str, tuple[str | None, datetime]]:
        with self._store.read() as connection:
            return kept_robots(connection, origins, read_since)

    def _write(self, origin: str, text: str | None) -> None:
        with self._store.begin() as connection:
            keep_robots(connection, origin, text, utcnow())
