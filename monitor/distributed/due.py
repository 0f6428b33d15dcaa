"""What the scheduler of distributed mode reads each tick: the sources due for a poll that have
no poll job waiting or running, whether alerts wait for delivery, whether a digest is due."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, column, exists, func, literal_column, or_, select, table

from alerts import outbox
from alerts.digest import Digests
from monitor.distributed.queue import POLL_LOCK_PREFIX
from monitor.store.database import SOURCE
from monitor.store.sources import due_condition

# procrastinate's jobs table, as far as the scheduler reads it.
JOBS = table("procrastinate_jobs", column("queueing_lock"), column("status"))
# Untyped SQL literals: PostgreSQL reads them as the status enum (a bound varchar would not compare).
_TODO, _DOING = literal_column("'todo'"), literal_column("'doing'")


def sources_to_queue(connection: Connection, now: datetime, limit: int) -> list[str]:
    """Enabled sources that are due, not leased, and have no poll job waiting or running, oldest
    due first. The jobs are read once (an anti-join on their queueing locks), not per source. A
    source whose poller died is due again once its job was found stalled (or its lease expired)."""
    queued = select(func.substr(JOBS.c.queueing_lock, len(POLL_LOCK_PREFIX) + 1)).where(
        JOBS.c.status.in_([_TODO, _DOING]), JOBS.c.queueing_lock.like(f"{POLL_LOCK_PREFIX}%")
    )
    due = and_(due_condition(now), SOURCE.c.id.not_in(queued))
    return list(connection.execute(select(SOURCE.c.id).where(due).order_by(SOURCE.c.next_due_at).limit(limit)).scalars())


def alerts_waiting(connection: Connection, now: datetime, claim_timeout: float, channels: Sequence[str]) -> bool:
    """Whether an alert of ``channels`` is due, or was left ``sending`` by a deliverer that died (the
    delivery job looks it up in its channel before sending it): what a delivery job would claim."""
    stale_before = now - timedelta(seconds=claim_timeout)
    due = or_(outbox.due_condition(now, channels), outbox.stale_condition(stale_before, channels))
    return bool(connection.execute(select(exists().where(due))).scalar())


def digest_due(connection: Connection, now: datetime, digests: Digests) -> bool:
    """Whether a digest waits to be sent (or retried, or was left ``sending`` by a dead process)."""
    return bool(connection.execute(select(exists().where(digests.due_condition(now)))).scalar())
