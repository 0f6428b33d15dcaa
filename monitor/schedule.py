"""The long-running service: one APScheduler (3.11) with one short tick job, plus the deliverer.

Each tick claims the sources that fell due and starts them (``Poller``); it never waits for the
ones still running, so a source stuck on a hanging host costs only itself (at most its
``service.poll_deadline``) while the others keep their schedule. The database lease makes a
second process harmless. Outcomes are recorded in batches; as soon as one holds alerts the
deliverer (its own thread: slack-sdk is blocking) is woken. SIGINT/SIGTERM stop cleanly: no new
poll starts, the running ones get a grace period, the unfinished ones give their leases back.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from alerts.channels import Channel, channel_problems
from alerts.deliver import DeliveryWorker
from alerts.digest import DigestAttempt, Digests
from monitor import metrics, store
from monitor.config import Settings
from monitor.errors import StoreError
from monitor.health import HealthPolicy
from monitor.items import RunReport
from monitor.jpdates import JST, utcnow
from monitor.metrics_server import serve
from monitor.outage import Outage
from monitor.pipeline import Pipeline
from monitor.record import Recorder
from monitor.runtime import Runtime

logger = logging.getLogger(__name__)


class Poller:
    """Starts due sources as tasks, up to ``capacity`` at once; a source stays busy here until its
    outcome is recorded, so it is never polled twice at once by this process."""

    def __init__(
        self, pipeline: Pipeline, health: HealthPolicy, capacity: int, on_recorded: Callable[[list[RunReport]], None]
    ) -> None:
        self._pipeline = pipeline
        self._capacity = capacity
        self._on_recorded = on_recorded
        self._recorder = Recorder(
            pipeline.store, health, versions_per_item=pipeline.config.store.versions_per_item, on_recorded=self._recorded
        )
        self._busy: dict[str, asyncio.Task[RunReport]] = {}
        self._unrecorded: set[str] = set()  # polled, but the database was away: poll them again
        self._outage = Outage("the database", logger, "no source is polled")
        self._starting: asyncio.Future[None] | None = None  # the latest tick's claim and start

    async def tick(self) -> None:
        metrics.HEARTBEAT.beat()  # before anything that may fail: a tick during an outage still ticks
        free = self._capacity - len(self._busy)
        if free <= 0:
            return
        # Shielded from the stop, which cancels a running tick: a claim under way in the database's
        # thread leases its sources all the same, so they are started, for ``stop`` to let them
        # finish or give them back (it waits for this first).
        self._starting = asyncio.ensure_future(self._start_due(free))
        try:
            await asyncio.shield(self._starting)
        except asyncio.CancelledError:
            logger.debug("tick cancelled by the stop")

    async def _start_due(self, free: int) -> None:
        try:
            claimed = await self._pipeline.claim_ready(
                None, True, free, exclude=list(self._busy), reclaim=sorted(self._unrecorded)
            )
        except StoreError as exc:
            self._outage.failed(exc)
            return
        self._outage.succeeded()
        self._unrecorded -= {source.id for source in claimed}
        for source in claimed:
            spec = self._pipeline.sources[source.id]
            self._busy[source.id] = asyncio.create_task(
                self._pipeline.run_source(spec, source, self._recorder), name=f"poll {source.id}"
            )

    def _recorded(self, reports: list[RunReport]) -> None:
        for report in reports:
            self._busy.pop(report.source_id, None)
            if not report.recorded:
                self._unrecorded.add(report.source_id)
        self._on_recorded(reports)

    async def stop(self, grace: float) -> None:
        """Let running polls finish within ``grace`` seconds; the rest give their sources back."""
        if self._starting is not None:
            await asyncio.wait([self._starting])  # what a tick cancelled by the stop claimed is running first
        polling = {source_id: task for source_id, task in self._busy.items() if not task.done()}
        if polling:
            _, late = await asyncio.wait(polling.values(), timeout=grace)
            abandoned = [source_id for source_id, task in polling.items() if task in late]
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            if abandoned:
                logger.warning("polls of %s did not finish within %gs: their sources are due again", ", ".join(abandoned), grace)
                await self._pipeline.store.in_thread(self._release, abandoned)
        await self._recorder.drain()

    def _release(self, source_ids: list[str]) -> None:
        store.give_back_sources(self._pipeline.store, source_ids, self._pipeline.owner)


class Service:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._config = runtime.settings.config
        self._stop = asyncio.Event()

    async def run(self) -> None:
        stop_on_signals(self._stop.set)
        # Served from the start: /readyz and /metrics answer before the first tick (/healthz says "starting").
        endpoint = serve(self._config, self._runtime.store)
        self._runtime.ready(preload=True)
        fetcher = self._runtime.fetcher()
        pipeline = self._runtime.pipeline(fetcher)
        deliverer = self._runtime.deliverer()
        await asyncio.to_thread(_warn_of_channel_problems, self._runtime.settings, deliverer.channels)
        delivery = DeliveryWorker(deliverer)
        delivery.start()
        poller = Poller(
            pipeline,
            HealthPolicy.from_config(self._config),
            capacity=max(self._config.fetch.concurrency * 8, 16),
            on_recorded=lambda reports: _recorded(reports, delivery),
        )
        scheduler = AsyncIOScheduler(timezone=JST)
        scheduler.add_job(
            poller.tick,
            "interval",
            seconds=self._config.service.tick,
            id="tick",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(JST),
        )
        self.add_digest_jobs(scheduler)
        self.add_relearn_job(scheduler)
        scheduler.start()
        logger.info("regwatch running: %d sources, tick every %gs", len(self._runtime.sources), self._config.service.tick)
        try:
            await self._stop.wait()
        finally:
            logger.info("stopping: waiting for the running polls to finish")
            scheduler.shutdown(wait=False)
            await poller.stop(grace=self._config.stop_grace)
            await asyncio.to_thread(delivery.stop)
            await fetcher.aclose()
            if endpoint is not None:
                endpoint.stop()
            logger.info("stopped")

    def add_relearn_job(self, scheduler: AsyncIOScheduler) -> None:
        """Label corrections made in the dashboard are learnt while the service runs: checked each
        tick, off the event loop, and trained on in a thread of the relearner's own."""
        scheduler.add_job(
            self._runtime.store.in_thread, "interval", args=(self._runtime.relearner.check,),
            seconds=self._config.service.tick, id="relearn", max_instances=1, coalesce=True,
        )  # fmt: skip

    def add_digest_jobs(self, scheduler: AsyncIOScheduler) -> None:
        """Each email channel's digest at its JST time; failed ones retried every minute."""
        digests = Digests(self._runtime.store, self._runtime.settings)
        outage = Outage("the database", logger, "no digest is sent")
        add_daily_digest_jobs(scheduler, digests, functools.partial(_guarded, outage, _digest_due, digests))
        if digests.channels:
            scheduler.add_job(
                _guarded,
                "interval",
                args=(outage, send_digests, digests),
                seconds=60,
                id="digests",
                max_instances=1,
                coalesce=True,
            )


