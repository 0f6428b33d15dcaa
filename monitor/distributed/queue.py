"""The procrastinate app on regwatch's own PostgreSQL database, the names of its tasks and the
locks that keep each piece of work queued once."""

from __future__ import annotations

import logging

from procrastinate import App, PsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy.engine import make_url

from monitor.errors import ConfigError

logger = logging.getLogger(__name__)

POLL = "regwatch.poll_source"
DELIVER = "regwatch.deliver"
DIGESTS = "regwatch.send_digests"
DELIVERY_LOCK = "deliver"  # one delivery job at a time: each Slack channel is paced by one process
DIGEST_LOCK = "digests"


POLL_LOCK_PREFIX = "poll:"


def poll_lock(source_id: str) -> str:
    """The queueing lock of a source's poll jobs: one waits at most. (Not also their lock: the
    source's lease keeps two polls apart already, and procrastinate checks a job's lock against
    every waiting job at each fetch, which with thousands of sources costs more than a poll.)"""
    return f"{POLL_LOCK_PREFIX}{source_id}"


def conninfo(database_url: str) -> str:
    """libpq's form of regwatch's SQLAlchemy URL (``postgresql+psycopg://…?options=…``)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ConfigError(
            f"distributed mode needs PostgreSQL (REGWATCH_DATABASE_URL is {url.get_backend_name()}): "
            'its job queue lives in the database; use [service] mode = "embedded" with SQLite'
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def queue_app(queue_conninfo: str, *, connections: int = 4) -> App:
    """An app on the database ``queue_conninfo`` (``conninfo``'s) whose tasks are regwatch's
    (registered by ``monitor.distributed.tasks``); open it with ``async with app.open_async()``.
    ``connections``: its pool, for procrastinate's own queries (fetching and finishing jobs,
    heartbeats, LISTEN); the pipeline has its own."""
    from monitor.distributed.tasks import register

    connector = PsycopgConnector(conninfo=queue_conninfo, min_size=1, max_size=max(connections, 2))
    app = App(connector=connector)
    register(app)
    return app


async def defer_once(app: App, task: str, queueing_lock: str, *, lock: str | None = None, **arguments: str) -> bool:
    """Queue ``task`` unless a job with ``queueing_lock`` waits already; True when queued. ``lock``:
    no two jobs holding it run at once."""
    try:
        await app.configure_task(task, queueing_lock=queueing_lock, lock=lock).defer_async(**arguments)
    except AlreadyEnqueued:
        return False
    return True
