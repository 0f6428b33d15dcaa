"""The poll pipeline: claim → fetch lists → parse → diff → fetch details → classify → route → record.

``Pipeline.poll`` runs every claimed source; the scheduler and the CLI call the same code.
Failures are per source (recorded on the source row) and per item (a detail page that fails for
a transient reason postpones only its item). Nothing is lost: a list page's ETag is saved only
when every item on it was recorded, so a postponed item is found again on the next poll.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from monitor import store
from monitor.classification import Classifier
from monitor.config import Config
from monitor.diff import ListEntry, Plan, changes, list_entries, plan
from monitor.errors import BodyTooLargeError, DecodeError, FetchError, HTTPStatusError, ParseError, RegwatchError
from monitor.fetch import Fetcher
from monitor.health import HealthPolicy
from monitor.items import Alert, Article, Change, Classification, Document, EventKind, ItemContent, Page, RunReport
from monitor.jpdates import JST, utcnow
from monitor.record import EventDraft, Recorder, SourceOutcome
from monitor.route import Delivery, route_event
from monitor.sources import SourceSpec

logger = logging.getLogger(__name__)

_MAX_FAILURE_BACKOFF = 6 * 3600.0
_PERMANENT_STATUSES = frozenset({404, 410, 451})
_DETAIL_CONTENT_TYPES = ("html", "xml", "text/plain")


class Progress(Protocol):
    def expect(self, count: int) -> None: ...

    def advance(self) -> None: ...


@dataclass
class _Prepared:
    """An item whose content is settled for this poll."""

    entry: ListEntry
    content: ItemContent
    lead: str
    published_at: datetime | None
    modified_at: datetime | None
    attributes: dict
    detail_fetched: bool


@dataclass(frozen=True)
class _Found:
    """An event found among the prepared items (``item_id`` None: a new item)."""

    item_id: int | None
    kind: EventKind
    prepared: _Prepared
    changes: tuple[Change, ...] = ()


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
        """Run every source that can be claimed (due ones only, unless ``due_only`` is False).

        Claimed sources run as tasks, refilled as they finish; the fetcher's host gates and its
        global request limit decide what goes on the wire, so a busy host never idles the others.
        """
        pool = max(self.config.fetch.concurrency * 8, 16)
        recorder = Recorder(self.store, HealthPolicy.from_config(self.config))
        running: set[asyncio.Task[RunReport]] = set()
        reports: list[RunReport] = []
        more = True
        try:
            while more or running:
                if more and len(running) <= pool // 2:
                    # In a thread: on SQLite the claim waits for the recorder's write lock.
                    claimed = await asyncio.to_thread(self._claim, source_ids, due_only, pool - len(running))
                    more = due_only and len(claimed) == pool - len(running)
                    for source in claimed:
                        spec = self.sources[source.id]
                        running.add(
                            asyncio.create_task(self.run_source(spec, source, recorder, backfill=backfill, progress=progress))
                        )
                if running:
                    done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                    reports.extend(task.result() for task in done)
        finally:
            await recorder.drain()
        return reports

    def _claim(self, source_ids: Sequence[str] | None, due_only: bool, limit: int) -> list[store.ClaimedSource]:
        now = utcnow()
        configured = list(self.sources) if source_ids is None else [sid for sid in source_ids if sid in self.sources]
        with self.store.begin() as connection:
            return store.claim_sources(
                connection,
                now,
                owner=self.owner,
                lease_until=now + timedelta(seconds=self.config.service.lease),
                limit=limit if due_only else len(configured),
                ids=configured,
                due_only=due_only,
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
        try:
            recorder.add(await self._run(spec, claimed, report, backfill, progress))
        except RegwatchError as exc:
            report.error = str(exc)
            logger.warning("%s: poll failed: %s", spec.id, exc)
            recorder.add(SourceOutcome(report, _retry_at(spec, claimed, exc)))
        except Exception as exc:  # one broken scraper must not stop the other sources
            report.error = f"internal error: {exc.__class__.__name__}: {exc}"
            logger.exception("%s: poll crashed", spec.id)
            recorder.add(SourceOutcome(report, _retry_at(spec, claimed, exc)))
        return report

    async def _run(
        self, spec: SourceSpec, claimed: store.ClaimedSource, report: RunReport, backfill: bool, progress: Progress | None
    ) -> SourceOutcome:
        validators = claimed.validators
        urls = spec.page_urls(utcnow().astimezone(JST).date())
        pages = await asyncio.gather(
            *(
                self.fetcher.get(
                    url, etag=validators.get(url, (None, None))[0], last_modified=validators.get(url, (None, None))[1]
                )
                for url in urls
            )
        )
        fresh = [page for page in pages if not page.not_modified]
        report.pages, report.not_modified = len(pages), len(pages) - len(fresh)
        if not fresh:
            return SourceOutcome(report, _next_due(spec), unchanged=True)
        raw_items = [raw for page in fresh for raw in spec.scraper.parse(page, spec.options) if spec.keeps(raw.link)]
        entries = list_entries(raw_items, spec.scraper.canonicalize)
        report.listed = len(entries)
        with self.store.read() as connection:
            known = store.known_items(connection, spec.id, [entry.url for entry in entries])
        work = plan(entries, known, backfill=backfill)
        report.baseline = claimed.baseline_at is None and not backfill
        if report.baseline:
            prepared = {entry.url: _from_listing(entry) for entry in work.new}
            return self._outcome(spec, report, fresh, work, prepared, [])
        prepared = await self._prepare(spec, work, report, unlimited=backfill, progress=progress)
        found = [_Found(None, "new", prepared[e.url]) for e in work.new if e.url in prepared]
        found += [_Found(stored.id, "new", prepared[e.url]) for e, stored in work.backfill if e.url in prepared]
        found += self._updates(work, prepared)
        return self._outcome(spec, report, fresh, work, prepared, found)

    def _updates(self, work: Plan, prepared: dict[str, _Prepared]) -> list[_Found]:
        """``updated`` events for changed items whose normalized title or body differ."""
        changed = [(entry, known) for entry, known in work.changed if entry.url in prepared]
        if not changed:
            return []
        with self.store.read() as connection:
            stored = store.stored_content(connection, [known.id for _, known in changed])
        events = []
        for entry, known in changed:
            new = prepared[entry.url]
            found = changes(known, stored[known.id], new.content, compare_body=new.detail_fetched)
            if found:
                events.append(_Found(known.id, "updated", new, found))
        return events

    def _outcome(
        self,
        spec: SourceSpec,
        report: RunReport,
        fresh: list[Page],
        work: Plan,
        prepared: dict[str, _Prepared],
        found: list[_Found],
    ) -> SourceOutcome:
        now = utcnow()
        listed = [(e, None) for e in work.new] + [*work.backfill, *work.changed]
        return SourceOutcome(
            report=report,
            next_due_at=_next_due(spec),
            inserts=[_item_row(spec.id, prepared[e.url], now, baseline=report.baseline) for e in work.new if e.url in prepared],
            updates=[_item_update(f.item_id, f.prepared, now) for f in found if f.item_id is not None],
            listings={
                **{e.url: (s.id if s else None, e.fingerprint) for e, s in listed if e.url in prepared},
                **{e.url: (s.id, e.fingerprint) for e, s in work.first_listed},
            },
            events=self._drafts(spec, found),
            page_states=[] if report.postponed else [_fetch_state(spec.id, page) for page in fresh],
        )

    def _drafts(self, spec: SourceSpec, found: list[_Found]) -> list[EventDraft]:
        """Classify and route each event; the alerts get their keys when recorded."""
        results = self.classifier.classify_many([_document(spec.id, f.prepared) for f in found]) if found else []
        drafts = []
        for event, result in zip(found, results, strict=True):
            deliveries = route_event(self.config.routes, source_id=spec.id, event=event.kind, classification=result)
            # Email channels are digests: they read the store, not the outbox.
            alerts = tuple(
                (d, _alert(event, spec, result, d)) for d in deliveries if self.config.channels[d.channel].kind != "email"
            )
            drafts.append(
                EventDraft(
                    event.prepared.entry.url,
                    event.item_id,
                    event.kind,
                    event.prepared.content.fingerprint,
                    event.changes,
                    result,
                    alerts,
                )
            )
        return drafts

    async def _prepare(
        self, spec: SourceSpec, work: Plan, report: RunReport, *, unlimited: bool, progress: Progress | None
    ) -> dict[str, _Prepared]:
        """Settle the content of every item that needs it; items left out are postponed."""
        needed = work.needs_detail
        if spec.detail is None:
            return {entry.url: _from_listing(entry) for entry in needed}
        limit = len(needed) if unlimited else self.config.fetch.max_detail_fetches
        if len(needed) > limit:
            report.warnings.append(f"{len(needed) - limit} detail page(s) left for the next poll (fetch.max_detail_fetches)")
        if progress:
            progress.expect(min(limit, len(needed)))
        results = await asyncio.gather(*(self._detail(spec, entry, report, progress) for entry in needed[:limit]))
        report.detail_fetches = len(results)
        prepared = {entry.url: result for entry, result in zip(needed[:limit], results, strict=True) if result is not None}
        report.postponed = len(needed) - len(prepared)
        return prepared

    async def _detail(self, spec: SourceSpec, entry: ListEntry, report: RunReport, progress: Progress | None) -> _Prepared | None:
        assert spec.detail is not None
        try:
            page = await self.fetcher.get(entry.raw.link)
            _require_text(page)
            article = spec.detail.parse(page)
        except (ParseError, DecodeError, BodyTooLargeError) as exc:
            return _fallback(spec, entry, report, exc)
        except HTTPStatusError as exc:
            if exc.status in _PERMANENT_STATUSES:
                return _fallback(spec, entry, report, exc)
            return _postpone(spec, entry, report, exc)
        except FetchError as exc:
            return _postpone(spec, entry, report, exc)
        finally:
            if progress:
                progress.advance()
        return _from_article(entry, article)


def _retry_at(spec: SourceSpec, claimed: store.ClaimedSource, exc: Exception) -> datetime:
    """Exponential backoff after consecutive failures, at least what the server asked for."""
    failures = claimed.consecutive_failures + 1
    delay = min(_MAX_FAILURE_BACKOFF, max(spec.interval, 60.0) * 2 ** min(failures - 1, 6))
    retry_after = getattr(exc, "retry_after", None)
    return utcnow() + timedelta(seconds=max(delay, retry_after or 0.0))


def _fallback(spec: SourceSpec, entry: ListEntry, report: RunReport, exc: Exception) -> _Prepared:
    message = f"{entry.raw.link}: detail page unusable ({exc}); using the list entry"
    logger.warning("%s: %s", spec.id, message)
    report.warnings.append(message)
    return _from_listing(entry)


def _postpone(spec: SourceSpec, entry: ListEntry, report: RunReport, exc: Exception) -> None:
    message = f"{entry.raw.link}: detail fetch failed ({exc}); retrying next poll"
    logger.warning("%s: %s", spec.id, message)
    report.warnings.append(message)
    return None


def _require_text(page: Page) -> None:
    content_type = (page.content_type or "").lower()
    if content_type and not any(kind in content_type for kind in _DETAIL_CONTENT_TYPES):
        raise ParseError(f"{page.url}: not an HTML page ({page.content_type})")


def _next_due(spec: SourceSpec) -> datetime:
    return utcnow() + timedelta(seconds=spec.interval + random.uniform(0, spec.jitter))


def _from_listing(entry: ListEntry) -> _Prepared:
    raw = entry.raw
    return _Prepared(entry, ItemContent(raw.title, raw.summary), raw.summary, raw.published_at, None, dict(raw.attributes), False)


def _from_article(entry: ListEntry, article: Article) -> _Prepared:
    raw = entry.raw
    return _Prepared(
        entry,
        ItemContent(article.title or raw.title, article.body or raw.summary),
        article.lead or raw.summary,
        article.published_at or raw.published_at,
        article.modified_at,
        {**raw.attributes, **article.attributes},
        True,
    )


def _item_row(source_id: str, prepared: _Prepared, now: datetime, *, baseline: bool) -> dict:
    return {
        "url": prepared.entry.url,
        "link": prepared.entry.raw.link,
        "source_id": source_id,
        "first_seen_at": now,
        "updated_at": None,
        "baseline": baseline,
        **_content_columns(prepared, now),
    }


def _item_update(item_id: int, prepared: _Prepared, now: datetime) -> dict:
    return {"item_id": item_id, "updated_at": now, "baseline": False, **_content_columns(prepared, now)}


def _content_columns(prepared: _Prepared, now: datetime) -> dict:
    content = prepared.content
    return {
        "title": content.title,
        "title_raw": content.title_raw,
        "body": content.body,
        "body_raw": content.body_raw,
        "lead": prepared.lead,
        "published_at": prepared.published_at,
        "modified_at": prepared.modified_at,
        "content_fingerprint": content.fingerprint,
        "detail_fetched_at": now if prepared.detail_fetched else None,
        "attributes": prepared.attributes,
    }


def _fetch_state(source_id: str, page: Page) -> dict:
    """Conditional-GET state after a page that was downloaded (a 304 changes nothing)."""
    return {
        "url": page.url,
        "source_id": source_id,
        "etag": page.etag,
        "last_modified": page.last_modified,
        "last_status": page.status,
        "fetched_at": page.fetched_at,
    }


def _document(source_id: str, prepared: _Prepared) -> Document:
    return Document(
        title=prepared.content.title,
        body=prepared.content.body,
        published_at=prepared.published_at,
        url=prepared.entry.url,
        source_id=source_id,
    )


def _alert(event: _Found, spec: SourceSpec, result: Classification, delivery: Delivery) -> Alert:
    prepared = event.prepared
    categories = delivery.categories
    return Alert(
        key="",
        event=event.kind,
        item_id=event.item_id or 0,
        source_id=spec.id,
        source_name=spec.name,
        title=" ".join(prepared.content.title_raw.split()),
        url=prepared.entry.raw.link,
        published_at=prepared.published_at,
        categories=categories,
        scores={category: result.scores.get(category, 0.0) for category in categories},
        evidence={category: result.evidence.get(category, ()) for category in categories},
        facts=dict(result.facts),
        changes=event.changes,
        mentions=delivery.mentions,
    )
