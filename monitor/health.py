"""Source health: a source that keeps failing, or stops listing items, is broken; the operators
hear when it breaks and when it recovers (through the outbox, like any alert)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from alerts.outbox import OutboxEntry, enqueue
from monitor.config import Config
from monitor.items import HealthKind, HealthNotice
from monitor.models import SourceRow

SOURCE = SourceRow.__table__


@dataclass(frozen=True)
class HealthPolicy:
    failures: int
    empty_polls: int
    channels: tuple[str, ...]
    names: Mapping[str, str]  # source id → name shown to operators

    @classmethod
    def from_config(cls, config: Config) -> HealthPolicy:
        return cls(
            config.health.failures,
            config.health.empty_polls,
            tuple(config.health.channels),
            config.source_names,
        )


@dataclass(frozen=True)
class SourceHealth:
    id: str
    health: str
    consecutive_failures: int
    consecutive_empty: int
    items_seen: int
    last_error: str | None
    broken_since: datetime | None


@dataclass(frozen=True)
class Transition:
    source_id: str
    kind: HealthKind
    reason: str
    since: datetime


def transitions(sources: Sequence[SourceHealth], policy: HealthPolicy, now: datetime) -> list[Transition]:
    """Which sources just broke or recovered (pure)."""
    found: list[Transition] = []
    for source in sources:
        if source.health != "broken":
            reason = broken_reason(source, policy)
            if reason:
                found.append(Transition(source.id, "source_broken", reason, now))
        elif source.consecutive_failures == 0 and source.consecutive_empty == 0:
            found.append(
                Transition(source.id, "source_recovered", "polls succeed and list items again", source.broken_since or now)
            )
    return found


def broken_reason(source: SourceHealth, policy: HealthPolicy) -> str | None:
    if source.consecutive_failures >= policy.failures:
        return f"failed {source.consecutive_failures} polls in a row; last error: {source.last_error or 'unknown'}"
    if source.consecutive_empty >= policy.empty_polls and source.items_seen > 0:
        return f"listed no item in {source.consecutive_empty} polls in a row, though it listed {source.items_seen} before"
    return None


def check(connection: Connection, source_ids: Sequence[str], policy: HealthPolicy, now: datetime) -> list[Transition]:
    """Record the sources' new health and queue a notice for each change."""
    if not source_ids:
        return []
    rows = connection.execute(
        select(
            SOURCE.c.id, SOURCE.c.health, SOURCE.c.consecutive_failures, SOURCE.c.consecutive_empty, SOURCE.c.items_seen,
            SOURCE.c.last_error, SOURCE.c.broken_since,
        ).where(SOURCE.c.id.in_(list(source_ids)))
    )  # fmt: skip
    changes = transitions([SourceHealth(*row) for row in rows], policy, now)
    entries: list[OutboxEntry] = []
    for change in changes:
        broken = change.kind == "source_broken"
        connection.execute(
            update(SOURCE)
            .where(SOURCE.c.id == change.source_id)
            .values(
                health="broken" if broken else "ok",
                broken_since=change.since if broken else None,
                broken_reason=change.reason if broken else None,
            )
        )
        key = f"health:{change.source_id}:{change.since.isoformat()}:{change.kind}"
        notice = HealthNotice(
            key, change.kind, change.source_id, policy.names.get(change.source_id, change.source_id), change.reason, change.since
        )
        entries += [OutboxEntry(None, None, "health", channel, notice) for channel in policy.channels]
    enqueue(connection, entries, now)
    return changes
