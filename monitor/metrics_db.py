"""Gauges read from the database when Prometheus scrapes: the outbox's depth by channel and state,
the age of the oldest alert still waiting, and which sources are broken.

Computed at scrape time rather than kept in the process: the outbox is shared by every process on
the database (a deliverer elsewhere may have sent what this one queued), and a restart must not
reset a depth to zero. It costs one grouped query on the outbox, which skips sent rows through
the (state, next_attempt_at) index, and one read of the source table (one row per source).
A database that does not answer makes ``regwatch_database_up`` 0 instead of failing the scrape.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select

from alerts.outbox import OUTBOX
from alerts.states import DEAD, FAILED, HELD, PENDING, SENDING
from monitor.errors import StoreError
from monitor.jpdates import utcnow
from monitor.store import Store
from monitor.store.database import SOURCE

logger = logging.getLogger(__name__)

WAITING = (PENDING, SENDING, FAILED, HELD)  # not sent yet, and still meant to be
UNSENT = (*WAITING, DEAD)


class DatabaseGauges:
    """A prometheus_client collector; ``channels``: the configured ones, shown at 0 when empty
    (an alert rule on a series that does not exist never fires)."""

    def __init__(self, store: Store, channels: Sequence[str]) -> None:
        self._store = store
        self._channels = list(channels)

    def describe(self) -> list[Metric]:
        return list(families())

    def collect(self) -> Iterator[Metric]:
        depth, oldest, broken, failures, up = families()
        try:
            with self._store.read() as connection:
                outbox = connection.execute(
                    select(OUTBOX.c.channel, OUTBOX.c.state, func.count(), func.min(OUTBOX.c.created_at))
                    .where(OUTBOX.c.state.in_(UNSENT))
                    .group_by(OUTBOX.c.channel, OUTBOX.c.state)
                ).all()
                sources = connection.execute(
                    select(SOURCE.c.id, SOURCE.c.health, SOURCE.c.consecutive_failures).where(SOURCE.c.enabled)
                ).all()
        except StoreError as exc:
            logger.debug("metrics: the database did not answer: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        now = utcnow()
        counts = {(channel, state): 0 for channel in self._channels for state in UNSENT}
        first_waiting: dict[str, datetime] = {}
        for channel, state, count, created_at in outbox:
            counts[(channel, state)] = count
            if state in WAITING and created_at is not None:
                first_waiting[channel] = min(created_at, first_waiting.get(channel, created_at))
        for (channel, state), count in sorted(counts.items()):
            depth.add_metric([channel, state], count)
        for channel in sorted({channel for channel, _ in counts}):
            started = first_waiting.get(channel)
            oldest.add_metric([channel], max(0.0, (now - started).total_seconds()) if started else 0.0)
        for source_id, health, consecutive_failures in sources:
            broken.add_metric([source_id], 1 if health == "broken" else 0)
            failures.add_metric([source_id], consecutive_failures)
        yield from (depth, oldest, broken, failures, up)


def families() -> tuple[GaugeMetricFamily, ...]:
    """The gauges, empty: what ``describe`` promises and what rules and dashboards may name."""
    return (
        GaugeMetricFamily(
            "regwatch_outbox_alerts",
            "Alerts in the outbox not sent yet, by channel and state (pending, sending, failed, held, dead).",
            labels=["channel", "state"],
        ),
        GaugeMetricFamily(
            "regwatch_outbox_oldest_age_seconds",
            "Age of the oldest alert of a channel still waiting to be sent (pending, sending, failed or held); 0 when none.",
            labels=["channel"],
        ),
        GaugeMetricFamily(
            "regwatch_source_broken",
            "1 when the source is broken (the operators were told by a source_broken notice), else 0.",
            labels=["source"],
        ),
        GaugeMetricFamily(
            "regwatch_source_failures_in_a_row",
            "Polls of the source that failed in a row (0 after a success).",
            labels=["source"],
        ),
        GaugeMetricFamily("regwatch_database_up", "1 when the database answered this scrape's queries, else 0."),
    )
