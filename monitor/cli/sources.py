"""``regwatch sources``: each source's state, and ``sources test`` to try one without changing anything."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from monitor.cli.app import CliError, Context, main, pass_context
from monitor.jpdates import format_jst

if TYPE_CHECKING:
    from monitor.models import SourceRow


@main.group("sources", invoke_without_command=True)
@click.pass_context
def sources_group(click_context: click.Context) -> None:
    """Each source's state, last success, failures in a row, items seen and its problem."""
    if click_context.invoked_subcommand is not None:
        return
    from monitor.store import detail_failures, source_rows

    with click_context.obj.runtime() as runtime, runtime.store.read() as connection:
        rows = source_rows(connection)
        failing_details = detail_failures(connection)
    click.echo(f"{'source':<16} {'state':<9} {'last success':<21} {'failures':>8} {'items':>6}  problem")
    for row in rows:
        state, problem = source_state(row, *failing_details.get(row.id, (0, None)))
        click.echo(
            f"{row.id:<16} {state:<9} {format_jst(row.last_success_at):<21} {row.consecutive_failures:>8} {row.items_seen:>6}  "
            + problem.replace("\n", " ")[:300]
        )


def source_state(row: SourceRow, failing_details: int, detail_error: str | None) -> tuple[str, str]:
    """What ``regwatch sources`` says of a source: its state and the problem to show beside it.

    ``new``: no poll has finished yet; ``never-ok``: every poll so far failed (most often a wrong
    URL or a host the guard refuses); ``failing``: its last poll failed after earlier successes (it
    is retried with backoff); ``broken``: it failed or listed nothing often enough to alert the operators;
    ``degraded``: it works, but some items' detail pages keep failing (they are alerted from their
    list entries).
    """
    if not row.enabled:
        return "disabled", ""
    if row.health == "broken":
        return "broken", row.broken_reason or row.last_error or ""
    if row.consecutive_failures:
        return ("failing" if row.last_success_at else "never-ok"), row.last_error or ""
    if row.last_success_at is None:
        return "new", "first poll under way" if row.last_attempt_at else "not polled yet"
    if failing_details:
        return "degraded", f"{failing_details} detail page(s) failing, e.g. {detail_error}"
    return "ok", ""


@sources_group.command("test")
@click.argument("source")
@click.option("--limit", default=10, show_default=True, help="Items shown, with their detail pages fetched.")
@pass_context
def sources_test(context: Context, source: str, limit: int) -> None:
    """Fetch SOURCE once (a configured id, or a URL read as a feed), show the items found and how
    each would be classified and routed. Nothing is stored and nothing is sent."""
    from monitor import aio
    from monitor.classification import load_classifier
    from monitor.trial import try_source

    settings = context.settings()
    try:
        trial = aio.run(try_source(settings, source, limit, load_classifier(settings.config)))
    except KeyError as exc:
        raise CliError(exc.args[0]) from None
    click.echo(trial.text())
    if trial.error:
        raise SystemExit(1)
