"""Commands that poll and deliver: ``run`` (the service), ``poll`` (the same by hand), ``deliver``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from monitor.cli.app import CliError, Context, main, pass_context

if TYPE_CHECKING:
    from alerts.deliver import DeliveryReport
    from monitor.items import RunReport
    from monitor.runtime import Runtime


@main.command()
@click.option(
    "--mode",
    type=click.Choice(["embedded", "distributed"]),
    help="embedded: poll and deliver in this process; distributed: only queue jobs for `regwatch worker` (default: [service] mode).",
)
@pass_context
def run(context: Context, mode: str | None) -> None:
    """Poll every source on its schedule and deliver alerts until stopped (SIGINT/SIGTERM)."""
    from monitor import aio
    from monitor.cli.dashboard import dashboard_alongside
    from monitor.schedule import Service

    with context.runtime() as runtime, dashboard_alongside(runtime):
        if (mode or runtime.settings.config.service.mode) == "distributed":
            from monitor.cli.worker import run_scheduler

            run_scheduler(runtime)
            return
        aio.run(Service(runtime).run())


class _Progress:
    """A one-line progress bar on stderr for backfills."""

    def __init__(self) -> None:
        self.total = 0
        self.done = 0

    def expect(self, count: int) -> None:
        self.total += count
        self._draw()

    def advance(self) -> None:
        self.done += 1
        self._draw()

    def _draw(self) -> None:
        width = 30
        filled = width * self.done // self.total if self.total else width
        click.echo(
            f"\rbackfill [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} detail pages", nl=False, err=True
        )

    def close(self) -> None:
        if self.total:
            click.echo(err=True)


@main.command()
@click.option("--source", "source_ids", multiple=True, help="Only this source (repeatable).")
@click.option("--once", is_flag=True, help="Poll the sources now, due or not.")
@click.option("--backfill", is_flag=True, help="Alert on what is already listed instead of recording it silently.")
@click.option("--no-deliver", is_flag=True, help="Queue alerts but do not send them.")
@pass_context
def poll(context: Context, source_ids: tuple[str, ...], once: bool, backfill: bool, no_deliver: bool) -> None:
    """Run the pipeline by hand: poll the due sources (all of them with --once), then deliver."""
    from monitor import aio

    with context.runtime() as runtime:
        unknown = [sid for sid in source_ids if sid not in runtime.sources]
        if unknown:
            raise CliError(f"unknown source {unknown[0]!r}; configured: {', '.join(runtime.sources)}")
        progress = _Progress() if backfill else None
        runtime.ready()
        reports = aio.run(_poll(runtime, list(source_ids) or None, once, backfill, progress))
        if progress:
            progress.close()
        for report in sorted(reports, key=lambda r: r.source_id):
            click.echo(summary(report), err=True)
        if not no_deliver:
            echo_delivery(runtime.deliverer().deliver_due())
    if reports and all(report.error for report in reports):
        sys.exit(1)


async def _poll(
    runtime: Runtime, source_ids: list[str] | None, once: bool, backfill: bool, progress: _Progress | None
) -> list[RunReport]:
    fetcher = runtime.fetcher()
    try:
        return await runtime.pipeline(fetcher).poll(source_ids, due_only=not once, backfill=backfill, progress=progress)
    finally:
        await fetcher.aclose()


def summary(report: RunReport) -> str:
    text = report.summary()
    if report.baseline:
        text += ": no alerts on a first poll; use --backfill to alert"
    return "\n".join([text, *(f"{report.source_id}: warning: {w}" for w in report.warnings)])


def echo_delivery(report: DeliveryReport, *, always: bool = False) -> None:
    if always or report.sent or report.failed or report.dead or report.held or report.recovered:
        click.echo(
            f"delivery: {report.sent} sent, {report.failed} to retry, {report.dead} dead-lettered, {report.held} held, "
            f"{report.recovered} found already posted",
            err=True,
        )
    for error in dict.fromkeys(report.errors):
        click.echo(f"delivery: {error}", err=True)


@main.command()
@click.option("--now", "ignore_backoff", is_flag=True, help="Also send alerts whose retry is not due yet, and held ones.")
@pass_context
def deliver(context: Context, ignore_backoff: bool) -> None:
    """Send the queued alerts that are due."""
    with context.runtime() as runtime:
        report = runtime.deliverer().deliver_due(ignore_backoff=ignore_backoff)
    echo_delivery(report)
    if report.failed or report.held:
        sys.exit(1)