def stop_on_signals(stop: Callable[[], None]) -> None:
    """SIGINT and SIGTERM ask the running service to stop (it finishes what it started)."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop)


def add_daily_digest_jobs(scheduler: AsyncIOScheduler, digests: Digests, make_due: Callable[[str], Any]) -> None:
    """At each email channel's ``send_at`` (JST), ``make_due(name)``: that day's digest is due."""
    for name, channel in digests.channels.items():
        hour, minute = (int(part) for part in channel.send_at.split(":"))
        scheduler.add_job(
            make_due, "cron", args=(name,), hour=hour, minute=minute, timezone=JST,
            id=f"digest-{name}", max_instances=1, coalesce=True, misfire_grace_time=3600,
        )  # fmt: skip


def _warn_of_channel_problems(settings: Settings, channels: Mapping[str, Channel]) -> None:
    """At start: a channel alerts cannot reach (a Slack channel that does not exist, a bot not in it,
    a refused SMTP login) is said now, with its fix, rather than at the first real alert."""
    for name, problems in channel_problems(settings, channels).items():
        for problem in problems:
            logger.warning("channel %s: %s", name, problem)


def _recorded(reports: list[RunReport], delivery: DeliveryWorker) -> None:
    if any(report.alerts for report in reports):
        delivery.wake()
    for report in reports:
        log_report(report)


def _guarded(outage: Outage, job: Callable[..., None], *arguments: Any) -> None:
    try:
        job(*arguments)
    except StoreError as exc:
        outage.failed(exc)
    else:
        outage.succeeded()


def _digest_due(digests: Digests, name: str) -> None:
    digests.schedule(name, utcnow())
    send_digests(digests)


def send_digests(digests: Digests) -> list[DigestAttempt]:
    """Send the digests due, each said in the log (a failed one as a warning)."""
    attempts = digests.send_due()
    for attempt in attempts:
        (logger.info if attempt.sent else logger.warning)("%s", attempt.line)
    return attempts


def log_report(report: RunReport) -> None:
    fields = {"source_id": report.source_id}
    (logger.warning if report.error else logger.info)("%s", report.summary(), extra=fields)
    for warning in report.warnings:
        logger.warning("%s: %s", report.source_id, warning, extra=fields)
