"""What a model reads of an item: character n-grams, lemma n-grams, cues and a sentence embedding.

- Character 2-3-grams of the title (twice: it says what an item is) and the lead need no tokenizer
  and carry Japanese compounds (行政指導, 業務改善命令) whole.
- Lemma 1-2-grams (Sudachi dictionary forms) carry what the n-grams cannot: 返した, 返しました and
  送り返した are all 返す; 寄附 and 寄付 meet in the cues.
- Cues (categories.py) carry each part and each "not" of the definitions.
- A sentence embedding (embeddings.py) carries paraphrase that shares no n-gram with training.
Each block is L2-normalized and weighted, so no block drowns the others by its size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from monitor.classification.categories import CategorySpec
from monitor.classification.embeddings import DIMENSIONS, Embedder, embedding_text
from monitor.classification.scoring import TfidfTable, dense_block
from monitor.facts.names import Token, tokenize
from monitor.items import Document

LEAD_CHARACTERS = 1200  # the lead carries the subject; a long body only adds noise and time
_WEIGHTS = {"chars": 1.0, "lemmas": 0.7, "cues": 1.2, "context": 1.5, "embedding": 0.9}


@dataclass
class Analysis:
    """An item as the classifier and the fact extractors read it: one tokenization for both."""

    document: Document

    @cached_property
    def text(self) -> str:
        return f"{self.document.title}\n{self.document.body}"

    @cached_property
    def tokens(self) -> list[Token]:
        return tokenize(self.text)

    @cached_property
    def lead(self) -> str:
        return self.document.body[:LEAD_CHARACTERS]

    @cached_property
    def lemmas(self) -> str:
        """Dictionary forms of the title and the lead, space-separated (what lemma cues read)."""
        end = len(self.document.title) + 1 + LEAD_CHARACTERS
        return " ".join(token.lemma for token in self.tokens if token.start < end)

    @property
    def model_text(self) -> str:
        return f"{self.document.title}\n{self.document.title}\n{self.lead}"

    @property
    def embedding_text(self) -> str:
        return embedding_text(self.document.title, self.document.body)


def analyse(documents: Sequence[Document]) -> list[Analysis]:
    return [Analysis(document) for document in documents]


_LEFT, _RIGHT = 4, 8


def event_context(spec: CategorySpec, analysis: Analysis) -> str:
    """The lemmas around each of the category's event words, marked by side and category:
    ``donation_refund>検討`` after 返金, ``donation_refund<野党`` before it. Where the event word sits,
    not the whole text, says whether the event happened."""
    if not spec.anchors:
        return ""
    end = len(analysis.document.title) + 1 + LEAD_CHARACTERS
    tokens = [token for token in analysis.tokens if token.start < end and token.pos[0] not in ("補助記号", "空白")]
    words: list[str] = []
    for index, token in enumerate(tokens):
        if token.lemma in spec.anchors:
            words += [f"{spec.name}<{t.lemma}" for t in tokens[max(0, index - _LEFT) : index]]
            words += [f"{spec.name}>{t.lemma}" for t in tokens[index + 1 : index + 1 + _RIGHT]]
    return " ".join(words)


def cue_matrix(specs: Sequence[CategorySpec], analyses: Sequence[Analysis]) -> np.ndarray:
    """One column per cue of every category (1 when it matches), plus each category's gate."""
    rows = []
    for analysis in analyses:
        row = [
            1.0 if cue.pattern.search(analysis.lemmas if cue.on == "lemmas" else analysis.text) else 0.0
            for spec in specs
            for cue in spec.cues
        ]
        row += [1.0 if spec.gated(analysis.text) else 0.0 for spec in specs]
        rows.append(row)
    return np.array(rows, dtype=np.float32).reshape(len(analyses), -1)


@dataclass
class FeatureSpace:
    """The fitted blocks of an item's feature vector, and their place in it (plain arrays: see scoring.py)."""

    specs: list[CategorySpec]
    chars: TfidfTable
    lemmas: TfidfTable
    context: TfidfTable
    cues_at: int
    embedding_at: int | None  # None: a model without the embedding block
    centre: np.ndarray

    @classmethod
    def fit(cls, specs: Sequence[CategorySpec], analyses: Sequence[Analysis], embedder: Embedder | None) -> FeatureSpace:
        specs = list(specs)
        chars = TfidfTable.fit(
            [a.model_text for a in analyses], "char", (2, 3), offset=0, weight=_WEIGHTS["chars"], max_features=80000
        )
        lemmas = TfidfTable.fit(
            [a.lemmas for a in analyses], "word", (1, 2), offset=chars.size, weight=_WEIGHTS["lemmas"], max_features=40000
        )
        context_at = chars.size + lemmas.size
        context = TfidfTable.fit(
            [_event_contexts(specs, a) for a in analyses], "word", (1, 1), offset=context_at, weight=_WEIGHTS["context"]
        )
        cues_at = context_at + context.size
        embedding_at = None
        centre = np.zeros(DIMENSIONS, np.float32)
        if embedder is not None:
            embedding_at = cues_at + sum(len(spec.cues) for spec in specs) + len(specs)
            # e5's vectors all point one way (cosine about 0.9): centred, what differs is what is left.
            # Only gated items are ever embedded, so the centre is theirs.
            gated = [a.embedding_text for a in analyses if any(spec.gated(a.text) for spec in specs)]
            if gated:
                centre = embedder.embed(gated).mean(axis=0)
        return cls(specs, chars, lemmas, context, cues_at, embedding_at, centre)

    @property
    def size(self) -> int:
        return (
            self.cues_at + sum(len(spec.cues) for spec in self.specs) + len(self.specs) + (DIMENSIONS if self.embedding_at else 0)
        )

    def vectors(self, analyses: Sequence[Analysis], embedder: Embedder | None) -> list[dict[int, float]]:
        """Each item's features as {column: value}."""
        if not analyses:
            return []
        embeddings = None
        if self.embedding_at is not None:
            assert embedder is not None, "this model reads embeddings"
            embeddings = embedder.embed([analysis.embedding_text for analysis in analyses]) - self.centre
        cues = cue_matrix(self.specs, analyses)
        vectors = []
        for row, analysis in enumerate(analyses):
            vector = {
                **self.chars.features(analysis.model_text),
                **self.lemmas.features(analysis.lemmas),
                **self.context.features(_event_contexts(self.specs, analysis)),
                **dense_block(cues[row], self.cues_at, _WEIGHTS["cues"]),
            }
            if embeddings is not None and self.embedding_at is not None:
                vector.update(dense_block(embeddings[row], self.embedding_at, _WEIGHTS["embedding"]))
            vectors.append(vector)
        return vectors


def _event_contexts(specs: Sequence[CategorySpec], analysis: Analysis) -> str:
    return " ".join(event_context(spec, analysis) for spec in specs)
