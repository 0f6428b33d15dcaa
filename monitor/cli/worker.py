"""``regwatch worker``, and ``regwatch run`` in distributed mode: the two processes of a PostgreSQL
job queue (monitor.distributed)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from monitor.cli.app import CliError, Context, main, pass_context
from monitor.errors import RegwatchError

if TYPE_CHECKING:
    from monitor.runtime import Runtime


@main.command()
@pass_context
def worker(context: Context) -> None:
    """Run the jobs `regwatch run --mode distributed` queues (polls, delivery, digests) until
    stopped (SIGINT/SIGTERM). Start any number, on any machines sharing the database and config."""
    from monitor import aio
    from monitor.distributed.worker import run_worker

    with context.runtime() as runtime:
        _require_postgresql(runtime)
        _quiet_queue_logs()
        aio.run(run_worker(runtime))


def run_scheduler(runtime: Runtime) -> None:
    """``regwatch run`` in distributed mode: queue the jobs, run none."""
    from monitor import aio
    from monitor.distributed.scheduler import run_scheduler as scheduling

    _require_postgresql(runtime)
    _quiet_queue_logs()
    aio.run(scheduling(runtime))


def _require_postgresql(runtime: Runtime) -> None:
    from monitor.distributed.queue import conninfo

    try:
        conninfo(runtime.settings.database_url)
    except RegwatchError as exc:
        raise CliError(str(exc)) from None


def _quiet_queue_logs() -> None:
    """procrastinate says INFO of every job; regwatch says what each job did. Shown from -vv on."""
    if logging.getLogger().level > logging.DEBUG:
        logging.getLogger("procrastinate").setLevel(logging.WARNING)
