"""The poll pipeline: claim → fetch lists → parse → diff → fetch details → classify → route → record.

``Pipeline.run_source`` polls one claimed source; ``Pipeline.poll`` runs every claimable source
to the end (the CLI), and the service starts sources as they fall due without waiting for the
slow ones (monitor.schedule). Failures are per source (recorded on the source row) and per item:
a detail page that fails is tried again on later polls while its item waits, and when its
attempts run out the item is alerted from its list entry (monitor.details). Each poll has a
deadline (``service.poll_deadline``, well under the lease): a hanging host costs its own source
that long, never the others.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

from monitor import extract, metrics, store
from monitor.attachments.reading import with_attachments
from monitor.classification import Classifier
from monitor.config import Config, format_duration
from monitor.details import SETTLED, DetailResult, next_state
from monitor.diff import ListEntry, Plan, changes, list_entries, plan, stored_entry
from monitor.drafts import FoundEvent, event_drafts
from monitor.errors import RegwatchError, TransportError
from monitor.fetch import Fetcher
from monitor.health import HealthPolicy
from monitor.items import (
    AttachmentText,
    Classification,
    ItemContent,
    Page,
    RunReport,
)
from monitor.jpdates import JST, utcnow
from monitor.prepared import document, fetch_state, from_article, from_listing, item_row, item_update, title_update
from monitor.record import Recorder, SourceOutcome
from monitor.sources import SourceSpec
from monitor.watch import classify_watched, watchlist

logger = logging.getLogger(__name__)

_MAX_FAILURE_BACKOFF = 6 * 3600.0
_CLASSIFYING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="classify")


class Progress(Protocol):
    def expect(self, count: int) -> None: ...

    def advance(self) -> None: ...


@dataclass
class _Settled:
    """What the poll records for the items whose detail pages it needed."""

    inserts: list[dict]
    updates: list[dict]
    states: list[dict]
    found: list[FoundEvent]
    attachments: dict[str, list[AttachmentText]] = field(default_factory=dict)  # item url → its attachments read now


@dataclass
class Pipeline:
    store: store.Store
    fetcher: Fetcher
    config: Config
    sources: dict[str, SourceSpec]
    classifier: Classifier
    owner: str

    async def poll(
        self,
        source_ids: Sequence[str] | None = None,
        *,
        due_only: bool = True,
        backfill: bool = False,
        progress: Progress | None = None,
    ) -> list[RunReport]:
        """Run every source that can be claimed (due ones only, unless ``due_only`` is False), to the end.

        Claimed sources run as tasks, refilled as they finish; the fetcher's host gates and its
        global request limit decide what goes on the wire, so a busy host never idles the others.
        """
        pool = max(self.config.fetch.concurrency * 8, 16)
        recorder = Recorder(
            self.store, HealthPolicy.from_config(self.config), versions_per_item=self.config.store.versions_per_item
        )
        running: set[asyncio.Task[RunReport]] = set()
        # Finished tasks arrive here: asyncio.wait would hook and unhook every running task at
        # each completion (a tenth of the CPU of a cycle of unchanged pages).
        finished: asyncio.Queue[asyncio.Task[RunReport]] = asyncio.Queue()
        reports: list[RunReport] = []
        polled: list[str] = []  # each source once per call, though its lease is ours until recorded
        more = True
        try:
            while more or running:
                if more and len(running) <= pool // 2:
                    claimed = await self.claim_ready(source_ids, due_only, pool - len(running), exclude=polled)
                    more = due_only and len(claimed) == pool - len(running)
                    polled += [source.id for source in claimed]
                    for source in claimed:
                        spec = self.sources[source.id]
                        task = asyncio.create_task(self.run_source(spec, source, recorder, backfill=backfill, progress=progress))
                        task.add_done_callback(finished.put_nowait)
                        running.add(task)
                if running:
                    done = [await finished.get()]
                    while not finished.empty():
                        done.append(finished.get_nowait())
                    running.difference_update(done)
                    reports.extend(task.result() for task in done)
        finally:
            await recorder.drain()
        return reports

    async def claim_ready(
        self,
        source_ids: Sequence[str] | None,
        due_only: bool,
        limit: int,
        *,
        exclude: Sequence[str] = (),
        reclaim: Sequence[str] = (),
    ) -> list[store.ClaimedSource]:
        """Lease sources to poll (``reclaim``: this process's own whose polls went unrecorded) off the
        event loop, for the lease waits for the database (on SQLite, for another process's writes);
        then read the kept robots.txt of their origins in one call, before their first requests."""
        claimed = await self.store.in_thread(self._claim, source_ids, due_only, limit, exclude, reclaim)
        await self.fetcher.recall_robots(self.sources[source.id].url for source in claimed)
        return claimed

    def _claim(
        self, source_ids: Sequence[str] | None, due_only: bool, limit: int, exclude: Sequence[str], reclaim: Sequence[str]
    ) -> list[store.ClaimedSource]:
        now = utcnow()
        excluded = set(exclude)  # up to every configured source: no list scans per source
        configured = list(self.sources) if source_ids is None else [sid for sid in source_ids if sid in self.sources]
        configured = [sid for sid in configured if sid not in excluded]
        with self.store.begin() as connection:
            return store.claim_sources(
                connection,
                now,
                owner=self.owner,
                lease_until=now + timedelta(seconds=self.config.service.lease),
                limit=limit if due_only else len(configured),
                ids=configured,
                due_only=due_only,
                reclaim=reclaim,  # claim_sources claims none but ``ids``
            )

    async def run_source(
        self,
        spec: SourceSpec,
        claimed: store.ClaimedSource,
        recorder: Recorder,
        *,
        backfill: bool = False,
        progress: Progress | None = None,
    ) -> RunReport:
        report = RunReport(spec.id)
        deadline = asyncio.get_running_loop().time() + self.config.service.poll_deadline
        try:
            recorder.add(await self._run(spec, claimed, report, backfill, progress, deadline))
        except RegwatchError as exc:  # reported with the run (the service's log, the CLI's summary)
            report.error = str(exc)
            recorder.add(SourceOutcome(report, _retry_at(spec, claimed, exc)))
        except Exception as exc:  # one broken scraper must not stop the other sources
            report.error = f"internal error: {exc.__class__.__name__}: {exc}"
            logger.exception("%s: poll crashed", spec.id, extra={"source_id": spec.id})
            recorder.add(SourceOutcome(report, _retry_at(spec, claimed, exc)))
        return report

    async def _run(
        self,
        spec: SourceSpec,
        claimed: store.ClaimedSource,
        report: RunReport,
        backfill: bool,
        progress: Progress | None,
        deadline: float,
    ) -> SourceOutcome:
        fresh = await self._fetch_lists(spec, claimed, report, deadline)
        if not fresh and not claimed.detail_retry_due:
            return SourceOutcome(report, _next_due(spec), unchanged=True)
        entries = list_entries(await extract.list_items(spec, fresh), spec.scraper.canonicalize) if fresh else []
        report.listed = len(entries)
        report.baseline = claimed.baseline_at is None and not backfill
        if report.baseline:
            # A first poll looks nothing up: it only records what is listed, so every entry is
            # offered as new, and the recorder's insert skips those stored already (it finds their
            # ids and saves their listings, as it would have for known items).
            work = plan(entries, {}, source_id=spec.id)
            now = utcnow()  # one time for the page's items: the bulk insert converts it once
            inserts = [item_row(spec.id, from_listing(entry), SETTLED, now, baseline=True) for entry in work.new]
            return self._outcome(spec, report, fresh, work, _Settled(inserts, [], [], []), [])
        # In a thread: the lookups must not stall the other sources' requests.
        known, retrying = await self.store.in_thread(self._known, spec, entries, claimed.detail_retry_due)
        work = plan(entries, known, source_id=spec.id, backfill=backfill, retrying=retrying)
        stored = await self.store.in_thread(self._stored_content, work)
        work.retry += [(stored_entry(known_item, stored[known_item.id]), known_item) for known_item in work.retry_unlisted]
        results = await self._fetch_details(spec, work.needs_detail, report, deadline, unlimited=backfill, progress=progress)
        read_before = {url: read for content in stored.values() for url, read in content.attachment_texts.items()}
        results = await with_attachments(self.fetcher, self.config.attachments, results, deadline, read_before)
        settled = self._settle(spec, work, stored, results)
        classified = await self._classify(spec, settled.found)
        return self._outcome(spec, report, fresh, work, settled, classified)

    async def _classify(self, spec: SourceSpec, found: list[FoundEvent]) -> list[Classification]:
        """Classified in the pipeline's own classifying thread: an item that passes a gate costs
        tens of milliseconds (its embedding), which the event loop must not wait for, and one
        thread keeps the tokenizer and the embedding engine, which are not re-entrant, to itself."""
        if not found:
            return []
        documents = [document(spec.id, event.prepared) for event in found]
        classify = partial(classify_watched, self.classifier, watchlist(self.config.watch))
        return await asyncio.get_running_loop().run_in_executor(_CLASSIFYING, metrics.timed_classification, classify, documents)

    async def _fetch_lists(
        self, spec: SourceSpec, claimed: store.ClaimedSource, report: RunReport, deadline: float
    ) -> list[Page]:
        urls = spec.page_urls(utcnow().astimezone(JST).date())
        fetches = [self.fetcher.get(url, etag=claimed.validators.get(url, (None, None))[0], last_modified=claimed.validators.get(url, (None, None))[1]) for url in urls]  # fmt: skip
        try:
            async with asyncio.timeout_at(deadline):
                # Most sources have one list page: awaited as it is, without gather's task and future.
                pages = [await fetches[0]] if len(fetches) == 1 else await asyncio.gather(*fetches)
        except TimeoutError:
            raise TransportError(
                spec.url, f"list pages not fetched within service.poll_deadline ({self._deadline_text})"
            ) from None
        fresh = [page for page in pages if not page.not_modified]
        report.pages, report.not_modified = len(pages), len(pages) - len(fresh)
        return fresh

    @property
    def _deadline_text(self) -> str:
        return format_duration(self.config.service.poll_deadline)

    def _known(self, spec: SourceSpec, entries: list[ListEntry], retries: bool) -> tuple[dict, dict]:
        """The stored items among the listed ones, and the items whose detail page is due again."""
        with self.store.read() as connection:
            known = store.known_items(connection, spec.id, [entry.url for entry in entries])
            due = store.detail_retries(connection, spec.id, utcnow(), self.config.fetch.max_detail_fetches) if retries else {}
        return known, due

    def _stored_content(self, work: Plan) -> dict[int, store.StoredContent]:
        ids = (
            [known.id for _, known in work.changed] + [known.id for _, known in work.retry] + [k.id for k in work.retry_unlisted]
        )
        if not ids:
            return {}
        with self.store.read() as connection:
            return store.stored_content(connection, ids)

    def _settle(
        self, spec: SourceSpec, work: Plan, stored: dict[int, store.StoredContent], results: dict[str, DetailResult]
    ) -> _Settled:
        """Inserts, updates, detail states and events for every item whose detail page was needed."""
        now = utcnow()
        settled = _Settled([], [], [], [])
        for candidate in work.candidates():
            entry, known = candidate.entry, candidate.known
            result = results.get(entry.url, DetailResult())
            if spec.detail is None:
                state = SETTLED  # the list entry is all there is
            else:
                attempts = known.detail_attempts if known else 0
                allowed = self.config.fetch.detail_attempts
                state = next_state(result, attempts=attempts, waiting=candidate.announces_new, allowed=allowed, now=now)
            prepared = from_article(entry, result.article, result.attachments) if result.article else from_listing(entry)
            if result.attachments:
                settled.attachments[entry.url] = list(result.attachments)
            if known is None:
                settled.inserts.append(item_row(spec.id, prepared, state, now, baseline=False))
                if not state.awaiting:
                    settled.found.append(FoundEvent(None, "new", prepared))
                continue
            settled.states.append({"item_id": known.id, **state.columns()})
            if state.awaiting:
                continue
            if candidate.announces_new:  # its first event: it waited for its detail page, or is backfilled
                settled.updates.append(item_update(known.id, prepared, now))
                settled.found.append(FoundEvent(known.id, "new", prepared))
            elif result.article is not None or spec.detail is None:
                # An item alerted from its list entry after its detail page failed: the body that
                # finally comes is news too (and its attachments). A baseline item's body never was.
                alerted_from_listing = known.detail_attempts > 0 and not known.baseline
                compare_body = prepared.detail_fetched and (known.detail_fetched or alerted_from_listing)
                attachments = prepared.attributes.get("attachments") if compare_body else None
                found = changes(stored[known.id], prepared.content, compare_body=compare_body, attachments=attachments)
                settled.updates.append(item_update(known.id, prepared, now))
                if found:
                    settled.found.append(FoundEvent(known.id, "updated", prepared, found))
            elif result.tried:
                # Settled from the list entry: only the title can be compared; the stored body stands.
                kept = stored[known.id]
                prepared.content = ItemContent(entry.raw.title, kept.body_raw)
                found = changes(kept, prepared.content, compare_body=False)
                if found:
                    settled.updates.append(title_update(known.id, prepared.content, now))
                    settled.found.append(FoundEvent(known.id, "updated", prepared, found))
        return settled

    def _outcome(
        self,
        spec: SourceSpec,
        report: RunReport,
        fresh: list[Page],
        work: Plan,
        settled: _Settled,
        classified: list[Classification],
    ) -> SourceOutcome:
        listed = [(e, None) for e in work.new] + [*work.backfill, *work.changed, *work.retry]
        report.waiting = sum(1 for row in settled.inserts if row["awaiting_detail"]) + sum(
            1 for state in settled.states if state["awaiting_detail"]
        )
        report.detail_failures = sum(1 for row in [*settled.inserts, *settled.states] if row["detail_error"])
        return SourceOutcome(
            report=report,
            next_due_at=_next_due(spec),
            inserts=settled.inserts,
            updates=settled.updates,
            detail_states=settled.states,
            listings={
                **{e.url: (s.id if s else None, e.fingerprint) for e, s in listed if e.url in work.listed_urls},
                **{e.url: (s.id, e.fingerprint) for e, s in work.first_listed},
            },
            events=event_drafts(self.config, spec, settled.found, classified),
            page_states=[fetch_state(spec.id, page) for page in fresh],
            attachments=settled.attachments,
        )

    async def _fetch_details(
        self,
        spec: SourceSpec,
        needed: list[ListEntry],
        report: RunReport,
        deadline: float,
        *,
        unlimited: bool,
        progress: Progress | None,
    ) -> dict[str, DetailResult]:
        """The detail page of each item that needs one, within this poll's budget and deadline;
        items over the budget get no result (they are tried on the next poll)."""
        if spec.detail is None or not needed:
            return {}
        limit = len(needed) if unlimited else self.config.fetch.max_detail_fetches
        if len(needed) > limit:
            report.warnings.append(f"{len(needed) - limit} detail page(s) left for the next poll (fetch.max_detail_fetches)")
        chosen = needed[:limit]
        if progress:
            progress.expect(len(chosen))
        sent: set[str] = set()  # a request cut off by the deadline before it was sent costs no attempt
        tasks = {entry.url: asyncio.create_task(self._detail(spec, entry, progress, sent)) for entry in chosen}
        try:
            remaining = deadline - asyncio.get_running_loop().time()
            done, _ = await asyncio.wait(tasks.values(), timeout=max(remaining, 0.0)) if tasks else (set(), set())
        finally:
            for task in tasks.values():
                task.cancel()  # the late ones; and all of them when this poll itself is cancelled
        report.detail_fetches = len(done)
        late = f"not fetched within service.poll_deadline ({self._deadline_text})"
        results = {
            entry.url: task.result()
            if task in done
            else DetailResult(error=TransportError(entry.raw.link, late))
            if entry.url in sent
            else DetailResult()
            for entry, task in zip(chosen, tasks.values(), strict=True)
        }
        report.warnings += [f"detail page failed: {result.error}" for result in results.values() if result.error is not None]
        return results

    async def _detail(self, spec: SourceSpec, entry: ListEntry, progress: Progress | None, sent: set[str]) -> DetailResult:
        try:
            return await extract.fetch_article(self.fetcher, spec, entry.raw.link, on_send=lambda: sent.add(entry.url))
        finally:
            if progress:
                progress.advance()


def _retry_at(spec: SourceSpec, claimed: store.ClaimedSource, exc: Exception) -> datetime:
    """Exponential backoff after consecutive failures, at least what the server asked for."""
    failures = claimed.consecutive_failures + 1
    delay = min(_MAX_FAILURE_BACKOFF, max(spec.interval, 60.0) * 2 ** min(failures - 1, 6))
    retry_after = getattr(exc, "retry_after", None)
    return utcnow() + timedelta(seconds=max(delay, retry_after or 0.0))


def _next_due(spec: SourceSpec) -> datetime:
    return utcnow() + timedelta(seconds=spec.interval + random.uniform(0, spec.jitter))
