"""The trained classifier: character n-gram TF-IDF plus category cues, a logistic regression per
category, behind each category's vocabulary gate; facts extracted alongside.

Character 2-3-grams need no tokenizer and carry Japanese phrasing well; the cue flags carry the
category definitions (including what a category is not). Each category's model is trained only
on the texts its gate lets through, so it learns exactly the hard distinctions: a refund only
considered against a refund made, 人事院勧告 against a regulator's 勧告. A category without
labelled examples (a user's, defined by patterns alone) is decided by its patterns.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from monitor.classification.categories import CategorySpec
from monitor.facts import extract_facts
from monitor.items import Classification, Document

logger = logging.getLogger(__name__)

MODEL_VERSION = "tfidf-cues-lr-1"
_BODY_CHARACTERS = 1200  # the lead carries the subject; a long body only adds noise and time
_CUE_WEIGHT = 1.5
_THRESHOLD = 0.5


def model_text(document: Document) -> str:
    """What the n-grams are read from: the title twice (it says what the item is), then the lead."""
    return f"{document.title}\n{document.title}\n{document.body[:_BODY_CHARACTERS]}"


def full_text(document: Document) -> str:
    return f"{document.title}\n{document.body}"


@dataclass
class CategoryModel:
    spec: CategorySpec
    estimator: LogisticRegression | None  # None: decided by the gate (patterns) alone


class TrainedClassifier:
    """Implements monitor.classification.Classifier."""

    def __init__(self, vectorizer: TfidfVectorizer, categories: list[CategoryModel], name: str) -> None:
        self._vectorizer = vectorizer
        self._categories = categories
        self.name = name

    @property
    def categories(self) -> list[str]:
        return [category.spec.name for category in self._categories]

    def classify(self, document: Document) -> Classification:
        return self.classify_many([document])[0]

    def classify_many(self, documents: Sequence[Document]) -> list[Classification]:
        if not documents:
            return []
        texts = [full_text(document) for document in documents]
        gates = {category.spec.name: np.array([category.spec.gated(text) for text in texts]) for category in self._categories}
        # Most news passes no category's gate: those items need no n-grams at all.
        needs_model = (
            np.any([gates[c.spec.name] for c in self._categories if c.estimator is not None], axis=0)
            if self._categories
            else np.zeros(len(texts), bool)
        )
        rows = np.flatnonzero(needs_model)
        features = self._features([documents[i] for i in rows], [texts[i] for i in rows]) if len(rows) else None
        scores_by_category = {
            category.spec.name: self._scores(category, gates[category.spec.name], rows, features) for category in self._categories
        }
        results = []
        for row, (document, text) in enumerate(zip(documents, texts, strict=True)):
            scores = {name: round(float(scores[row]), 4) for name, scores in scores_by_category.items()}
            labels = tuple(name for name, score in scores.items() if score >= _THRESHOLD)
            evidence = {
                category.spec.name: category.spec.evidence(text) for category in self._categories if category.spec.name in labels
            }
            results.append(Classification(labels, scores, evidence, extract_facts(document).to_json(), self.name))
        return results

    def _features(self, documents: Sequence[Document], texts: Sequence[str]) -> csr_matrix:
        return features(self._vectorizer, [c.spec for c in self._categories], documents, texts)

    def _scores(self, category: CategoryModel, gated: np.ndarray, rows: np.ndarray, features: csr_matrix | None) -> np.ndarray:
        """Probability for gated texts (``rows`` index the texts ``features`` were computed for)."""
        if category.estimator is None:
            return gated.astype(float)
        scores = np.zeros(len(gated))
        selected = gated[rows]
        if features is not None and selected.any():
            scores[rows[selected]] = category.estimator.predict_proba(features[selected])[:, 1]
        return scores


def features(
    vectorizer: TfidfVectorizer, specs: Sequence[CategorySpec], documents: Sequence[Document], texts: Sequence[str]
) -> csr_matrix:
    ngrams = vectorizer.transform([model_text(document) for document in documents])
    return hstack([ngrams, cue_matrix(specs, texts)], format="csr")


def cue_matrix(specs: Sequence[CategorySpec], texts: Sequence[str]) -> csr_matrix:
    """One column per cue of every category (1 when it matches), plus each category's gate."""
    columns = [pattern for spec in specs for _, pattern, _ in spec.cues]
    rows = []
    for text in texts:
        row = [1.0 if pattern.search(text) else 0.0 for pattern in columns]
        row += [1.0 if spec.gated(text) else 0.0 for spec in specs]
        rows.append(row)
    return csr_matrix(np.array(rows) * _CUE_WEIGHT)


@dataclass(frozen=True)
class Example:
    document: Document
    labels: frozenset[str]


def train(
    specs: Sequence[CategorySpec], examples: Sequence[Example], extra: dict[str, Sequence[Example]] | None = None
) -> TrainedClassifier:
    """Fit the n-gram vocabulary and one model per category that has labelled examples.

    ``extra`` adds a category's own labelled examples (a user's file) to what it is trained on.
    """
    vectorizer = TfidfVectorizer(
        analyzer="char", ngram_range=(2, 3), min_df=2, sublinear_tf=True, max_features=60000, dtype=np.float32
    )
    all_examples = [*examples, *(example for more in (extra or {}).values() for example in more)]
    vectorizer.fit([model_text(example.document) for example in all_examples])
    categories: list[CategoryModel] = []
    for spec in specs:
        pool = [*examples, *((extra or {}).get(spec.name, ()))]
        gated = [example for example in pool if spec.gated(full_text(example.document))]
        labels = [spec.name in example.labels for example in gated]
        if spec.examples is None and not spec.built_in or len(set(labels)) < 2:
            categories.append(CategoryModel(spec, None))
            continue
        matrix = features(vectorizer, specs, [e.document for e in gated], [full_text(e.document) for e in gated])
        estimator = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000)
        estimator.fit(matrix, labels)
        categories.append(CategoryModel(spec, estimator))
    fingerprint = hashlib.sha256(repr([s.name for s in specs]).encode()).hexdigest()[:8]
    return TrainedClassifier(vectorizer, categories, f"{MODEL_VERSION}-{fingerprint}")


def examples_from_jsonl(lines: Iterable[str]) -> list[Example]:
    """Labelled items in the classify format (title, body, optional published, labels); ValueError
    names the first line that cannot be read."""
    from monitor.classification.batch import read_items

    examples = []
    for parsed in read_items(lines):
        if parsed.document is None:
            raise ValueError(f"line {parsed.line}: {parsed.error}")
        examples.append(Example(parsed.document, frozenset(parsed.item.get("labels", []))))
    return examples


# Persistence -----------------------------------------------------------------------------------


def cache_dir() -> Path:
    configured = os.environ.get("REGWATCH_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "regwatch"


def save(model: TrainedClassifier, path: Path) -> None:
    """Atomic write: a reader never sees half a model."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as handle:
        pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(handle.name, path)


def load(path: Path) -> TrainedClassifier | None:
    try:
        with path.open("rb") as handle:
            model = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        if path.exists():
            logger.warning("ignoring unreadable model %s (%s); it will be rebuilt", path, exc)
        return None
    return model if isinstance(model, TrainedClassifier) else None


def model_key(parts: Iterable[bytes]) -> str:
    import sklearn

    digest = hashlib.sha256(MODEL_VERSION.encode() + sklearn.__version__.encode())
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:20]


def describe(value: Any) -> bytes:
    return repr(value).encode("utf-8")
