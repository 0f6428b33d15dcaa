"""Recording: the outcomes of many polled sources, written together in one transaction.

A poll cycle is hundreds of small outcomes. Written one transaction per source, each costs about
eight statements (about 1.3 ms of CPU per changed source on SQLite, a network round trip each on
PostgreSQL); grouped, each statement is one executemany over the rows of every source in the
batch. A batch is written when it holds ``max_batch`` outcomes, when its oldest outcome has waited
``max_delay`` seconds, and at the end of a poll. A crash before a write loses nothing: those
sources stay leased with their ETags unsaved, so they are polled again once the lease expires.

One bad outcome must not sink its batch: a batch the database refuses is written again one
outcome at a time, and an outcome refused on its own becomes an error on its source's row (seen
in ``regwatch sources``, counted toward source_broken). When the database itself is away, every
write fails alike and the sources are simply polled again once it is back.

Batches are written in a worker thread, one at a time and in order: the event loop keeps serving
the network while a batch of a thousand rows is written, instead of stalling every host.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime

from sqlalchemy import Connection

from alerts.outbox import OutboxEntry, enqueue, outbox_key
from monitor import health, metrics, store
from monitor.diff import new_versions
from monitor.errors import StoreError
from monitor.health import HealthPolicy
from monitor.items import Alert, AttachmentText, Change, Classification, EventKind, RunReport
from monitor.jpdates import utcnow
from monitor.route import Delivery

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventDraft:
    """An event found by a poll, before it has an id."""

    url: str
    item_id: int | None  # None: the item is new and gets its id when inserted
    kind: EventKind
    fingerprint: str
    changes: tuple[Change, ...]
    classification: Classification
    alerts: tuple[tuple[Delivery, Alert], ...]  # alert templates; key and item_id are set when recorded


@dataclass
class SourceOutcome:
    """Everything one poll of one source has to write (a failed poll: ``report.error`` is set)."""

    report: RunReport
    next_due_at: datetime
    unchanged: bool = False  # every page answered 304: only the source row changes
    inserts: list[dict] = field(default_factory=list)  # new item rows, keyed by "url"
    updates: list[dict] = field(default_factory=list)  # stored items' new content, keyed by "item_id"
    detail_states: list[dict] = field(default_factory=list)  # stored items' detail-page states, keyed by "item_id"
    listings: dict[str, tuple[int | None, str]] = field(default_factory=dict)  # url → (known id, fingerprint)
    events: list[EventDraft] = field(default_factory=list)
    page_states: list[dict] = field(default_factory=list)
    attachments: dict[str, list[AttachmentText]] = field(default_factory=dict)  # item url → its attachments read now


class Recorder:
    def __init__(
        self,
        database: store.Store,
        health: HealthPolicy,
        *,
        versions_per_item: int,
        max_batch: int = 64,
        max_delay: float = 0.5,
        on_recorded: Callable[[list[RunReport]], None] | None = None,
    ) -> None:
        self._store = database
        self._health = health
        self._versions_per_item = versions_per_item
        self._max_batch = max_batch
        self._max_delay = max_delay
        self._on_recorded = on_recorded
        self._pending: list[SourceOutcome] = []
        self._timer: asyncio.TimerHandle | None = None
        self._writing = asyncio.Lock()
        self._writes: set[asyncio.Task[None]] = set()

    def add(self, outcome: SourceOutcome) -> None:
        self._pending.append(outcome)
        if len(self._pending) >= self._max_batch:
            self._write_pending()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._max_delay, self._write_pending)

    async def drain(self) -> None:
        """Write what is pending and wait for every write to finish."""
        self._write_pending()
        while self._writes:
            await asyncio.gather(*self._writes)

    def _write_pending(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, []
        if batch:
            task = asyncio.get_running_loop().create_task(self._write_batch(batch))
            self._writes.add(task)
            task.add_done_callback(self._writes.discard)

    async def _write_batch(self, batch: list[SourceOutcome]) -> None:
        async with self._writing:  # batches are written in the order they were formed
            try:
                await self._store.in_thread(self._write_safely, batch)
            except Exception:  # a bug, not the database: the sources are polled again once their leases expire
                logger.exception("could not record %d poll(s)", len(batch))
        _count_polls(batch)
        if self._on_recorded is not None:
            self._on_recorded([outcome.report for outcome in batch])

    def _write_safely(self, batch: list[SourceOutcome]) -> None:
        try:
            self._write_now(batch)
            return
        except StoreError as exc:
            if exc.unavailable:
                self._unrecorded(batch, exc)
                return
            if len(batch) == 1:
                self._record_refusal(batch[0], exc)
                return
            logger.warning("could not record %d polls together (%s); recording them one by one", len(batch), exc)
        for outcome in batch:
            try:
                self._write_now([outcome])
            except StoreError as exc:
                if exc.unavailable:
                    self._unrecorded([outcome], exc)
                else:
                    self._record_refusal(outcome, exc)

    @staticmethod
    def _unrecorded(batch: list[SourceOutcome], exc: StoreError) -> None:
        """The database is away: nothing was written. The sources stay leased with their ETags
        unsaved; this process polls them again once the database is back (Poller)."""
        logger.error(
            "could not record %d poll(s): %s; they are polled again once the database is back", len(batch), exc,
            extra={"source_ids": [outcome.report.source_id for outcome in batch]},
        )  # fmt: skip
        for outcome in batch:
            outcome.report.recorded = False
            outcome.report.error = outcome.report.error or f"not recorded: {exc}"

    def _record_refusal(self, outcome: SourceOutcome, exc: StoreError) -> None:
        """The database refused this very outcome (its data): say so on its source."""
        report = outcome.report
        error = f"could not record this poll: {exc}"
        try:
            self._write_now([SourceOutcome(RunReport(report.source_id, error=error), outcome.next_due_at)])
        except StoreError as again:
            self._unrecorded([outcome], again)
            return
        logger.error("%s: %s", report.source_id, error, extra={"source_id": report.source_id})
        report.error = report.error or error

    def _write_now(self, batch: list[SourceOutcome]) -> None:
        now = utcnow()
        tally = metrics.Tally()
        with self._store.begin() as connection:
            _write(connection, batch, now, tally, self._versions_per_item)
            changes = health.check(connection, [outcome.report.source_id for outcome in batch], self._health, now)
        tally.publish()  # committed: a batch refused and written again one by one counts once
        for change in changes:
            logger.warning("%s: %s: %s", change.source_id, change.kind, change.reason, extra={"source_id": change.source_id})


def _count_polls(batch: list[SourceOutcome]) -> None:
    for outcome in batch:
        report = outcome.report
        outcome_label = "unrecorded" if not report.recorded else "failed" if report.error else "ok"
        metrics.polled(report.source_id, outcome_label, pages=report.pages, not_modified=report.not_modified)


def _write(
    connection: Connection, outcomes: list[SourceOutcome], now: datetime, tally: metrics.Tally, versions_per_item: int
) -> None:
    for failed in (o for o in outcomes if o.report.error):
        store.finish_failure(connection, failed.report.source_id, next_due_at=failed.next_due_at, error=failed.report.error)
    succeeded = [o for o in outcomes if not o.report.error]
    changed = [o for o in succeeded if not o.unchanged]
    inserted = _write_items(connection, changed, now, tally, versions_per_item) if changed else {}
    store.finish_sources(
        connection,
        [
            {
                "source_id": o.report.source_id,
                "next_due_at": o.next_due_at,
                "now": now,
                # Only a poll that read every list page counts its items (a 304 says nothing).
                "item_count": o.report.listed if not o.unchanged and o.report.not_modified == 0 else None,
                "new_items": _inserted_count(o, inserted),
            }
            for o in succeeded
        ],
    )


def _write_items(
    connection: Connection, changed: list[SourceOutcome], now: datetime, tally: metrics.Tally, versions_per_item: int
) -> dict[str, tuple[int, SourceOutcome]]:
    """Returns url → (id, the outcome whose row was inserted) of the items this batch inserted."""
    first_rows: dict[str, dict] = {}
    for outcome in changed:
        for row in outcome.inserts:
            first_rows.setdefault(row["url"], row)  # two sources finding one new release: the first owns it
    inserted = store.insert_items(connection, list(first_rows.values()))
    owners = {url: outcome for outcome in reversed(changed) for url in (row["url"] for row in outcome.inserts)}
    ids = _item_ids(connection, changed, inserted)
    store.update_items(connection, [row for o in changed for row in [*o.updates, *o.detail_states]])
    # An updated item's version is read back as stored: a title-only update keeps the stored
    # body, which the version holds too. A new item's is the row just written.
    updated = [row["item_id"] for o in changed for row in o.updates]
    versions = store.first_versions({item_id: first_rows[url] for url, item_id in inserted.items()}, now)
    versions += new_versions(store.current_versions(connection, updated, now))
    store.save_versions(connection, versions, versions_per_item)
    store.save_listings(
        connection,
        [
            (o.report.source_id, ids[url], fingerprint)
            for o in changed
            for url, (_, fingerprint) in o.listings.items()
            if url in ids
        ],
        now,
    )
    owned = {url: (item_id, owners[url]) for url, item_id in inserted.items()}
    _write_events(connection, changed, owned, now, tally)
    # By item: two sources that fetched one release's page in this batch read its files twice.
    read = {ids[url]: texts for o in changed for url, texts in o.attachments.items() if url in ids}
    store.save_attachments(connection, list(read), [a.row(item_id, now) for item_id, texts in read.items() for a in texts])
    store.save_fetch_states(connection, [state for o in changed for state in o.page_states])
    return owned


def _inserted_count(outcome: SourceOutcome, inserted: Mapping[str, tuple[int, SourceOutcome]]) -> int:
    """How many of the outcome's new rows it inserted: a first poll offers every item it lists (it
    looks nothing up) and the insert skips those stored already, and of two sources offering one
    new item in a batch, only the first inserts it."""
    return sum(1 for row in outcome.inserts if _owns(outcome, row["url"], inserted))


def _owns(outcome: SourceOutcome, url: str, inserted: Mapping[str, tuple[int, SourceOutcome]]) -> bool:
    """Whether ``url``'s row was inserted in this batch, and from ``outcome``."""
    return url in inserted and inserted[url][1] is outcome


