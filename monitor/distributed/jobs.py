"""What a worker does for each job, with the functions the embedded service uses: a poll job
claims its one source and runs it (``Pipeline.claim``, ``Pipeline.run_source``), a delivery job
drains the outbox (``Deliverer.deliver_due``), a digest job sends the digests due
(``Digests.send_due``).

One ``Jobs`` serves every job of a worker process: the fetcher's connection pools and host gates,
the classifier, one recorder that writes the outcomes of concurrent polls in shared batches, and
the deliverer (which paces each Slack channel). A poll job ends only once its outcome is written,
so a job that completed is a poll that counts, and a worker killed before that leaves its job
``doing`` for the scheduler to retry (monitor.distributed.stalled).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import replace

from procrastinate import App
from procrastinate.exceptions import ConnectorException

from alerts.digest import Digests
from monitor import store
from monitor.distributed.leases import job_owner
from monitor.distributed.queue import DELIVER, DELIVERY_LOCK, defer_once
from monitor.fetch import Fetcher
from monitor.health import HealthPolicy
from monitor.items import RunReport
from monitor.record import Recorder
from monitor.runtime import Runtime
from monitor.schedule import log_report, send_digests

logger = logging.getLogger(__name__)

# Outcomes wait at most this long for others to share their write: a job holds its slot until
# its outcome is written, so the embedded service's half second would cap a worker's rate.
_RECORD_DELAY = 0.05


class Jobs:
    def __init__(self, runtime: Runtime, fetcher: Fetcher, app: App) -> None:
        self._store = runtime.store
        self._pipeline = runtime.pipeline(fetcher)
        config = runtime.settings.config
        self._recorder = Recorder(
            runtime.store,
            HealthPolicy.from_config(config),
            versions_per_item=config.store.versions_per_item,
            max_delay=_RECORD_DELAY,
            on_recorded=self._recorded,
        )
        self._deliverer = runtime.deliverer()
        self._digests = Digests(runtime.store, runtime.settings)
        self._app = app
        self._recording: dict[str, asyncio.Future[None]] = {}
        self.stopping = threading.Event()  # set when the worker stops: a delivery pass gives its rows back

    async def poll(self, source_id: str, job_id: int) -> str:
        """Poll ``source_id`` if it is due and nobody holds it; its outcome is written on return."""
        spec = self._pipeline.sources.get(source_id)
        if spec is None:  # queued by a scheduler whose config has a source this worker's lacks
            logger.warning("%s: not a source of this worker's config; the job is skipped", source_id)
            return "unknown source"
        pipeline = replace(self._pipeline, owner=job_owner(self._pipeline.owner, job_id))
        claimed = await pipeline.claim_ready([source_id], True, 1)
        if not claimed:  # polled meanwhile (the job was queued twice, or retried after it recorded)
            return "not due"
        recorded = asyncio.get_running_loop().create_future()
        self._recording[source_id] = recorded
        try:
            try:
                report = await pipeline.run_source(spec, claimed[0], self._recorder)
            except asyncio.CancelledError:  # the worker stops: the source is due again at once
                await pipeline.store.in_thread(self._release, source_id, pipeline.owner)
                raise
            await recorded  # cancelled here, the outcome is written all the same (``drain``)
        finally:
            self._recording.pop(source_id, None)
        if not report.recorded:  # the database was away: give the source back for when it returns
            await pipeline.store.in_thread(self._release, source_id, pipeline.owner)
        elif report.alerts:
            await self._queue_delivery()
        log_report(report)
        return report.summary()

    def _recorded(self, reports: list[RunReport]) -> None:
        for report in reports:
            waiting = self._recording.get(report.source_id)
            if waiting is not None and not waiting.done():
                waiting.set_result(None)

    def _release(self, source_id: str, owner: str) -> None:
        store.give_back_sources(self._store, [source_id], owner)

    async def _queue_delivery(self) -> None:
        """Alerts were just queued: a delivery job now rather than at the scheduler's next tick."""
        try:
            await defer_once(self._app, DELIVER, DELIVERY_LOCK, lock=DELIVERY_LOCK)
        except ConnectorException as exc:
            logger.warning("could not queue delivery (%s): the scheduler queues it at its next tick", exc)

    async def deliver(self) -> str:
        report = await asyncio.to_thread(self._deliverer.deliver_due, stop=self.stopping)
        return (
            f"{report.sent} sent, {report.failed} to retry, {report.dead} dead-lettered, {report.held} held, "
            f"{report.recovered} found already posted"
        )

    async def send_digests(self) -> str:
        attempts = await asyncio.to_thread(send_digests, self._digests)
        return f"{sum(attempt.sent for attempt in attempts)} of {len(attempts)} digest(s) sent"

    async def drain(self) -> None:
        """Write the outcomes still waiting (at stop)."""
        await self._recorder.drain()
