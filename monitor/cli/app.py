"""The ``regwatch`` group and what every command shares: the global options (accepted before or
after the subcommand), the settings, the runtime, and a clear error instead of a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from monitor import logs
from monitor.errors import ConfigError, RegwatchError

if TYPE_CHECKING:
    from monitor.classification.model import Example, TrainedClassifier
    from monitor.config import Settings
    from monitor.runtime import Runtime


class CliError(click.ClickException):
    exit_code = 1


@dataclass
class Context:
    config_path: str | None
    verbosity: int
    log_format: logs.LogFormat | None  # None: [logging] format of the config

    def settings(self) -> Settings:
        from monitor.config import load_settings

        try:
            settings = load_settings(self.config_path)
        except ConfigError as exc:
            raise CliError(str(exc)) from None
        logs.hide(settings.secrets)
        if self.log_format is None:  # the command line's --log-format wins over [logging] format
            logs.use_format(settings.config.logging.format)
        return settings

    @contextmanager
    def runtime(self) -> Iterator[Runtime]:
        """The store, sources and the rest, for one command; closed after it."""
        from monitor.runtime import Runtime

        try:
            runtime = Runtime.open(self.settings())
        except RegwatchError as exc:
            raise CliError(str(exc)) from None
        try:
            yield runtime
        finally:
            runtime.close()

    def classifier(self, *, rebuild: bool = False) -> tuple[TrainedClassifier, list[Example]]:
        """The classifier the service of this config and database uses, and the label corrections
        it learnt (``Runtime.load_classifier``). The database is only read: a command that
        classifies migrates, syncs and creates nothing (without a database, the corpus alone)."""
        from sqlalchemy.engine import make_url

        from monitor.classification import load_classifier
        from monitor.runtime import Runtime

        settings = self.settings()
        url = make_url(settings.database_url)
        if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).exists()):
            return load_classifier(settings.config, rebuild=rebuild), []  # nothing stored, nothing corrected
        runtime = Runtime.reading(settings)
        try:
            return runtime.load_classifier(rebuild=rebuild)
        finally:
            runtime.close()


pass_context = click.make_pass_decorator(Context)

_FLAGS = {"-v", "--verbose", "-vv", "-vvv"}
_WITH_VALUE = {"--config", "--log-format"}


def hoist_global_options(arguments: list[str]) -> list[str]:
    """``regwatch poll --once -v --config x.toml`` as ``regwatch -v --config x.toml poll --once``."""
    hoisted: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(arguments):
        argument = arguments[index]
        if argument == "--":
            rest += arguments[index:]
            break
        if argument in _FLAGS or argument.split("=", 1)[0] in _WITH_VALUE and "=" in argument:
            hoisted.append(argument)
        elif argument in _WITH_VALUE and index + 1 < len(arguments):
            hoisted += arguments[index : index + 2]
            index += 1
        else:
            rest.append(argument)
        index += 1
    return hoisted + rest


class _Group(click.Group):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(args))


def _show_version(context: click.Context, _option: click.Parameter, asked: bool) -> None:
    if asked and not context.resilient_parsing:
        from monitor import __version__

        click.echo(f"regwatch, version {__version__}")
        context.exit()


@click.group(cls=_Group)
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), help="TOML file (default: ./regwatch.toml or $REGWATCH_CONFIG)."
)
@click.option("-v", "--verbose", count=True, help="-v: each fetch and each alert too; -vv: debug, libraries included.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default=None,
    help="json: one object per line (default: [logging] format).",
)
@click.option(
    "--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version, help="Show the version and exit."
)
@click.pass_context
def main(context: click.Context, config_path: str | None, verbose: int, log_format: logs.LogFormat | None) -> None:
    """Watch Japanese ministry and news sources and alert teams about what matters to them.

    Global options may come before or after the command."""
    context.obj = Context(config_path, verbose, log_format)
    logs.configure(verbose, log_format or "text", service=context.invoked_subcommand in ("run", "worker"))
