"""``regwatch worker``: runs the queue's poll, delivery and digest jobs until SIGINT/SIGTERM.

Any number of workers, on any machines, share the queue; each runs up to ``[worker]
concurrency`` jobs at once and sends a heartbeat every ``[worker] heartbeat``; it serves its own
/metrics, /healthz and /readyz on ``[metrics] worker_port``. On a stop
signal it takes no new job, gives the running ones a grace period, and gives the sources of
those still unfinished back; a worker killed outright is noticed by the scheduler once its
heartbeats stop (monitor.distributed.stalled).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable

from monitor import metrics
from monitor.distributed.jobs import Jobs
from monitor.distributed.queue import queue_app
from monitor.distributed.schema import create_queue_schema
from monitor.distributed.tasks import JOBS
from monitor.metrics_server import serve_worker
from monitor.runtime import Runtime
from monitor.schedule import stop_on_signals

logger = logging.getLogger(__name__)


async def run_worker(runtime: Runtime, queue_conninfo: str) -> None:
    """``queue_conninfo``: the database's, from ``queue.conninfo`` (which refuses one that is not PostgreSQL)."""
    config = runtime.settings.config
    # Served from the start: /readyz and /metrics answer while the model loads (/healthz says "starting").
    endpoint = serve_worker(config, runtime.store)
    try:
        await _work(runtime, queue_conninfo)
    finally:
        if endpoint is not None:
            endpoint.stop()


async def _every(seconds: float, step: Callable[[], Awaitable[object]]) -> None:
    """``step`` every ``seconds``; one that fails is logged and tried again at the next (as
    APScheduler does for the service's jobs), so that one bug does not end the loop for good."""
    while True:
        try:
            await step()
        except Exception:
            logger.exception("a periodic step of the worker failed; it runs again in %gs", seconds)
        await asyncio.sleep(seconds)


async def _beat() -> None:
    """/healthz of a worker: its event loop, where its jobs and the queue's heartbeat run, still turns."""
    metrics.HEARTBEAT.beat()


async def _work(runtime: Runtime, queue_conninfo: str) -> None:
    config = runtime.settings.config
    await runtime.store.in_thread(create_queue_schema, runtime.store)
    runtime.ready(preload=True)
    fetcher = runtime.fetcher()
    concurrency = config.worker.concurrency
    # procrastinate's own queries (fetching and finishing jobs, heartbeat, LISTEN) share this pool.
    app = queue_app(queue_conninfo, connections=min(concurrency, 8) + 2)
    name = f"{socket.gethostname()}:{os.getpid()}"
    beating = asyncio.create_task(_every(config.worker.heartbeat, _beat), name="heartbeat")
    # The label corrections made in the dashboard are learnt while the worker runs, as the service does.
    relearning = asyncio.create_task(
        _every(config.service.tick, lambda: runtime.store.in_thread(runtime.relearner.check)), name="relearn"
    )
    async with app.open_async():
        jobs = Jobs(runtime, fetcher, app)
        working = asyncio.create_task(
            app.run_worker_async(
                name=name,
                concurrency=concurrency,
                additional_context={JOBS: jobs},
                install_signal_handlers=False,  # ours below also stop a delivery pass
                update_heartbeat_interval=config.worker.heartbeat,
                stalled_worker_timeout=config.worker.stalled_after,
                shutdown_graceful_timeout=config.stop_grace,
                # LISTEN/NOTIFY wakes a worker for each new job; this is the fallback.
                fetch_job_polling_interval=min(config.service.tick, 5.0),
                delete_jobs="successful",  # a finished poll needs no record: its source row has it
            ),
            name="worker",
        )

        def stop() -> None:
            jobs.stopping.set()
            working.cancel()  # procrastinate then stops taking jobs and lets the running ones finish

        stop_on_signals(stop)
        logger.info("regwatch worker %s running: %d sources, up to %d jobs at once", name, len(runtime.sources), concurrency)
        try:
            await working
        except asyncio.CancelledError:
            pass
        finally:
            logger.info("stopping: writing the last outcomes")
            await jobs.drain()
            await fetcher.aclose()
            beating.cancel()
            relearning.cancel()
            logger.info("stopped")
