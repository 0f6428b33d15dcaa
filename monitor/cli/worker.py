"""``regwatch worker``, and ``regwatch run`` in distributed mode: the two processes of a PostgreSQL
job queue (monitor.distributed)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from monitor.cli.app import CliError, Context, main, pass_context
from monitor.errors import RegwatchError

if TYPE_CHECKING:
    from monitor.runtime import Runtime


@main.command()
@pass_context
def worker(context: Context) -> None:
    """Run the jobs `regwatch run --mode distributed` queues (polls, delivery, digests) until
    stopped (SIGINT/SIGTERM). Start any number, on any machines sharing the database and config."""
    from monitor.distributed.worker import run_worker

    with context.runtime() as runtime:
        _run_on_the_queue(runtime, run_worker)


def run_scheduler(runtime: Runtime) -> None:
    """``regwatch run`` in distributed mode: queue the jobs, run none."""
    from monitor.distributed.scheduler import run_scheduler as scheduling

    _run_on_the_queue(runtime, scheduling)


def _run_on_the_queue(runtime: Runtime, process: Callable[[Runtime, str], Coroutine[Any, Any, None]]) -> None:
    """Run a process of distributed mode: refused, saying why, unless the database is PostgreSQL."""
    from monitor import aio
    from monitor.distributed.queue import conninfo

    try:
        queue_conninfo = conninfo(runtime.settings.database_url)
    except RegwatchError as exc:
        raise CliError(str(exc)) from None
    # procrastinate says INFO of every job; regwatch says what each job did. Shown from -vv on.
    if logging.getLogger().level > logging.DEBUG:
        logging.getLogger("procrastinate").setLevel(logging.WARNING)
    aio.run(process(runtime, queue_conninfo))
