"""Commands about where alerts go: ``outbox``, ``routes test`` and ``digest``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from alerts.states import DEAD, FAILED, HELD, RETRYABLE, STATES
from monitor.cli.app import CliError, Context, main, pass_context
from monitor.cli.polling import echo_delivery
from monitor.jpdates import JST, format_jst, utcnow

if TYPE_CHECKING:
    from monitor.items import EventKind


@main.group("outbox")
def outbox_group() -> None:
    """Inspect and retry queued alerts."""


@outbox_group.command("list")
@click.option("--state", "states", multiple=True, type=click.Choice([*STATES, "all"]), help="Default: held, failed and dead.")
@click.option("--channel")
@click.option("--limit", default=50, show_default=True)
@pass_context
def outbox_list(context: Context, states: tuple[str, ...], channel: str | None, limit: int) -> None:
    """Alerts held for their channel, waiting for a retry, or dead-lettered (or in any state with --state)."""
    from alerts import outbox

    chosen = STATES if "all" in states else states or RETRYABLE
    with context.runtime() as runtime, runtime.store.read() as connection:
        rows = outbox.list_rows(connection, states=chosen, channel=channel, limit=limit)
    if not rows:
        click.echo(f"no alerts in state {', '.join(chosen)}")
    for row in rows:
        title = row.payload.get("title") or row.payload.get("source_name", "")
        click.echo(
            f"#{row.id} {row.state:<7} {row.channel:<14} attempts {row.attempts:<2} next {format_jst(row.next_attempt_at)}  {title[:60]}"
            + (f"\n      {'held: ' if row.state == HELD else 'last error: '}{row.last_error}" if row.last_error else "")
        )


@outbox_group.command("retry")
@click.option("--failed", is_flag=True, help="Also alerts waiting for their next attempt (default: dead-lettered only).")
@click.option("--id", "ids", multiple=True, type=int, help="Only this alert (repeatable).")
@click.option("--channel")
@pass_context
def outbox_retry(context: Context, failed: bool, ids: tuple[int, ...], channel: str | None) -> None:
    """Put dead-lettered alerts back in line with a fresh count of attempts, and deliver."""
    from alerts import outbox

    with context.runtime() as runtime:
        with runtime.store.begin() as connection:
            count = outbox.retry(connection, utcnow(), states=(DEAD, FAILED) if failed else (DEAD,), channel=channel, ids=ids)
        click.echo(f"{count} alert(s) queued again")
        echo_delivery(runtime.deliverer().deliver_due(ignore_backoff=True), always=True)


@main.group("routes")
def routes_group() -> None:
    """Check routing."""


@routes_group.command("test")
@click.argument("item_url")
@click.option("--event", "event", type=click.Choice(["new", "updated"]), default="new", show_default=True)
@pass_context
def routes_test(context: Context, item_url: str, event: EventKind) -> None:
    """Which channels a stored item would reach, and why."""
    from sqlalchemy import or_, select

    from monitor.items import Classification
    from monitor.models import ClassificationRow, ItemRow
    from monitor.route import decide
    from monitor.urls import canonical_url

    with context.runtime() as runtime, runtime.store.session() as session:
        item = session.scalars(
            select(ItemRow).where(or_(ItemRow.url == canonical_url(item_url), ItemRow.link == item_url))
        ).first()
        stored = session.get(ClassificationRow, item.id) if item else None
        routes = runtime.settings.config.routes
    if item is None:
        raise CliError(f"no stored item at {item_url}")
    classification = (
        Classification(tuple(stored.labels), stored.scores, {}, {}, stored.model)
        if stored
        else Classification((), {}, {}, {}, "")
    )
    click.echo(
        f"{item.title}\n{item.link}\nsource {item.source_id}; categories: "
        + (", ".join(f"{c} {classification.scores.get(c, 0):.2f}" for c in classification.labels) or "none")
    )
    reached: dict[str, list[str]] = {}
    for route in routes:
        decision = decide(route, source_id=item.source_id, event=event, classification=classification)
        click.echo(f"\nroute {route.name}: {'sends to ' + ', '.join(route.channels) if decision.applies else 'does not apply'}")
        for reason in decision.reasons:
            click.echo(f"  - {reason}")
        for channel in route.channels if decision.applies else ():
            reached.setdefault(channel, []).append(route.name)
    click.echo("\nchannels: " + (", ".join(f"{channel} (by {', '.join(names)})" for channel, names in reached.items()) or "none"))


@main.command()
@click.option("--channel", help="The email channel (default: every one).")
@click.option(
    "--preview",
    "preview",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the HTML of the digest that would go now.",
)
@click.option("--send", is_flag=True, help="Send the digest now (once a day per channel).")
@pass_context
def digest(context: Context, channel: str | None, preview: Path | None, send: bool) -> None:
    """Preview or send the email digest."""
    from alerts.digest import Digests
    from alerts.email import render

    if not preview and not send:
        raise click.UsageError("give --preview PATH or --send")
    with context.runtime() as runtime:
        digests = Digests(runtime.store, runtime.settings)
        names = [channel] if channel else list(digests.channels)
        if not names or any(name not in digests.channels for name in names):
            raise CliError(
                f"no email channel {channel or ''} in the config; email channels: {', '.join(digests.channels) or 'none'}"
            )
        now = utcnow()
        for name in names:
            if preview:
                built = digests.build(name, digests.next_window(name, now), now.astimezone(JST).date())
                path = preview if len(names) == 1 else preview.with_name(f"{preview.stem}-{name}{preview.suffix}")
                path.write_text(render(built)[1], encoding="utf-8")
                click.echo(f"{name}: {built.subject} → {path}")
            if send and not digests.schedule(name, now, business_days_only=False):
                click.echo(f"{name}: today's digest exists already; it is sent once a day")
        attempts = digests.send_due(now) if send else []
    for attempt in attempts:
        click.echo(attempt.line)
    if any(not attempt.sent for attempt in attempts):
        sys.exit(1)
