"""``regwatch watch test TEXT``: which ``[[watch]]`` entries a text mentions, and by which words."""

from __future__ import annotations

import click

from monitor.cli.app import CliError, Context, main, pass_context


@main.group()
def watch() -> None:
    """Watchlists: the [[watch]] entries of the config."""


@watch.command("test")
@click.argument("text", nargs=-1, required=True)
@pass_context
def watch_test(context: Context, text: tuple[str, ...]) -> None:
    """Show what TEXT matches: each entry, the kind of term and the words found. Exit 1 when nothing does."""
    from monitor.watch import watchlist

    entries = context.settings().config.watch
    if not entries:
        raise CliError("the config has no [[watch]] entries")
    hits = watchlist(entries).hits(" ".join(text))
    for hit in hits:
        click.echo(f"{hit.entry}: {hit.kind} {hit.term!r} found as {hit.found!r}")
    if not hits:
        raise CliError(f"no [[watch]] entry matches (entries: {', '.join(entry.name for entry in entries)})")
