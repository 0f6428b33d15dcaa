"""``regwatch run`` in distributed mode: the scheduler. It polls and sends nothing itself.

Every ``[service] tick`` it queues a poll job for each due source that has none waiting or
running (``due.sources_to_queue``; the job's queueing lock makes a second scheduler harmless),
a delivery job when alerts wait, and a digest job when a digest is due; at each email
channel's ``send_at`` (JST) it creates that day's digest, as the embedded service does. Every
``[worker] heartbeat`` it retries the jobs of workers that went silent (``stalled``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from procrastinate import App
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException

from alerts.digest import Digests
from monitor import metrics
from monitor.distributed import due
from monitor.distributed.queue import DELIVER, DELIVERY_LOCK, DIGEST_LOCK, DIGESTS, POLL, defer_once, poll_lock, queue_app
from monitor.distributed.schema import create_queue_schema
from monitor.distributed.stalled import retry_stalled_jobs
from monitor.errors import StoreError
from monitor.jpdates import JST, utcnow
from monitor.metrics_server import serve
from monitor.outage import Outage
from monitor.runtime import Runtime
from monitor.schedule import add_daily_digest_jobs, stop_on_signals

logger = logging.getLogger(__name__)

_MAX_QUEUED_PER_TICK = 10_000


class Scheduler:
    def __init__(self, runtime: Runtime, app: App) -> None:
        self._runtime = runtime
        self._config = runtime.settings.config
        self._app = app
        self._digests = Digests(runtime.store, runtime.settings)
        self._alert_channels = self._config.alert_channels
        self._outage = Outage("the database", logger, "no job is queued")
        self._stop = asyncio.Event()

    async def run(self) -> None:
        stop_on_signals(self._stop.set)
        # The embedded service's endpoint: /healthz says whether this scheduler ticks.
        endpoint = serve(self._config, self._runtime.store)
        scheduler = AsyncIOScheduler(timezone=JST)
        now = datetime.now(JST)
        every = {"max_instances": 1, "coalesce": True, "next_run_time": now}
        scheduler.add_job(self._guarded, "interval", args=(self.tick,), seconds=self._config.service.tick, id="tick", **every)
        scheduler.add_job(
            self._guarded, "interval", args=(self.recover,), seconds=self._config.worker.heartbeat, id="stalled", **every
        )
        add_daily_digest_jobs(scheduler, self._digests, functools.partial(self._guarded, self._schedule_digest))
        scheduler.start()
        logger.info(
            "regwatch scheduler running (distributed mode): %d sources, tick every %gs; `regwatch worker` runs the jobs",
            len(self._runtime.sources),
            self._config.service.tick,
        )
        try:
            await self._stop.wait()
        finally:
            scheduler.shutdown(wait=False)
            if endpoint is not None:
                endpoint.stop()
            logger.info("stopped")

    async def _guarded(self, step: Callable[..., Awaitable[None]], *arguments: str) -> None:
        """One step; a database away is logged once (with reminders), not at every tick."""
        try:
            await step(*arguments)
        except (StoreError, ConnectorException, OSError) as exc:
            self._outage.failed(exc)
        else:
            self._outage.succeeded()

    async def tick(self) -> None:
        metrics.HEARTBEAT.beat()  # first: a tick during a database outage still ticks
        now = utcnow()
        sources, alerts, digest = await self._runtime.store.in_thread(self._due, now)
        queued = await self._queue_polls(sources)
        if alerts:
            await defer_once(self._app, DELIVER, DELIVERY_LOCK, lock=DELIVERY_LOCK)
        if digest:
            await defer_once(self._app, DIGESTS, DIGEST_LOCK, lock=DIGEST_LOCK)
        if queued:
            logger.debug("queued %d poll(s)", queued)

    def _due(self, now: datetime) -> tuple[list[str], bool, bool]:
        with self._runtime.store.read() as connection:
            sources = due.sources_to_queue(connection, now, _MAX_QUEUED_PER_TICK)
            alerts = due.alerts_waiting(connection, now, self._config.delivery.claim_timeout, self._alert_channels)
            digest = bool(self._digests.channels) and due.digest_due(connection, now, self._digests)
        return [source for source in sources if source in self._runtime.sources], alerts, digest

    async def _queue_polls(self, source_ids: list[str]) -> int:
        """One job per source, in one statement; one by one when a job of one of them was queued
        meanwhile (another scheduler), which its queueing lock refuses."""
        if not source_ids:
            return 0
        jobs = [self._app.configure_task(POLL, queueing_lock=poll_lock(sid)).make_new_job(source_id=sid) for sid in source_ids]
        try:
            await self._app.job_manager.batch_defer_jobs_async(jobs)
            return len(jobs)
        except AlreadyEnqueued:
            pass
        return sum([await defer_once(self._app, POLL, poll_lock(sid), source_id=sid) for sid in source_ids])

    async def recover(self) -> None:
        await retry_stalled_jobs(self._app, self._runtime.store, self._config.worker.stalled_after)

    async def _schedule_digest(self, name: str) -> None:
        if await self._runtime.store.in_thread(self._digests.schedule, name, utcnow()):
            await defer_once(self._app, DIGESTS, DIGEST_LOCK, lock=DIGEST_LOCK)


async def run_scheduler(runtime: Runtime, queue_conninfo: str) -> None:
    """``queue_conninfo``: the database's, from ``queue.conninfo`` (which refuses one that is not PostgreSQL)."""
    await runtime.store.in_thread(create_queue_schema, runtime.store)
    async with queue_app(queue_conninfo).open_async() as app:
        await Scheduler(runtime, app).run()
