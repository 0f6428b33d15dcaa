"""The trained classifier: behind each category's gate, a logistic regression over character
n-grams, lemma n-grams, the words around the category's event, cues and a sentence embedding
(features.py); facts extracted alongside. Fitted with scikit-learn, kept and scored as plain
arrays (scoring.py), so classifying never imports it.

Each category's model is trained only on the texts its gate lets through, so it learns exactly
the hard distinctions: a refund only considered against a refund made, 人事院勧告 against a
regulator's 勧告. Title-only copies of the training items teach it to decide from a title alone,
as list pages and bare feeds require. A category without labelled examples (a user's, defined by
patterns alone) is decided by its patterns.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from monitor.classification.categories import CategorySpec, evidence
from monitor.classification.embeddings import Embedder
from monitor.classification.features import Analysis, FeatureSpace, analyse
from monitor.classification.scoring import LinearScorer
from monitor.facts import extract_facts
from monitor.items import Classification, Document

logger = logging.getLogger(__name__)

MODEL_VERSION = "chars-lemmas-context-cues-e5-lr-3"
THRESHOLD = 0.5
_C = 2.0


@dataclass
class CategoryModel:
    spec: CategorySpec
    estimator: LinearScorer | None  # None: decided by the gate (patterns) alone


@dataclass(frozen=True)
class Example:
    document: Document
    labels: frozenset[str]
    group: str = ""  # the frame it was written from: evaluation keeps groups apart
    kind: str = ""


class TrainedClassifier:
    """Implements monitor.classification.Classifier. The embedder is attached after loading: it
    is a process's own (the model's weights, the stored corpus embeddings), never pickled."""

    def __init__(self, space: FeatureSpace, categories: list[CategoryModel], name: str) -> None:
        self._space = space
        self._categories = categories
        self.name = name
        self.embedder: Embedder | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "embedder": None}

    @property
    def categories(self) -> list[str]:
        return [category.spec.name for category in self._categories]

    def classify(self, document: Document) -> Classification:
        return self.classify_many([document])[0]

    def classify_many(self, documents: Sequence[Document]) -> list[Classification]:
        if not documents:
            return []
        analyses = analyse(documents)
        scores = self.scores(analyses)
        results = []
        for row, analysis in enumerate(analyses):
            item_scores = {name: round(float(values[row]), 4) for name, values in scores.items()}
            labels = tuple(name for name, score in item_scores.items() if score >= THRESHOLD)
            found = {
                c.spec.name: evidence(c.spec, analysis.text, [t.start for t in analysis.tokens if t.lemma in c.spec.anchors])
                for c in self._categories
                if c.spec.name in labels
            }
            facts = extract_facts(analysis.document, analysis.tokens).to_json()
            results.append(Classification(labels, item_scores, found, facts, self.name))
        return results

    def scores(self, analyses: Sequence[Analysis]) -> dict[str, np.ndarray]:
        """Each category's probability for each item (0 where its gate is closed)."""
        gates = {c.spec.name: np.array([c.spec.gated(a.text) for a in analyses], dtype=bool) for c in self._categories}
        modelled = [gates[c.spec.name] for c in self._categories if c.estimator is not None]
        # Most news passes no category's gate: those items need no features at all.
        rows = np.flatnonzero(np.any(modelled, axis=0)) if modelled else np.zeros(0, int)
        vectors = dict(zip(rows, self._space.vectors([analyses[i] for i in rows], self.embedder), strict=True))
        scores = {}
        for category in self._categories:
            gated = gates[category.spec.name]
            if category.estimator is None:
                scores[category.spec.name] = gated.astype(float)
                continue
            estimator = category.estimator
            scores[category.spec.name] = np.array(
                [estimator.probability(vectors[i]) if gated[i] else 0.0 for i in range(len(analyses))]
            )
        return scores


def title_only(example: Example) -> Example:
    return replace(example, document=replace(example.document, body=""))


