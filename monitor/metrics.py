"""Prometheus metrics of what regwatch does in this process: polls, fetches, items, alerts,
deliveries, scheduler ticks and the classifier. The outbox and source gauges are read from the
database at scrape time (monitor.metrics_db); the HTTP endpoint is monitor.metrics_server.

The metrics live in a registry of regwatch's own, not prometheus_client's global one: tests read
values from it, and a library that registers metrics globally cannot collide with these names.
Recording costs a dictionary lookup and a lock per call; nothing here touches the database.

Counters recorded while a transaction is open (items and alerts queued) are published only once
it committed (``Tally``): a batch the database refused and that is written again one outcome at a
time must not count twice.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)
UNCATEGORIZED = "none"  # the category label of an item no category claimed

POLLS = Counter(
    "regwatch_polls",
    "Polls of a source, by outcome: ok, failed (the source's error), unrecorded (the database was away).",
    ["source", "outcome"],
    registry=REGISTRY,
)
LIST_PAGES = Counter(
    "regwatch_list_pages",
    "List pages requested by polls (conditional GETs), 304s included.",
    ["source"],
    registry=REGISTRY,
)
LIST_PAGES_NOT_MODIFIED = Counter(
    "regwatch_list_pages_not_modified",
    "List pages answered 304 Not Modified; divided by regwatch_list_pages_total it is the 304 ratio.",
    ["source"],
    registry=REGISTRY,
)
FETCH_DURATION = Histogram(
    "regwatch_fetch_duration_seconds",
    "HTTP requests to sources (lists, detail pages, robots.txt), from sending to a complete answer or a failure.",
    ["host"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 60.0),
    registry=REGISTRY,
)
ITEMS = Counter(
    "regwatch_items",
    f"New and updated items recorded with an event, by category ({UNCATEGORIZED!r}: no category) and event.",
    ["category", "event"],
    registry=REGISTRY,
)
ALERTS_QUEUED = Counter(
    "regwatch_alerts_queued",
    "Alerts written to the outbox, by category and channel (an alert of two categories counts in both).",
    ["category", "channel"],
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "regwatch_deliveries",
    "Delivery attempts by channel and outcome: sent, recovered (found already posted), failed (retried later), "
    "dead (dead-lettered), held (channel misconfigured), deferred (waits for its thread's first message).",
    ["channel", "outcome"],
    registry=REGISTRY,
)
LAST_TICK = Gauge(
    "regwatch_last_tick_timestamp_seconds",
    "Unix time of the scheduler's last tick (it looks for due sources every [service] tick); a worker's: its last heartbeat.",
    registry=REGISTRY,
)
CLASSIFIER_LATENCY = Histogram(
    "regwatch_classifier_latency_seconds",
    "Time to classify one item (a batch's time shared among its items).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)


def polled(source_id: str, outcome: str, *, pages: int, not_modified: int) -> None:
    POLLS.labels(source_id, outcome).inc()
    if pages:
        LIST_PAGES.labels(source_id).inc(pages)
    if not_modified:
        LIST_PAGES_NOT_MODIFIED.labels(source_id).inc(not_modified)


@functools.cache
def fetch_duration(host: str) -> Callable[[float], None]:
    """What records a request to ``host``'s duration, its label looked up once per host."""
    return FETCH_DURATION.labels(host).observe


def delivered(channel: str, outcome: str) -> None:
    DELIVERIES.labels(channel, outcome).inc()


@dataclass
class Tally:
    """Items and alerts of a transaction, counted once it committed (``publish``)."""

    items: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (event, categories)
    alerts: list[tuple[tuple[str, ...], str]] = field(default_factory=list)  # (categories, channel)

    def item(self, event: str, categories: Sequence[str]) -> None:
        self.items.append((event, tuple(categories)))

    def alert(self, categories: Sequence[str], channel: str) -> None:
        self.alerts.append((tuple(categories), channel))

    def publish(self) -> None:
        for event, categories in self.items:
            for category in categories or (UNCATEGORIZED,):
                ITEMS.labels(category, event).inc()
        for categories, channel in self.alerts:
            for category in categories or (UNCATEGORIZED,):
                ALERTS_QUEUED.labels(category, channel).inc()
        self.items.clear()
        self.alerts.clear()


class Heartbeat:
    """When the scheduler last ticked (a worker: its heartbeat): the gauge for Prometheus, the value for /healthz."""

    def __init__(self) -> None:
        self.last: float | None = None  # Unix time; None: no tick yet

    def beat(self) -> None:
        self.last = time.time()
        LAST_TICK.set(self.last)


HEARTBEAT = Heartbeat()

Document = TypeVar("Document")
Result = TypeVar("Result")


def timed_classification(classify: Callable[[Sequence[Document]], list[Result]], documents: Sequence[Document]) -> list[Result]:
    """``classify(documents)``, observing each item's share of the batch's time."""
    started = time.perf_counter()
    results = classify(documents)
    if documents:
        share = (time.perf_counter() - started) / len(documents)
        for _ in documents:
            CLASSIFIER_LATENCY.observe(share)
    return results
