"""The alert outbox: one row per event (or source-health notice) and channel, drained by the deliverer.

States: ``pending`` (not tried yet) → ``sending`` (claimed by a deliverer) → ``sent``; a failed
attempt goes to ``failed`` with the next attempt scheduled by exponential backoff with jitter;
after ``delivery.max_attempts`` the row is ``dead`` (dead-lettered, kept for ``outbox retry``).
A row whose channel refused as misconfigured (bad token, unknown channel) is ``held``, without
counting the attempt: it is tried again at the next start of a deliverer, after ``delivery.hold``
in a running one, or at once with ``deliver --now``.
A row left ``sending`` by a deliverer that died is *stale*: it is claimed apart, and the channel
is asked whether the message arrived (Slack: the outbox key in the message metadata) before it
is sent again.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, select, update

from alerts.states import DEAD, FAILED, HELD, PENDING, SENDING, SENT
from monitor.items import Notice, notice_kind
from monitor.models import OutboxRow
from monitor.store import insert_for, prepared

OUTBOX = OutboxRow.__table__


@dataclass(frozen=True)
class OutboxEntry:
    event_id: int | None
    item_id: int | None
    route: str
    channel: str
    notice: Notice

    @property
    def kind(self) -> str:
        return notice_kind(self.notice)


def outbox_key(event_id: int, channel: str) -> str:
    return f"{event_id}:{channel}"


def enqueue(connection: Connection, entries: Sequence[OutboxEntry], now: datetime) -> int:
    """Insert notices; a key already queued is skipped. Returns rows added."""
    if not entries:
        return 0
    rows = [
        {
            "key": entry.notice.key,
            "kind": entry.kind,
            "event_id": entry.event_id,
            "item_id": entry.item_id,
            "route": entry.route,
            "channel": entry.channel,
            "state": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "payload": entry.notice.to_json(),
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


def claim_due(
    connection: Connection,
    now: datetime,
    *,
    due_by: datetime,
    pass_started: datetime,
    limit: int,
    channels: Sequence[str],
    held_due_by: datetime | None = None,
) -> list[OutboxRow]:
    """Mark up to ``limit`` rows per channel due by ``due_by`` ``sending`` (oldest first) and return them.

    Held rows are due by ``held_due_by`` (a deliverer's first pass takes them all: the channel
    may have been fixed while it was down). A row already tried since ``pass_started`` waits for
    the next pass: one attempt per pass. The UPDATE repeats the claim condition, so a row is never
    handed to two deliverers.
    """
    not_tried_this_pass = OUTBOX.c.claimed_at.is_(None) | (OUTBOX.c.claimed_at < pass_started)
    condition = and_(due_condition(due_by, channels, held_due_by), not_tried_this_pass)
    return _claim(connection, condition, limit, {"state": SENDING, "claimed_at": now, "attempts": OUTBOX.c.attempts + 1})


def claim_stale(
    connection: Connection, now: datetime, *, stale_before: datetime, limit: int, channels: Sequence[str]
) -> list[OutboxRow]:
    """Rows left ``sending`` by a deliverer that died, claimed anew (still ``sending``). The dead
    deliverer's try counts as an attempt: the next one first looks for its message."""
    return _claim(
        connection, stale_condition(stale_before, channels), limit, {"claimed_at": now, "attempts": OUTBOX.c.attempts + 1}
    )


def due_condition(due_by: datetime, channels: Sequence[str], held_due_by: datetime | None = None) -> Any:
    """Rows of ``channels`` due for an attempt by ``due_by`` (held ones by ``held_due_by``)."""
    due = (OUTBOX.c.state.in_((PENDING, FAILED)) & (OUTBOX.c.next_attempt_at <= due_by)) | (
        (OUTBOX.c.state == HELD) & (OUTBOX.c.next_attempt_at <= (held_due_by or due_by))
    )
    return and_(due, OUTBOX.c.channel.in_(list(channels)))


def stale_condition(stale_before: datetime, channels: Sequence[str]) -> Any:
    """Rows of ``channels`` left ``sending`` since before ``stale_before`` by a deliverer that died."""
    return and_(OUTBOX.c.state == SENDING, OUTBOX.c.claimed_at < stale_before, OUTBOX.c.channel.in_(list(channels)))


