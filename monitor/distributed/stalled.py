"""Jobs of dead workers, put back in line by the scheduler (procrastinate's stalled-job API).

A worker sends a heartbeat every ``[worker] heartbeat``; one silent for ``stalled_after`` is
dead (killed, its machine gone), and its ``doing`` jobs are *stalled*. Each is retried: a poll
job's source lease is ended first (the lease names the job, monitor.distributed.leases), so the
retried job polls at once instead of after ``[service] lease``. A poll the dead worker had
already recorded is not repeated: its source is no longer due, and the retried job finds nothing
to claim. When a newer job of the same work waits already (its queueing lock), the stalled one is
closed as failed instead: that newer job does the work.
"""

from __future__ import annotations

import logging

from procrastinate import App
from procrastinate.exceptions import ConnectorException, UniqueViolation
from procrastinate.jobs import Job, Status

from monitor.distributed.leases import release_job_lease
from monitor.distributed.queue import POLL
from monitor.store import Store

logger = logging.getLogger(__name__)


async def retry_stalled_jobs(app: App, store: Store, stalled_after: float) -> int:
    """Put every stalled job back in line (or close it, when a newer one waits); returns how many."""
    manager = app.job_manager
    stalled = list(await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after))
    for job in stalled:
        if job.task_name == POLL and job.id is not None:
            await store.in_thread(_release, store, str(job.task_kwargs.get("source_id", "")), job.id)
        try:
            await manager.retry_job(job)
            logger.warning("job %s of a worker silent for %gs is retried", _named(job), stalled_after)
        except UniqueViolation:
            await manager.finish_job(job, status=Status.FAILED, delete_job=False)
            logger.warning("job %s of a dead worker is closed: the same work is queued again already", _named(job))
        except ConnectorException as exc:  # finished meanwhile (its worker was late, not dead)
            logger.info("stalled job %s not retried: %s", _named(job), exc)
    # Their jobs are back in line: the dead workers' rows go (procrastinate keeps them otherwise).
    await manager.prune_stalled_workers(stalled_after)
    return len(stalled)


def _release(store: Store, source_id: str, job_id: int) -> None:
    with store.begin() as connection:
        release_job_lease(connection, source_id, job_id)


def _named(job: Job) -> str:
    return f"#{job.id} {job.task_name}({', '.join(f'{k}={v}' for k, v in job.task_kwargs.items())})"
