"""``regwatch sources``: each source's state, and ``sources test`` to try one without changing anything."""

from __future__ import annotations

import click

from monitor.cli.app import CliError, Context, main, pass_context
from monitor.jpdates import format_jst


@main.group("sources", invoke_without_command=True)
@click.pass_context
def sources_group(click_context: click.Context) -> None:
    """Each source's state, last success, failures in a row, items seen and its problem."""
    if click_context.invoked_subcommand is not None:
        return
    from monitor.store.source_states import source_states

    with click_context.obj.runtime() as runtime, runtime.store.read() as connection:
        sources = source_states(connection)
    click.echo(f"{'source':<16} {'state':<9} {'last success':<21} {'failures':>8} {'items':>6}  problem")
    for source in sources:
        row = source.row
        click.echo(
            f"{row.id:<16} {source.state:<9} {format_jst(row.last_success_at):<21} {row.consecutive_failures:>8} {row.items_seen:>6}  "
            + source.problem.replace("\n", " ")[:300]
        )


@sources_group.command("test")
@click.argument("source", required=False)
@click.option("--preset", metavar="NAME", help="Try a preset of the catalog (see `regwatch sources presets`).")
@click.option("--url", metavar="URL", help="With --preset: read this page with the preset's scraper and selectors.")
@click.option("--limit", default=10, show_default=True, help="Items shown, with their detail pages fetched.")
@pass_context
def sources_test(context: Context, source: str | None, preset: str | None, url: str | None, limit: int) -> None:
    """Fetch SOURCE once (a configured id, a URL read as a feed, or --preset NAME), show the items
    found (title, date, link) and how each would be classified and routed. Nothing is stored and
    nothing is sent."""
    from pydantic import ValidationError

    from monitor import aio
    from monitor.trial import source_to_try, try_source

    if (source is None) == (preset is None) or (url and not preset):
        raise CliError("give a source id or URL, or --preset NAME (optionally with --url)")
    settings = context.settings()
    try:
        spec = source_to_try(settings, source, preset, url)
    except KeyError as exc:
        raise CliError(exc.args[0]) from None
    except ValidationError as exc:
        raise CliError("; ".join(error["msg"].removeprefix("Value error, ") for error in exc.errors())) from None
    classifier, _ = context.classifier()  # the service's: a trial labels items as a poll would
    trial = aio.run(try_source(settings, spec, limit, classifier))
    click.echo(trial.text())
    if trial.error:
        raise SystemExit(1)


@sources_group.command("presets")
def sources_presets() -> None:
    """The catalog of sources: each preset's name, kind, what its selectors were written from, and
    what it watches. Use one with `preset = "NAME"` in a [[sources]] entry, or `sources add`."""
    from monitor.presets import presets

    for preset in presets().values():
        click.echo(f"{preset.key:<24} {preset.kind:<15} {preset.basis:<13} {preset.name}")
        click.echo(f"{'':<24} {preset.watches}")
        click.echo(f"{'':<24} {preset.url}")


@sources_group.command("add")
@click.option("--preset", "preset_key", metavar="NAME", required=True, help="A preset of the catalog.")
@click.option("--id", "source_id", metavar="ID", help="The new source's id (default: the preset's key, as given to --preset).")
@pass_context
def sources_add(context: Context, preset_key: str, source_id: str | None) -> None:
    """Append a [[sources]] entry using a preset to the config file, once the result is valid.
    Override its keys by editing the entry (they win over the preset's, key by key)."""
    from monitor.config import load_settings
    from monitor.errors import ConfigError
    from monitor.presets import get_preset

    settings = context.settings()
    if settings.path is None:
        raise CliError("no config file to add to: give --config PATH, set REGWATCH_CONFIG, or create ./regwatch.toml")
    try:
        preset = get_preset(preset_key)
    except KeyError as exc:
        raise CliError(exc.args[0]) from None
    new_id = source_id or preset.key
    original = settings.path.read_text(encoding="utf-8")
    entry = f'\n# {preset.name}: {preset.watches}\n[[sources]]\nid = "{new_id}"\npreset = "{preset.key}"\n'
    settings.path.write_text(original.rstrip("\n") + "\n" + entry, encoding="utf-8")
    try:
        updated = load_settings(settings.path)
    except ConfigError as exc:
        settings.path.write_text(original, encoding="utf-8")
        raise CliError(f"not added: {exc}") from None
    click.echo(f"added source {new_id!r} ({preset.name}, {preset.url}) to {settings.path}")
    if len(updated.config.sources) == 1:
        click.echo("note: a [[sources]] list of your file replaces the built-in sources; it now holds only this one")