def train(
    specs: Sequence[CategorySpec],
    examples: Sequence[Example],
    extra: dict[str, Sequence[Example]] | None = None,
    *,
    embedder: Embedder | None,
) -> TrainedClassifier:
    """Fit the vocabularies and one model per category that has labelled examples.

    ``extra`` adds a category's own labelled examples (a user's file) to what it is trained on.
    ``embedder`` None: a model without the embedding block.
    """
    # (example, the user category whose own file it comes from, or None for the corpus)
    pairs: list[tuple[Example, str | None]] = [(e, None) for e in examples]
    pairs += [(e, name) for name, more in (extra or {}).items() for e in more]
    pairs += [(title_only(e), source) for e, source in pairs if e.document.body]
    analyses = analyse([example.document for example, _ in pairs])
    space = FeatureSpace.fit(specs, analyses, embedder)
    vectors: dict[int, dict[int, float]] = {}
    categories: list[CategoryModel] = []
    for spec in specs:
        gated = [
            row
            for row, ((example, source), analysis) in enumerate(zip(pairs, analyses, strict=True))
            if source in (None, spec.name) and spec.gated(analysis.text)
        ]
        labels = [spec.name in pairs[row][0].labels for row in gated]
        if spec.examples is None and not spec.built_in or len(set(labels)) < 2:
            categories.append(CategoryModel(spec, None))
            continue
        missing = [row for row in gated if row not in vectors]
        vectors.update(zip(missing, space.vectors([analyses[row] for row in missing], embedder), strict=True))
        categories.append(CategoryModel(spec, _fit(space.size, [vectors[row] for row in gated], labels)))
    fingerprint = hashlib.sha256(repr([s.name for s in specs]).encode()).hexdigest()[:8]
    classifier = TrainedClassifier(space, categories, f"{MODEL_VERSION}-{fingerprint}")
    classifier.embedder = embedder
    return classifier


def _fit(size: int, vectors: Sequence[dict[int, float]], labels: Sequence[bool]) -> LinearScorer:
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    rows = [row for row, vector in enumerate(vectors) for _ in vector]
    columns = [column for vector in vectors for column in vector]
    values = [value for vector in vectors for value in vector.values()]
    matrix = csr_matrix((values, (rows, columns)), shape=(len(vectors), size))
    estimator = LogisticRegression(C=_C, class_weight="balanced", max_iter=3000).fit(matrix, labels)
    return LinearScorer(estimator.coef_[0].astype(np.float64), float(estimator.intercept_[0]))


def examples_from_jsonl(lines: Iterable[str]) -> list[Example]:
    """Labelled items in the classify format (title, body, optional published, labels, frame, kind);
    ValueError names the first line that cannot be read."""
    from monitor.classification.batch import read_items

    examples = []
    for parsed in read_items(lines):
        if parsed.document is None:
            raise ValueError(f"line {parsed.line}: {parsed.error}")
        item = parsed.item
        group = str(item.get("frame") or item.get("id") or parsed.line)
        examples.append(Example(parsed.document, frozenset(item.get("labels", [])), group, str(item.get("kind", ""))))
    return examples


# Persistence -----------------------------------------------------------------------------------


def cache_dir() -> Path:
    configured = os.environ.get("REGWATCH_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "regwatch"


def prebuilt_dir() -> Path | None:
    """Models built ahead of time (``regwatch model build --into DIR``), looked in before the cache
    and never written: an image's own, on a read-only filesystem."""
    configured = os.environ.get("REGWATCH_MODEL_DIR")
    return Path(configured) if configured else None


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
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError) as exc:
        if path.exists():
            logger.warning("ignoring unreadable model %s (%s); it will be rebuilt", path, exc)
        return None
    return model if isinstance(model, TrainedClassifier) else None


def model_key(parts: Iterable[bytes]) -> str:
    from importlib.metadata import version

    # The version, not the module: importing scikit-learn would cost every start 0.7 s.
    digest = hashlib.sha256(MODEL_VERSION.encode() + version("scikit-learn").encode())
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:20]


def describe(value: Any) -> bytes:
    return repr(value).encode("utf-8")
