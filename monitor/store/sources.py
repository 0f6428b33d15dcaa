"""Sources in the database: synced from the config, leased by one poller at a time, and the
outcome and page validators of each poll."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    update,
)

from monitor.errors import StoreError
from monitor.models import SourceRow
from monitor.store.bulk import BulkInsert
from monitor.store.database import FETCH_STATE, ITEM, SOURCE, Store, insert_for, one_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClaimedSource:
    """A leased source with what its poll needs: baseline, failure count, page validators, and
    whether some of its items' detail pages are due to be tried again."""

    id: str
    baseline_at: datetime | None
    consecutive_failures: int
    validators: dict[str, tuple[str | None, str | None]]  # page URL → (ETag, Last-Modified)
    detail_retry_due: bool = False


def sync_sources(connection: Connection, sources: Iterable[tuple[str, str, str, bool]], now: datetime) -> None:
    """Make the source table match the config: (id, kind, url, enabled); new sources are due now."""
    rows = [{"id": sid, "kind": kind, "url": url, "enabled": enabled, "next_due_at": now} for sid, kind, url, enabled in sources]
    configured = {row["id"] for row in rows}
    if rows:
        statement = insert_for(connection, SOURCE)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["id"],
                set_={"kind": statement.excluded.kind, "url": statement.excluded.url, "enabled": statement.excluded.enabled},
            ),
            rows,
        )
    connection.execute(update(SOURCE).where(SOURCE.c.id.not_in(configured)).values(enabled=False))


def _lease_free(now: datetime) -> ColumnElement[bool]:
    return SOURCE.c.lease_until.is_(None) | (SOURCE.c.lease_until < now)


def due_condition(now: datetime) -> ColumnElement[bool]:
    """A source due for a poll: enabled, its next poll's time come, and leased by nobody."""
    return and_(SOURCE.c.enabled.is_(True), SOURCE.c.next_due_at <= now, _lease_free(now))


def claim_sources(
    connection: Connection,
    now: datetime,
    *,
    owner: str,
    lease_until: datetime,
    limit: int,
    ids: Sequence[str] | None = None,
    due_only: bool = True,
    reclaim: Sequence[str] = (),
) -> list[ClaimedSource]:
    """Lease up to ``limit`` enabled sources (due ones only, unless ``due_only`` is False).

    The UPDATE re-checks the lease, so two processes never hold the same source. ``reclaim``:
    sources ``owner`` leased itself whose polls could not be recorded (the database was away);
    they are free to it again at once, instead of when their leases expire.
    """
    free = _lease_free(now)
    condition = due_condition(now) if due_only else and_(SOURCE.c.enabled.is_(True), free)
    if reclaim:
        free = free | and_(SOURCE.c.lease_owner == owner, SOURCE.c.id.in_(list(reclaim)))
        condition = or_(condition, and_(SOURCE.c.enabled.is_(True), SOURCE.c.id.in_(list(reclaim)), free))
    parameters: dict[str, list[str]] = {}
    if ids is not None:
        # The service names every configured source that is not busy: one bound list, not an IN
        # of a thousand literals prepared again (and kept by SQLite) whenever the busy set changes.
        condition = and_(condition, one_of(connection, SOURCE.c.id, "ids"))
        parameters["ids"] = list(ids)
    candidates = select(SOURCE.c.id).where(condition).order_by(SOURCE.c.next_due_at).limit(limit)
    claimed = connection.execute(
        update(SOURCE)
        .where(SOURCE.c.id.in_(candidates.scalar_subquery()), free)
        .values(lease_until=lease_until, lease_owner=owner, last_attempt_at=now)
        .returning(SOURCE.c.id, SOURCE.c.baseline_at, SOURCE.c.consecutive_failures),
        parameters,
    ).all()
    if not claimed:
        return []
    validators: dict[str, dict[str, tuple[str | None, str | None]]] = {row.id: {} for row in claimed}
    pages = select(FETCH_STATE.c.source_id, FETCH_STATE.c.url, FETCH_STATE.c.etag, FETCH_STATE.c.last_modified)
    for page in connection.execute(pages.where(FETCH_STATE.c.source_id.in_(list(validators)))):
        validators[page.source_id][page.url] = (page.etag, page.last_modified)
    retry_due = set(
        connection.execute(
            select(ITEM.c.source_id)
            .where(ITEM.c.detail_retry_at <= now, ITEM.c.source_id.in_(list(validators)))
            .group_by(ITEM.c.source_id)
        ).scalars()
    )
    return [
        ClaimedSource(row.id, row.baseline_at, row.consecutive_failures, validators[row.id], row.id in retry_due)
        for row in claimed
    ]