def _claim(connection: Connection, condition: Any, limit: int, values: dict[str, Any]) -> list[OutboxRow]:
    """The oldest ``limit`` matching rows of each channel: a backlog in one channel does not keep
    the others out of the batch (the deliverer serves channels side by side)."""
    ranked = (
        select(OUTBOX.c.id, func.row_number().over(partition_by=OUTBOX.c.channel, order_by=OUTBOX.c.id).label("rank"))
        .where(condition)
        .subquery()
    )
    candidates = select(ranked.c.id).where(ranked.c.rank <= limit)
    claimed = connection.execute(
        update(OUTBOX).where(OUTBOX.c.id.in_(candidates.scalar_subquery()), condition).values(**values).returning(*OUTBOX.c)
    )
    return sorted((OutboxRow.model_validate(row._mapping) for row in claimed), key=lambda row: row.id or 0)


@dataclass(frozen=True)
class ThreadRoot:
    remote_ref: str | None  # the message an update replies to
    waiting: bool  # the item's first alert to this channel is not sent yet: the update waits for it


def thread_root(connection: Connection, row: OutboxRow) -> ThreadRoot:
    """Where an item's later alert to a channel goes: in the thread of its first alert there."""
    first = connection.execute(
        select(OUTBOX.c.state, OUTBOX.c.remote_ref)
        .where(OUTBOX.c.item_id == row.item_id, OUTBOX.c.channel == row.channel, OUTBOX.c.kind == "alert", OUTBOX.c.id < row.id)
        .order_by(OUTBOX.c.id)
        .limit(1)
    ).first()
    if first is None or first.state == DEAD:
        return ThreadRoot(None, False)
    if first.state == SENT:
        return ThreadRoot(first.remote_ref, False)
    return ThreadRoot(None, True)


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
) -> tuple[str, datetime]:
    """Schedule the next attempt, or dead-letter the row; returns the new state and when it is due."""
    if row.attempts >= max_attempts:
        state, next_attempt = DEAD, now
    else:
        delay = max(retry_after or 0.0, backoff_delay(row.attempts, backoff, max_backoff))
        state, next_attempt = FAILED, now + timedelta(seconds=delay)
    connection.execute(
        update(OUTBOX).where(OUTBOX.c.id == row.id).values(state=state, next_attempt_at=next_attempt, last_error=error[:2000])
    )
    return state, next_attempt


def release(connection: Connection, row: OutboxRow, reason: str, retry_at: datetime, *, state: str = PENDING) -> None:
    """Give a claimed row back without counting the attempt (``held``: its channel is on hold;
    ``pending``: it waits for its thread's first message, or the deliverer is stopping)."""
    connection.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id == row.id)
        .values(state=state, attempts=OUTBOX.c.attempts - 1, next_attempt_at=retry_at, last_error=reason[:2000])
    )


def backoff_delay(attempts: int, base: float, ceiling: float) -> float:
    """Exponential backoff with jitter: a random 50-100% of the doubled step, so retries spread out."""
    step = min(ceiling, base * 2 ** max(0, attempts - 1))
    return step * random.uniform(0.5, 1.0)


def list_rows(connection: Connection, *, states: Sequence[str], channel: str | None = None, limit: int = 100) -> list[OutboxRow]:
    query = select(OUTBOX).where(OUTBOX.c.state.in_(list(states))).order_by(OUTBOX.c.id.desc()).limit(limit)
    if channel:
        query = query.where(OUTBOX.c.channel == channel)
    return [OutboxRow.model_validate(row._mapping) for row in connection.execute(query)]


def retry(
    connection: Connection, now: datetime, *, states: Sequence[str], channel: str | None = None, ids: Sequence[int] = ()
) -> int:
    """Put dead-lettered (or failed) rows back in line with a fresh count of attempts. The count
    restarts at one, not zero: an earlier attempt may have posted, so the next one looks first."""
    condition = OUTBOX.c.state.in_(list(states))
    if channel:
        condition = and_(condition, OUTBOX.c.channel == channel)
    if ids:
        condition = and_(condition, OUTBOX.c.id.in_(list(ids)))
    result = connection.execute(
        update(OUTBOX).where(condition).values(state=PENDING, attempts=1, next_attempt_at=now, last_error=None)
    )
    return result.rowcount or 0
