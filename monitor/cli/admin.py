"""Commands about the set-up: ``config check`` and ``db upgrade``."""

from __future__ import annotations

import click

from monitor.cli.app import CliError, Context, main, pass_context
from monitor.errors import RegwatchError


@main.group("config")
def config_group() -> None:
    """Inspect the configuration."""


@config_group.command("check")
@pass_context
def config_check(context: Context) -> None:
    """Validate the config file and print the effective sources, channels and routes."""
    from monitor.sources import resolve_all

    settings = context.settings()
    config = settings.config
    click.echo(f"config: {settings.origin} (valid)")
    click.echo(f"database: {redacted(settings.database_url)}")
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


def redacted(url: str) -> str:
    """A database URL as it may be shown: no password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}" if ":" in credentials else url
    return url


@main.group("db")
def db_group() -> None:
    """Database maintenance."""


@db_group.command("upgrade")
@click.option("--queue", is_flag=True, help="Also create distributed mode's job queue (implied by its [service] mode).")
@pass_context
def db_upgrade(context: Context, queue: bool) -> None:
    """Apply pending migrations (and create the job queue of distributed mode); idempotent."""
    from monitor.store import Store

    settings = context.settings()
    database = Store(settings.database_url)
    queue = queue or settings.config.service.mode == "distributed"
    try:
        database.upgrade()
        if queue:
            from monitor.distributed.schema import apply_queue_schema

            created = apply_queue_schema(database)
    except RegwatchError as exc:
        raise CliError(str(exc)) from None
    finally:
        database.dispose()
    click.echo(f"database at head: {redacted(settings.database_url)}")
    if queue:
        click.echo("job queue (procrastinate): " + ("created" if created else "present"))
