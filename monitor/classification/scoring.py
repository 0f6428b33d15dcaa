"""The model's arithmetic as plain arrays: TF-IDF blocks and linear scores, with no scikit-learn.

Training (model.py) fits logistic regressions with scikit-learn; what scoring needs of them is
kept here as NumPy arrays: each vocabulary with its idf weights, and each category's
coefficients. Importing scikit-learn costs about 0.7 s, which every ``regwatch classify`` and every
service start would pay for the few hundred multiplications an item needs. TF-IDF follows
scikit-learn's definitions (smooth idf, sublinear tf, L2 norm), and the same code computes the
features for training and for scoring, so the two cannot drift apart.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

_WHITE_SPACES = re.compile(r"\s\s+")
_WORD = re.compile(r"[^ ]+")


@dataclass
class TfidfTable:
    """One TF-IDF block: sublinear term frequency, idf, L2 norm, times the block's weight."""

    analyzer: Literal["char", "word"]
    ngram_range: tuple[int, int]
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int  # where the block's columns start in the item's vector
    weight: float

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        analyzer: Literal["char", "word"],
        ngram_range: tuple[int, int],
        *,
        offset: int,
        weight: float,
        min_df: int = 2,
        max_features: int | None = None,
    ) -> TfidfTable:
        """The vocabulary of ``texts``: terms in ``min_df`` texts or more, the ``max_features`` most
        frequent; idf = ln((1 + n) / (1 + df)) + 1."""
        shell = cls(analyzer, ngram_range, {}, np.zeros(0), offset, weight)
        document_frequency: Counter[str] = Counter()
        total: Counter[str] = Counter()
        for text in texts:
            terms = Counter(shell._terms(text.lower()))
            document_frequency.update(terms.keys())
            total.update(terms)
        kept = [term for term, df in document_frequency.items() if df >= min_df]
        if max_features is not None and len(kept) > max_features:
            kept = sorted(kept, key=lambda term: (-total[term], term))[:max_features]
        kept.sort()
        idf = np.array([math.log((1 + len(texts)) / (1 + document_frequency[term])) + 1 for term in kept], dtype=np.float64)
        return cls(analyzer, ngram_range, {term: index for index, term in enumerate(kept)}, idf, offset, weight)

    @property
    def size(self) -> int:
        return len(self.vocabulary)

    def features(self, text: str) -> dict[int, float]:
        counts = Counter(term for term in self._terms(text.lower()) if term in self.vocabulary)
        values = {
            self.vocabulary[term]: (1.0 + math.log(count)) * self.idf[self.vocabulary[term]] for term, count in counts.items()
        }
        norm = math.sqrt(sum(value * value for value in values.values()))
        if not norm:
            return {}
        scale = self.weight / norm
        return {self.offset + index: value * scale for index, value in values.items()}

    def _terms(self, text: str) -> list[str]:
        low, high = self.ngram_range
        if self.analyzer == "char":
            text = _WHITE_SPACES.sub(" ", text)
            return [text[i : i + n] for n in range(low, min(high, len(text)) + 1) for i in range(len(text) - n + 1)]
        tokens = _WORD.findall(text)
        return [" ".join(tokens[i : i + n]) for n in range(low, min(high, len(tokens)) + 1) for i in range(len(tokens) - n + 1)]


@dataclass
class LinearScorer:
    """A logistic regression's coefficients: probability = sigmoid(intercept + w · x)."""

    coefficients: np.ndarray
    intercept: float

    def probability(self, vector: dict[int, float]) -> float:
        if not vector:
            margin = self.intercept
        else:
            indices = np.fromiter(vector.keys(), dtype=np.int64, count=len(vector))
            values = np.fromiter(vector.values(), dtype=np.float64, count=len(vector))
            margin = self.intercept + float(self.coefficients[indices] @ values)
        return 1.0 / (1.0 + math.exp(-margin)) if margin > -500 else 0.0


def dense_block(values: Sequence[float] | np.ndarray, offset: int, weight: float) -> dict[int, float]:
    """A dense block (cues, an embedding), L2-normalized and weighted, as sparse entries."""
    array = np.asarray(values, dtype=np.float64)
    norm = float(np.linalg.norm(array))
    if not norm:
        return {}
    scaled = array * (weight / norm)
    return {offset + int(index): float(scaled[index]) for index in np.flatnonzero(scaled)}
