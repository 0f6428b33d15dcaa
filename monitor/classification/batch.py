"""JSON Lines in, JSON Lines out: what ``regwatch classify`` and ``regwatch eval`` do.

Input, one item per line: ``title`` and ``body``, optional ``id``, ``url``, ``source`` and
``published`` (ISO 8601; a time without an offset is JST). Output, one line per input line, in
order: ``{"id", "labels", "scores", "evidence", "facts"}``, or ``{"id", "line", "error"}`` for a
line that could not be read: the other lines are still processed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from monitor.classification import Classifier
from monitor.classification.evaluate import fact_scores, format_table, label_scores, macro_f1
from monitor.items import Document
from monitor.jpdates import JST
from monitor.text import normalize, normalize_line

_BATCH = 64


class InputError(ValueError):
    pass


@dataclass(frozen=True)
class Parsed:
    line: int
    id: Any
    document: Document | None
    error: str | None
    item: dict[str, Any]


def parse_line(number: int, line: str) -> Parsed:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return Parsed(number, None, None, f"not valid JSON: {exc.msg} (column {exc.colno})", {})
    if not isinstance(item, dict):
        return Parsed(number, None, None, "not a JSON object", {})
    identifier = item.get("id", number)
    try:
        document = _document(item)
    except InputError as exc:
        return Parsed(number, identifier, None, str(exc), item)
    return Parsed(number, identifier, document, None, item)


def _document(item: dict[str, Any]) -> Document:
    title, body = item.get("title"), item.get("body")
    if not isinstance(title, str) or not isinstance(body, str):
        raise InputError("needs string fields 'title' and 'body'")
    published = None
    if item.get("published") is not None:
        try:
            published = datetime.fromisoformat(str(item["published"]).replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"'published' is not an ISO 8601 time: {item['published']!r}") from None
        if published.tzinfo is None:
            published = published.replace(tzinfo=JST)
    return Document(normalize_line(title), normalize(body), published, str(item.get("url") or ""), str(item.get("source") or ""))


def read_items(lines: Iterable[str]) -> Iterator[Parsed]:
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield parse_line(number, line)


def classify_lines(classifier: Classifier, lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """One output object per non-blank input line, in order, classifying in batches."""
    return classify_parsed(classifier, read_items(lines))


def classify_parsed(classifier: Classifier, items: Iterable[Parsed]) -> Iterator[dict[str, Any]]:
    batch: list[Parsed] = []
    for parsed in items:
        batch.append(parsed)
        if len(batch) >= _BATCH:
            yield from _classify_batch(classifier, batch)
            batch = []
    yield from _classify_batch(classifier, batch)


def _classify_batch(classifier: Classifier, batch: Sequence[Parsed]) -> Iterator[dict[str, Any]]:
    readable = [parsed for parsed in batch if parsed.document is not None]
    results = iter(classifier.classify_many([parsed.document for parsed in readable]))  # type: ignore[misc]
    for parsed in batch:
        if parsed.document is None:
            yield {"id": parsed.id, "line": parsed.line, "error": parsed.error}
            continue
        result = next(results)
        yield {
            "id": parsed.id,
            "labels": list(result.labels),
            "scores": dict(result.scores),
            "evidence": {category: list(phrases) for category, phrases in result.evidence.items()},
            "facts": dict(result.facts),
        }


def evaluate_lines(classifier: Classifier, categories: Sequence[str], lines: Iterable[str]) -> str:
    """Precision, recall and F1 per category (of the items, and of their titles alone), hard
    negatives labelled positive, and per fact field, as a printable report."""
    parsed = [item for item in read_items(lines) if item.document is not None]
    outputs = list(classify_parsed(classifier, parsed))
    gold_labels = [item.item.get("labels", []) for item in parsed]
    label_table = label_scores(gold_labels, [output["labels"] for output in outputs], categories)
    lines_out = [f"{len(parsed)} items", format_table("category", label_table), f"macro F1 {macro_f1(label_table):.3f}"]
    hard = [item for item in parsed if item.item.get("kind") == "hard_negative"]
    if hard:
        alarms = [item.id for item, output in zip(parsed, outputs, strict=True) if item in hard and output["labels"]]
        lines_out.append(
            f"hard negatives labelled positive: {len(alarms)} of {len(hard)} ({len(alarms) / len(hard):.1%})"
            + (f" ({', '.join(map(str, alarms))})" if alarms else "")
        )
    with_body = [i for i, item in enumerate(parsed) if item.document and item.document.body]
    if with_body:
        titles = [replace(parsed[i], document=replace(parsed[i].document, body="")) for i in with_body]  # type: ignore[arg-type]
        title_outputs = list(classify_parsed(classifier, titles))
        title_table = label_scores([gold_labels[i] for i in with_body], [o["labels"] for o in title_outputs], categories)
        lines_out += ["", f"the same {len(with_body)} items with a body, title only", format_table("category", title_table)]
        lines_out.append(f"macro F1 {macro_f1(title_table):.3f}")
    with_facts = [
        (item.item["facts"], output["facts"]) for item, output in zip(parsed, outputs, strict=True) if item.item.get("facts")
    ]
    if with_facts:
        gold_facts, predicted_facts = zip(*with_facts, strict=True)
        lines_out += ["", format_table("fact", fact_scores(gold_facts, predicted_facts))]
    return "\n".join(lines_out)
