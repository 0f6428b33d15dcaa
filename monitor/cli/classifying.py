"""Commands about what items say: ``items`` (the stored ones), ``classify``, ``eval`` and ``train``."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import IO, Any

import click

from monitor.cli.app import Context, main, pass_context
from monitor.jpdates import format_jst, parse_timestamp, utcnow


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        from monitor.config import parse_duration

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
@pass_context
def items(context: Context, category: str | None, since: str | None, source_id: str | None, limit: int, as_json: bool) -> None:
    """List stored items, newest first."""
    from monitor.store import list_items

    with context.runtime() as runtime, runtime.store.read() as connection:
        rows = list_items(connection, category=category, since=_since(since), source_id=source_id, limit=limit)
    for row in rows:
        if as_json:
            click.echo(json.dumps(_item_json(row), ensure_ascii=False))
        else:
            labels = ",".join(row["labels"]) or "-"
            moment = format_jst(row["published_at"] or row["first_seen_at"])
            click.echo(f"{moment}  {row['source_id']:<14} {labels:<28} {row['title']}\n    {row['link']}")


def _item_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.astimezone(timezone.utc).isoformat() if isinstance(value, datetime) else value for key, value in row.items()
    }


@main.command()
@click.argument("path", default="-", type=click.File("r", encoding="utf-8"))
@pass_context
def classify(context: Context, path: IO[str]) -> None:
    """Classify JSON Lines (title, body, optional id, url, source, published); one JSON line out per line in."""
    from monitor.classification.batch import classify_lines

    classifier, _ = context.classifier()
    for output in classify_lines(classifier, path):
        click.echo(json.dumps(output, ensure_ascii=False))


@main.command("eval")
@click.argument("path", type=click.File("r", encoding="utf-8"))
@pass_context
def evaluate(context: Context, path: IO[str]) -> None:
    """Precision, recall and F1 per category (and of titles alone), hard negatives labelled positive,
    and per fact field, on labelled JSON Lines (labels, kind, facts)."""
    from monitor.classification.batch import evaluate_lines

    classifier, _ = context.classifier()
    click.echo(evaluate_lines(classifier, context.settings().config.category_names, path))


@main.command()
@click.option("--folds", default=5, show_default=True, help="Folds of the frame-held-out evaluation (0: none).")
@pass_context
def train(context: Context, folds: int) -> None:
    """Rebuild the classifier from the corpus and the config's categories; report how it does on
    frames it never saw (grouped cross-validation) and on titles alone."""
    from monitor.classification import category_specs, corpus_lines
    from monitor.classification.crossval import frame_held_out
    from monitor.classification.model import examples_from_jsonl

    classifier, corrections = context.classifier(rebuild=True)
    config = context.settings().config
    click.echo(f"model {classifier.name}: categories {', '.join(classifier.categories)}")
    if corrections:  # reported apart from the corpus: how the new model labels what people corrected
        agreed = sum(
            set(result.labels) == set(example.labels)
            for example, result in zip(corrections, classifier.classify_many([e.document for e in corrections]), strict=True)
        )
        click.echo(f"label corrections from the dashboard: {len(corrections)} items trained on; "
                   f"the model now gives {agreed} of them exactly the corrected labels")  # fmt: skip
    if folds:  # the built-in categories, on the built-in corpus (a category of yours: `regwatch eval` its file)
        built_in = [spec for spec in category_specs(config) if spec.built_in]
        report = frame_held_out(built_in, examples_from_jsonl(corpus_lines()), embedder=classifier.embedder, folds=folds)
        click.echo(report.text())
