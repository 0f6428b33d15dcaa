"""Honest evaluation: frame-held-out cross-validation, and the same items read from their titles alone.

Items written from one frame share their phrasing; a test item whose frame was trained on says
little about text nobody here wrote. So the corpus is split by frame (GroupKFold): each fold's
model is tested only on frames it never saw. The report gives per category precision, recall and
F1, hard negatives labelled positive, and the scores of the same held-out items with their bodies
removed (a list page or a bare feed gives only the title), and of the items that are titles alone
(title-only frames and real MIC release titles).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import GroupKFold

from monitor.classification.categories import CategorySpec
from monitor.classification.embeddings import Embedder
from monitor.classification.evaluate import Score, format_table, label_scores, macro_f1
from monitor.classification.features import analyse
from monitor.classification.model import THRESHOLD, Example, title_only, train


@dataclass(frozen=True)
class HeldOutReport:
    folds: int
    items: int
    frames: int
    scores: dict[str, Score]
    title_scores: dict[str, Score]  # the items with a body, their titles alone
    titles_alone: dict[str, Score]  # the items that are a title and nothing else
    hard_negatives: int
    false_alarms: list[str]

    @property
    def macro_f1(self) -> float:
        return macro_f1(self.scores)

    @property
    def title_macro_f1(self) -> float:
        return macro_f1(self.title_scores)

    @property
    def titles_alone_macro_f1(self) -> float:
        return macro_f1(self.titles_alone)

    def text(self) -> str:
        rate = len(self.false_alarms) / self.hard_negatives if self.hard_negatives else 0.0
        return "\n".join(
            [
                f"frame-held-out ({self.folds} folds, {self.items} items from {self.frames} frames; no frame both trained and tested)",
                format_table("category", self.scores),
                f"macro F1 {self.macro_f1:.3f}",
                f"hard negatives labelled positive: {len(self.false_alarms)} of {self.hard_negatives} ({rate:.1%})",
                "",
                "the items that are a title alone (title-only frames, real MIC release titles)",
                format_table("category", self.titles_alone),
                f"macro F1 {self.titles_alone_macro_f1:.3f}",
                "",
                "the items with a body, their titles alone (a title such as 「ご報告」 cannot say; a lower bound)",
                format_table("category", self.title_scores),
                f"macro F1 {self.title_macro_f1:.3f}",
            ]
        )


def frame_held_out(
    specs: Sequence[CategorySpec], examples: Sequence[Example], *, embedder: Embedder | None, folds: int = 5
) -> HeldOutReport:
    categories = [spec.name for spec in specs]
    groups = np.array([example.group for example in examples])
    predicted: list[set[str]] = [set() for _ in examples]
    predicted_titles: list[set[str]] = [set() for _ in examples]
    for train_rows, test_rows in GroupKFold(n_splits=folds).split(np.zeros(len(examples)), groups=groups):
        model = train(specs, [examples[i] for i in train_rows], embedder=embedder)
        tested = [examples[i] for i in test_rows]
        for row, labels in zip(test_rows, _labels(model, tested), strict=True):
            predicted[row] = labels
        for row, labels in zip(test_rows, _labels(model, [title_only(example) for example in tested]), strict=True):
            predicted_titles[row] = labels
    gold = [example.labels for example in examples]
    with_body = [i for i, example in enumerate(examples) if example.document.body]
    alone = [i for i, example in enumerate(examples) if not example.document.body]
    hard = [i for i, example in enumerate(examples) if example.kind == "hard_negative"]
    return HeldOutReport(
        folds=folds,
        items=len(examples),
        frames=len(set(groups)),
        scores=label_scores(gold, predicted, categories),
        title_scores=label_scores([gold[i] for i in with_body], [predicted_titles[i] for i in with_body], categories),
        titles_alone=label_scores([gold[i] for i in alone], [predicted[i] for i in alone], categories),
        hard_negatives=len(hard),
        false_alarms=[examples[i].group for i in hard if predicted[i]],
    )


def _labels(model, examples: Sequence[Example]) -> list[set[str]]:  # type: ignore[no-untyped-def]
    scores = model.scores(analyse([example.document for example in examples]))
    return [{name for name, values in scores.items() if values[row] >= THRESHOLD} for row in range(len(examples))]
