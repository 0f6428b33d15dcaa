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
import threading
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from alerts.deliver import Deliverer
from monitor.items import RunReport
from monitor.jpdates import JST
from monitor.pipeline import Pipeline
from monitor.runtime import Runtime

logger = logging.getLogger(__name__)

_DELIVERY_POLL_SECONDS = 1.0


class Service:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._config = runtime.settings.config
        self._stop = asyncio.Event()
        self._tick_idle = asyncio.Event()
        self._tick_idle.set()
        self._stopping = threading.Event()
        self._wake_deliverer = threading.Event()

    def request_stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.request_stop)
        self._runtime.ready()
        fetcher = self._runtime.fetcher()
        pipeline = self._runtime.pipeline(fetcher)
        delivery = threading.Thread(target=self._deliver_forever, args=(self._runtime.deliverer(),), name="deliverer")
        delivery.start()
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
            self._stopping.set()
            self._wake_deliverer.set()
            await asyncio.to_thread(delivery.join)
            await fetcher.aclose()
            logger.info("stopped")

    async def _tick(self, pipeline: Pipeline) -> None:
        if self._stop.is_set():
            return
        self._tick_idle.clear()
        try:
            reports = await pipeline.poll()
        finally:
            self._tick_idle.set()
        if any(report.alerts for report in reports):
            self._wake_deliverer.set()
        for report in reports:
            log_report(report)

    def _deliver_forever(self, deliverer: Deliverer) -> None:
        while not self._stopping.is_set():
            try:
                deliverer.deliver_due(stop=self._stopping)
            except Exception:  # a database hiccup must not kill delivery for good
                logger.exception("delivery pass failed; retrying")
            self._wake_deliverer.wait(_DELIVERY_POLL_SECONDS)
            self._wake_deliverer.clear()


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
