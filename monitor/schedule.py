"""The long-running service: one APScheduler (3.11) with one short tick job, plus the deliverer.

The tick only claims the sources that are due and runs them (``Pipeline.poll``); the database
lease makes a second process harmless. The deliverer runs in its own thread (slack-sdk is
blocking) and wakes as soon as a tick queued alerts. SIGINT/SIGTERM stop cleanly: no new tick
starts, the running one finishes (within a grace period), the deliverer finishes its message.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from alerts.deliver import DeliveryWorker
from alerts.digest import Digests
from monitor.items import RunReport
from monitor.jpdates import JST, utcnow
from monitor.pipeline import Pipeline
from monitor.runtime import Runtime

logger = logging.getLogger(__name__)


class Service:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._config = runtime.settings.config
        self._stop = asyncio.Event()
        self._tick_idle = asyncio.Event()
        self._tick_idle.set()

    def request_stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.request_stop)
        self._runtime.ready()
        fetcher = self._runtime.fetcher()
        pipeline = self._runtime.pipeline(fetcher)
        self._delivery = DeliveryWorker(self._runtime.deliverer())
        self._delivery.start()
        scheduler = AsyncIOScheduler(timezone=JST)
        scheduler.add_job(
            self._tick,
            "interval",
            args=(pipeline,),
            seconds=self._config.service.tick,
            id="tick",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(JST),
        )
        self.add_digest_jobs(scheduler)
        scheduler.start()
        logger.info("regwatch running: %d sources, tick every %gs", len(self._runtime.sources), self._config.service.tick)
        try:
            await self._stop.wait()
        finally:
            logger.info("stopping: waiting for the running poll to finish")
            scheduler.pause()
            grace = self._config.fetch.timeout * 2 + 5
            try:
                await asyncio.wait_for(self._tick_idle.wait(), grace)
            except TimeoutError:
                logger.warning("the running poll did not finish within %gs; its sources are released by lease expiry", grace)
            scheduler.shutdown(wait=False)
            await asyncio.to_thread(self._delivery.stop)
            await fetcher.aclose()
            logger.info("stopped")

    def add_digest_jobs(self, scheduler: AsyncIOScheduler) -> None:
        """Each email channel's digest at its JST time; failed ones retried every minute."""
        digests = Digests(self._runtime.store, self._runtime.settings)
        for name, channel in digests.channels.items():
            hour, minute = (int(part) for part in channel.send_at.split(":"))
            scheduler.add_job(
                _digest_due, "cron", args=(digests, name), hour=hour, minute=minute, timezone=JST,
                id=f"digest-{name}", max_instances=1, coalesce=True, misfire_grace_time=3600,
            )  # fmt: skip
        if digests.channels:
            scheduler.add_job(
                _send_digests, "interval", args=(digests,), seconds=60, id="digests", max_instances=1, coalesce=True
            )

    async def _tick(self, pipeline: Pipeline) -> None:
        if self._stop.is_set():
            return
        self._tick_idle.clear()
        try:
            reports = await pipeline.poll()
        finally:
            self._tick_idle.set()
        if any(report.alerts for report in reports):
            self._delivery.wake()
        for report in reports:
            log_report(report)


def _digest_due(digests: Digests, name: str) -> None:
    digests.schedule(name, utcnow())
    _send_digests(digests)


def _send_digests(digests: Digests) -> None:
    for line in digests.send_due():
        logger.info("%s", line)


def log_report(report: RunReport) -> None:
    if report.error:
        logger.warning("%s: failed: %s", report.source_id, report.error)
        return
    logger.info(
        "%s: %d page(s), %d not modified, %d listed, %d new, %d updated, %d alert(s)%s",
        report.source_id,
        report.pages,
        report.not_modified,
        report.listed,
        report.new,
        report.updated,
        report.alerts,
        " (baseline)" if report.baseline else "",
    )
    for warning in report.warnings:
        logger.warning("%s: %s", report.source_id, warning)
