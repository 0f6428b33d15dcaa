"""The alert outbox: one row per event and channel, drained by the deliverer.

States: ``pending`` (not tried yet) → ``sending`` (claimed by a deliverer) → ``sent``; a failed
attempt goes to ``failed`` with the next attempt scheduled by exponential backoff with jitter;
after ``delivery.max_attempts`` the row is ``dead`` (dead-lettered, kept for ``outbox retry``).
A row left ``sending`` by a crashed deliverer is claimed again once its claim is stale.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from monitor.items import Alert
from monitor.models import OutboxRow
from monitor.store import insert_for, prepared

OUTBOX = OutboxRow.__table__
PENDING, SENDING, SENT, FAILED, DEAD = "pending", "sending", "sent", "failed", "dead"


@dataclass(frozen=True)
class OutboxEntry:
    event_id: int
    item_id: int
    route: str
    channel: str
    alert: Alert


def outbox_key(event_id: int, channel: str) -> str:
    return f"{event_id}:{channel}"


def enqueue(connection: Connection, entries: Sequence[OutboxEntry], now: datetime) -> int:
    """Insert alerts; an (event, channel) pair already queued is skipped. Returns rows added."""
    if not entries:
        return 0
    rows = [
        {
            "key": outbox_key(entry.event_id, entry.channel),
            "event_id": entry.event_id,
            "item_id": entry.item_id,
            "route": entry.route,
            "channel": entry.channel,
            "state": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "payload": entry.alert.to_json(),
            "created_at": now,
        }
        for entry in entries
    ]
    statement = prepared(
        connection,
        "enqueue",
        lambda c: insert_for(c, OUTBOX).on_conflict_do_nothing(index_elements=["key"]).returning(OUTBOX.c.id),
    )
    return len(connection.execute(statement, rows).all())


def _claimable(due_by: datetime, stale_before: datetime, pass_started: datetime) -> Any:
    not_tried_this_pass = OUTBOX.c.claimed_at.is_(None) | (OUTBOX.c.claimed_at < pass_started)
    return or_(
        and_(OUTBOX.c.state.in_((PENDING, FAILED)), OUTBOX.c.next_attempt_at <= due_by, not_tried_this_pass),
        and_(OUTBOX.c.state == SENDING, OUTBOX.c.claimed_at < stale_before),
    )


def claim_due(
    connection: Connection,
    now: datetime,
    *,
    due_by: datetime,
    pass_started: datetime,
    limit: int,
    stale_before: datetime,
    channels: Sequence[str] | None = None,
) -> list[OutboxRow]:
    """Mark up to ``limit`` rows due by ``due_by`` ``sending`` (oldest first) and return them.

    A row already tried since ``pass_started`` waits for the next pass: one attempt per pass.
    The UPDATE repeats the claim condition, so a row is never handed to two deliverers.
    """
    condition = _claimable(due_by, stale_before, pass_started)
    if channels is not None:
        condition = and_(condition, OUTBOX.c.channel.in_(list(channels)))
    candidates = select(OUTBOX.c.id).where(condition).order_by(OUTBOX.c.id).limit(limit)
    claimed = connection.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id.in_(candidates.scalar_subquery()), condition)
        .values(state=SENDING, claimed_at=now, attempts=OUTBOX.c.attempts + 1)
        .returning(*OUTBOX.c)
    )
    return sorted((OutboxRow.model_validate(row._mapping) for row in claimed), key=lambda row: row.id or 0)


def mark_sent(connection: Connection, row_id: int, now: datetime, remote_ref: str | None) -> None:
    connection.execute(
        update(OUTBOX).where(OUTBOX.c.id == row_id).values(state=SENT, sent_at=now, remote_ref=remote_ref, last_error=None)
    )


def mark_failed(
    connection: Connection,
    row: OutboxRow,
    now: datetime,
    error: str,
    *,
    max_attempts: int,
    backoff: float,
    max_backoff: float,
    retry_after: float | None = None,
) -> str:
    """Schedule the next attempt, or dead-letter the row; returns the new state."""
    if row.attempts >= max_attempts:
        state, next_attempt = DEAD, now
    else:
        state, next_attempt = (
            FAILED,
            now + timedelta(seconds=max(retry_after or 0.0, backoff_delay(row.attempts, backoff, max_backoff))),
        )
    connection.execute(
        update(OUTBOX).where(OUTBOX.c.id == row.id).values(state=state, next_attempt_at=next_attempt, last_error=error[:2000])
    )
    return state


def release(connection: Connection, row: OutboxRow, error: str, retry_at: datetime) -> None:
    """Give a claimed row back without counting the attempt (its channel is on hold)."""
    connection.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id == row.id)
        .values(state=PENDING, attempts=OUTBOX.c.attempts - 1, next_attempt_at=retry_at, last_error=error[:2000])
    )


def backoff_delay(attempts: int, base: float, ceiling: float) -> float:
    """Exponential backoff with jitter: a random 50-100% of the doubled step, so retries spread out."""
    step = min(ceiling, base * 2 ** max(0, attempts - 1))
    return step * random.uniform(0.5, 1.0)
