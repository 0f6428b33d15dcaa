"""The queue's tasks. Each is a thin entry: the worker's ``Jobs`` (in the job's context) does the
work, so the scheduler, which only queues them, needs none of the pipeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from procrastinate import App, JobContext

from monitor.distributed.queue import DELIVER, DIGESTS, POLL

if TYPE_CHECKING:
    from monitor.distributed.jobs import Jobs

JOBS = "regwatch_jobs"  # the key of the worker's Jobs in each job's additional context


def _jobs(context: JobContext) -> Jobs:
    return context.additional_context[JOBS]


def register(app: App) -> None:
    """Give ``app`` regwatch's tasks. No task retries by itself: a poll that failed is on its
    source's row and due again by its backoff, and alerts and digests keep their own retries."""

    @app.task(name=POLL, pass_context=True)
    async def poll_source(context: JobContext, source_id: str) -> str:
        assert context.job.id is not None
        return await _jobs(context).poll(source_id, context.job.id)

    @app.task(name=DELIVER, pass_context=True)
    async def deliver(context: JobContext) -> str:
        return await _jobs(context).deliver()

    @app.task(name=DIGESTS, pass_context=True)
    async def send_digests(context: JobContext) -> str:
        return await _jobs(context).send_digests()
