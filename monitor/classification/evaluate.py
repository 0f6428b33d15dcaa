"""Evaluation (pure): precision, recall and F1 per category and per fact field.

Facts are compared as sets per item and counted over all items (micro-averaged): a value is
right when the gold item has it. People compare by name, resolved dates by the date they resolve
to, figures by count and counter (what is counted is free text, worded many ways); names ignore
spaces (森林 正彰 = 森林正彰).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from monitor.facts import FACT_FIELDS


@dataclass(frozen=True)
class Score:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        actual = self.true_positives + self.false_negatives
        return self.true_positives / actual if actual else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Score) -> Score:
        return Score(
            self.true_positives + other.true_positives,
            self.false_positives + other.false_positives,
            self.false_negatives + other.false_negatives,
        )


ZERO = Score(0, 0, 0)


def set_score(gold: Iterable[Any], predicted: Iterable[Any]) -> Score:
    gold_set, predicted_set = set(gold), set(predicted)
    return Score(len(gold_set & predicted_set), len(predicted_set - gold_set), len(gold_set - predicted_set))


def label_scores(
    gold: Sequence[Iterable[str]], predicted: Sequence[Iterable[str]], categories: Iterable[str]
) -> dict[str, Score]:
    scores: dict[str, Score] = {}
    for category in categories:
        total = ZERO
        for gold_labels, predicted_labels in zip(gold, predicted, strict=True):
            total += set_score({category} & set(gold_labels), {category} & set(predicted_labels))
        scores[category] = total
    return scores


def macro_f1(scores: Mapping[str, Score]) -> float:
    return sum(score.f1 for score in scores.values()) / len(scores) if scores else 0.0


def fact_scores(gold: Sequence[Mapping[str, Any]], predicted: Sequence[Mapping[str, Any]]) -> dict[str, Score]:
    scores = {field: ZERO for field in FACT_FIELDS}
    for gold_facts, predicted_facts in zip(gold, predicted, strict=True):
        for field in FACT_FIELDS:
            if field in gold_facts:  # a gold item may leave a field unannotated
                scores[field] += set_score(
                    comparable(field, gold_facts[field]), comparable(field, predicted_facts.get(field, []))
                )
    return scores


def comparable(field: str, values: Iterable[Any]) -> set[Any]:
    """The form of a fact field's values that evaluation compares."""
    result: set[Any] = set()
    for value in values or []:
        if field == "people":
            name = value["name"] if isinstance(value, Mapping) else value
            result.add(_name(name))
        elif field == "resolved_dates":
            result.add(value["date"] if isinstance(value, Mapping) else value)
        elif field == "figures":
            result.add(_figure(value))
        elif field == "organizations":
            result.add(_name(value))
        else:
            result.add(str(value) if field != "amounts_jpy" else int(value))
    return result


def _figure(figure: Mapping[str, Any]) -> tuple[int, str]:
    """(value, unit) of a figure {"what", "value", "unit", "approximate", "of"}."""
    if "value" not in figure or "unit" not in figure:
        raise ValueError(f"a figure needs 'value' and 'unit': {dict(figure)!r}")
    return int(figure["value"]), _name(figure["unit"])


def _name(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def format_table(title: str, scores: Mapping[str, Score]) -> str:
    lines = [f"{title:<22} precision  recall      F1   (tp/fp/fn)"]
    for name, score in scores.items():
        lines.append(
            f"{name:<22} {score.precision:9.3f} {score.recall:7.3f} {score.f1:7.3f}   "
            f"({score.true_positives}/{score.false_positives}/{score.false_negatives})"
        )
    return "\n".join(lines)