def _item_ids(connection: Connection, outcomes: list[SourceOutcome], inserted: dict[str, int]) -> dict[str, int]:
    """Ids of every listed item: inserted now, known before, or inserted meanwhile by another process."""
    ids = dict(inserted)
    for outcome in outcomes:
        ids.update({url: known for url, (known, _) in outcome.listings.items() if known is not None})
    missing = [url for o in outcomes for url in o.listings if url not in ids]
    ids.update(store.item_ids(connection, missing))
    return ids


def _write_events(
    connection: Connection,
    outcomes: list[SourceOutcome],
    inserted: dict[str, tuple[int, SourceOutcome]],
    now: datetime,
    tally: metrics.Tally,
) -> None:
    """``inserted``: url → (id, the outcome whose row was inserted)."""
    drafts: list[tuple[SourceOutcome, EventDraft, int]] = []
    for outcome in outcomes:
        for draft in outcome.events:
            if draft.item_id is not None:
                drafts.append((outcome, draft, draft.item_id))
            elif _owns(outcome, draft.url, inserted):
                # Only the outcome whose row was inserted owns a new item's event: two sources
                # listing the same new release in one batch raise one alert, and when that row
                # waits for its detail page, none yet.
                drafts.append((outcome, draft, inserted[draft.url][0]))
    for outcome in outcomes:
        owned = [draft for o, draft, _ in drafts if o is outcome]
        outcome.report.new = (
            _inserted_count(outcome, inserted) if outcome.report.baseline else sum(d.kind == "new" for d in owned)
        )
        outcome.report.updated = sum(d.kind == "updated" for d in owned)
        outcome.report.alerts = 0  # counted afresh: a batch written again one by one must not count twice
    if not drafts:
        return
    event_ids = store.save_events(
        connection,
        [
            {
                "item_id": item_id,
                "source_id": o.report.source_id,
                "kind": d.kind,
                "fingerprint": d.fingerprint,
                "changes": [asdict(change) for change in d.changes],
                "created_at": now,
            }
            for o, d, item_id in drafts
        ],
    )
    store.save_classifications(
        connection,
        {item_id: d.classification for _, d, item_id in drafts},
        now,
        new_items=all(d.item_id is None for _, d, _ in drafts),
    )
    entries: list[OutboxEntry] = []
    for outcome, draft, item_id in drafts:
        event_id = event_ids.get((item_id, draft.kind))
        if event_id is None:
            continue  # this very event was recorded before (a re-run after a crash)
        tally.item(draft.kind, draft.classification.labels)
        for delivery, template in draft.alerts:
            alert = replace(template, key=outbox_key(event_id, delivery.channel), item_id=item_id)
            entries.append(OutboxEntry(event_id, item_id, delivery.route, delivery.channel, alert))
            outcome.report.alerts += 1
            tally.alert(delivery.categories, delivery.channel)
    enqueue(connection, entries, now)
