"""``regwatch model build``: the classifier trained ahead of time, into a directory of its own.

An image bakes the model in at build time (deploy/Dockerfile) and points REGWATCH_MODEL_DIR at it,
so a container with a read-only root filesystem trains and downloads nothing when it starts."""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli.app import Context, main, pass_context


@main.group("model")
def model_group() -> None:
    """The classifier's model."""


@model_group.command("build")
@click.option(
    "--into",
    "directory",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write the model to; a service started with REGWATCH_MODEL_DIR set to it loads it from there.",
)
@pass_context
def model_build(context: Context, directory: Path) -> None:
    """Train the classifier for the config's categories (the built-in ones without a config) into DIR."""
    from monitor.classification import build_classifier

    click.echo(f"model written to {build_classifier(context.settings().config, directory)}")
