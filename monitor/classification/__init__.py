"""Classification: Document → Classification (labels, scores, evidence, facts).

Every classifier implements ``Classifier``; the pipeline, ``regwatch classify`` and ``regwatch eval``
only see that protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from monitor.items import Classification, Document


class Classifier(Protocol):
    name: str

    def classify(self, document: Document) -> Classification: ...

    def classify_many(self, documents: Sequence[Document]) -> list[Classification]: ...


def load_classifier() -> Classifier:
    from monitor.classification.rules import RuleClassifier

    return RuleClassifier()
