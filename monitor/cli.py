"""The ``regwatch`` command line. Every command runs the same code the service runs."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import click

from monitor import __version__, aio
from monitor.config import Settings, load_settings, parse_duration
from monitor.errors import ConfigError, RegwatchError
from monitor.items import RunReport
from monitor.jpdates import format_jst, parse_timestamp, utcnow

if TYPE_CHECKING:
    from alerts.deliver import DeliveryReport


class _CliError(click.ClickException):
    exit_code = 1


def _settings(context: click.Context) -> Settings:
    try:
        return load_settings(context.obj["config_path"])
    except ConfigError as exc:
        raise _CliError(str(exc)) from None


def _runtime(context: click.Context):
    from monitor.runtime import Runtime

    try:
        return Runtime.open(_settings(context))
    except RegwatchError as exc:
        raise _CliError(str(exc)) from None


@click.group()
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), help="TOML file (default: ./regwatch.toml or $REGWATCH_CONFIG)."
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(__version__, prog_name="regwatch")
@click.pass_context
def main(context: click.Context, config_path: str | None, verbose: int) -> None:
    """Watch Japanese ministry and news sources and alert teams about what matters to them."""
    context.ensure_object(dict)
    context.obj["config_path"] = config_path
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose or context.invoked_subcommand == "run" else logging.WARNING
    logging.basicConfig(level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # APScheduler tells of every run of the tick job at INFO (two lines every 15 s): only -vv shows that.
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if verbose > 1 else logging.WARNING)


@main.command()
@click.pass_context
def run(context: click.Context) -> None:
    """Poll every source on its schedule and deliver alerts until stopped (SIGINT/SIGTERM)."""
    from monitor.schedule import Service

    runtime = _runtime(context)
    try:
        aio.run(Service(runtime).run())
    finally:
        runtime.close()


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
@click.pass_context
def poll(context: click.Context, source_ids: tuple[str, ...], once: bool, backfill: bool, no_deliver: bool) -> None:
    """Run the pipeline by hand: poll the due sources (all of them with --once), then deliver."""
    runtime = _runtime(context)
    unknown = [sid for sid in source_ids if sid not in runtime.sources]
    if unknown:
        raise _CliError(f"unknown source {unknown[0]!r}; configured: {', '.join(runtime.sources)}")
    progress = _Progress() if backfill else None
    runtime.ready()
    try:
        reports = aio.run(_poll(runtime, list(source_ids) or None, once, backfill, progress))
        if progress:
            progress.close()
        for report in sorted(reports, key=lambda r: r.source_id):
            click.echo(_summary(report), err=True)
        if not no_deliver:
            echo_delivery(runtime.deliverer().deliver_due())
    finally:
        runtime.close()
    if reports and all(report.error for report in reports):
        sys.exit(1)


async def _poll(runtime, source_ids, once: bool, backfill: bool, progress) -> list[RunReport]:
    fetcher = runtime.fetcher()
    try:
        return await runtime.pipeline(fetcher).poll(source_ids, due_only=not once, backfill=backfill, progress=progress)
    finally:
        await fetcher.aclose()


def _summary(report: RunReport) -> str:
    if report.error:
        return f"{report.source_id}: FAILED: {report.error}"
    text = (
        f"{report.source_id}: {report.pages} page(s), {report.not_modified} not modified, {report.listed} listed, "
        f"{report.new} new, {report.updated} updated, {report.alerts} alert(s)"
    )
    if report.baseline:
        text += " (baseline recorded: no alerts on a first poll; use --backfill to alert)"
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
@click.option("--now", "ignore_backoff", is_flag=True, help="Also send alerts whose retry is not due yet.")
@click.pass_context
def deliver(context: click.Context, ignore_backoff: bool) -> None:
    """Send the queued alerts that are due."""
    runtime = _runtime(context)
    try:
        report = runtime.deliverer().deliver_due(ignore_backoff=ignore_backoff)
    finally:
        runtime.close()
    echo_delivery(report)
    if report.failed or report.held:
        sys.exit(1)


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return utcnow() - timedelta(seconds=parse_duration(value))
    except ValueError:
        pass
    moment = parse_timestamp(value)
    if moment is None:
        raise click.BadParameter(f"{value!r} is neither a date (2024-02-09) nor a duration (7d)", param_hint="--since")
    return moment


@main.command()
@click.option("--category", help="Only items labelled with this category.")
@click.option("--since", help="Items first seen since a date (JST, e.g. 2024-02-09) or for a duration (e.g. 7d).")
@click.option("--source", "source_id", help="Only items first found by this source.")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def items(
    context: click.Context, category: str | None, since: str | None, source_id: str | None, limit: int, as_json: bool
) -> None:
    """List stored items, newest first."""
    from monitor.store import list_items

    runtime = _runtime(context)
    try:
        with runtime.store.begin() as connection:
            rows = list_items(connection, category=category, since=_since(since), source_id=source_id, limit=limit)
    finally:
        runtime.close()
    for row in rows:
        if as_json:
            click.echo(json.dumps(_item_json(row), ensure_ascii=False))
        else:
            labels = ",".join(row["labels"]) or "-"
            click.echo(
                f"{format_jst(row['published_at'] or row['first_seen_at'])}  {row['source_id']:<14} {labels:<28} {row['title']}\n    {row['link']}"
            )


def _item_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.astimezone(timezone.utc).isoformat() if isinstance(value, datetime) else value for key, value in row.items()
    }


@main.command()
@click.argument("path", default="-", type=click.File("r", encoding="utf-8"))
@click.pass_context
def classify(context: click.Context, path) -> None:
    """Classify JSON Lines (title, body, optional id, url, source, published); one JSON line out per line in."""
    from monitor.classification import load_classifier
    from monitor.classification.batch import classify_lines

    classifier = load_classifier(_settings(context).config)
    for output in classify_lines(classifier, path):
        click.echo(json.dumps(output, ensure_ascii=False))


@main.command("eval")
@click.argument("path", type=click.File("r", encoding="utf-8"))
@click.pass_context
def evaluate(context: click.Context, path) -> None:
    """Precision, recall and F1 per category and fact field on labelled JSON Lines (labels, facts)."""
    from monitor.classification import load_classifier
    from monitor.classification.batch import evaluate_lines

    config = _settings(context).config
    click.echo(evaluate_lines(load_classifier(config), config.category_names, path))


@main.command()
@click.option("--folds", default=5, show_default=True, help="Folds of the frame-held-out evaluation (0: none).")
@click.pass_context
def train(context: click.Context, folds: int) -> None:
    """Rebuild the classifier from the corpus and the config's categories; report how it does on
    frames it never saw (grouped cross-validation) and on titles alone."""
    from monitor.classification import category_specs, corpus_lines, load_classifier
    from monitor.classification.crossval import frame_held_out
    from monitor.classification.model import examples_from_jsonl

    config = _settings(context).config
    classifier = load_classifier(config, rebuild=True)
    click.echo(f"model {classifier.name}: categories {', '.join(classifier.categories)}")
    if folds:  # the built-in categories, on the built-in corpus (a category of yours: `regwatch eval` its file)
        built_in = [spec for spec in category_specs(config) if spec.built_in]
        report = frame_held_out(built_in, examples_from_jsonl(corpus_lines()), embedder=classifier.embedder, folds=folds)
        click.echo(report.text())


@main.group("config")
def config_group() -> None:
    """Inspect the configuration."""


@config_group.command("check")
@click.pass_context
def config_check(context: click.Context) -> None:
    """Validate the config file and print the effective sources and routes."""
    from monitor.sources import resolve_all

    settings = _settings(context)
    config = settings.config
    click.echo(f"config: {settings.origin} (valid)")
    click.echo(f"database: {_redacted(settings.database_url)}")
    click.echo("sources:")
    for spec in resolve_all(config).values():
        detail = spec.detail.kind if spec.detail else "none"
        filters = "".join(f" include={p.pattern}" for p in spec.include_links) + "".join(
            f" exclude={p.pattern}" for p in spec.exclude_links
        )
        state = "" if spec.enabled else " (disabled)"
        click.echo(
            f"  {spec.id}: {spec.kind} {spec.url} every {spec.interval:g}s (+{spec.jitter:g}s jitter), detail={detail}{filters}{state}"
        )
    click.echo("channels:")
    for name, channel in config.channels.items():
        click.echo(f"  {name}: {channel.kind}{' ' + channel.channel if channel.channel else ''}")
    click.echo("routes:")
    for route in config.routes:
        click.echo(
            f"  {route.name}: categories={','.join(route.categories)} sources={','.join(route.sources)} "
            f"events={','.join(route.events)} min_score={route.min_score:g} -> {','.join(route.channels)}"
        )


def _redacted(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}" if ":" in credentials else url
    return url


@main.group("db")
def db_group() -> None:
    """Database maintenance."""


@db_group.command("upgrade")
@click.pass_context
def db_upgrade(context: click.Context) -> None:
    """Apply pending migrations."""
    from monitor.store import Store

    settings = _settings(context)
    database = Store(settings.database_url)
    try:
        database.upgrade()
    except RegwatchError as exc:
        raise _CliError(str(exc)) from None
    finally:
        database.dispose()
    click.echo(f"database at head: {_redacted(settings.database_url)}")


# Operator commands live in their own module; importing it registers them on ``main``.
from monitor import cli_delivery  # noqa: E402,F401