def give_back_sources(database: Store, source_ids: Sequence[str], owner: str) -> None:
    """``release_sources`` in a transaction of its own; a database away only delays the sources
    (their leases expire on their own), so it is said, not raised."""
    try:
        with database.begin() as connection:
            release_sources(connection, source_ids, owner)
    except StoreError as exc:
        logger.warning("could not give back %s (%s): their leases expire on their own", ", ".join(source_ids), exc)


def release_sources(connection: Connection, source_ids: Sequence[str], owner: str) -> None:
    """End the leases of sources whose poll was abandoned (the service is stopping): they are due
    again at once for the next poller instead of waiting for the lease to expire."""
    if source_ids:
        connection.execute(
            update(SOURCE)
            .where(SOURCE.c.id.in_(list(source_ids)), SOURCE.c.lease_owner == owner)
            .values(lease_until=None, lease_owner=None)
        )


def source_row(connection: Connection, source_id: str) -> SourceRow:
    row = connection.execute(select(SOURCE).where(SOURCE.c.id == source_id)).one()
    return SourceRow.model_validate(row._mapping)


def _release(**values: Any) -> Any:
    """UPDATE that ends a source's lease and schedules its next poll, setting ``values`` too."""
    release = {"lease_until": None, "lease_owner": None, "next_due_at": bindparam("next_due_at")}
    return update(SOURCE).where(SOURCE.c.id == bindparam("source_id")).values(**release, **values)


_FINISH_SUCCESS = _release(
    last_success_at=bindparam("now"),
    last_error=None,
    consecutive_failures=0,
    baseline_at=func.coalesce(SOURCE.c.baseline_at, bindparam("now")),
    last_item_count=func.coalesce(bindparam("item_count", type_=Integer), SOURCE.c.last_item_count),
    # Each poll that finds the source listing nothing counts toward "broken"; a 304 (no count)
    # means the page is as it was, so it lists what it listed last time.
    consecutive_empty=case(
        (func.coalesce(bindparam("item_count", type_=Integer), SOURCE.c.last_item_count) == 0, SOURCE.c.consecutive_empty + 1),
        else_=0,
    ),
    items_seen=SOURCE.c.items_seen + bindparam("new_items"),
)
_FINISH_FAILURE = _release(last_error=bindparam("error"), consecutive_failures=SOURCE.c.consecutive_failures + 1)


def finish_sources(connection: Connection, finished: Sequence[dict[str, Any]]) -> None:
    """Release sources after a successful poll (dicts: source_id, next_due_at, now, item_count, new_items;
    a source whose pages all answered 304 has item_count None and new_items 0), in one statement.

    The first success marks a source's baseline: from then on what it lists is news.
    """
    if finished:
        connection.execute(_FINISH_SUCCESS, list(finished))


def finish_failure(connection: Connection, source_id: str, *, next_due_at: datetime, error: str) -> None:
    connection.execute(_FINISH_FAILURE, {"source_id": source_id, "next_due_at": next_due_at, "error": error[:2000]})


def save_fetch_states(connection: Connection, states: Sequence[dict[str, Any]]) -> None:
    """Upsert conditional-GET state: dicts with url, source_id, etag, last_modified, last_status, fetched_at."""
    _SAVE_FETCH_STATES.execute(connection, states)


_SAVE_FETCH_STATES = BulkInsert(
    FETCH_STATE, conflict=["url"], update=["source_id", "etag", "last_modified", "last_status", "fetched_at"]
)


def source_rows(connection: Connection) -> list[SourceRow]:
    return [SourceRow.model_validate(row._mapping) for row in connection.execute(select(SOURCE).order_by(SOURCE.c.id))]
