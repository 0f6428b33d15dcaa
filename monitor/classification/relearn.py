"""A running service's classifier kept in step with the label corrections made in the dashboard.

Training on the corpus and the corrections takes tens of seconds of CPU (the logistic regressions
and the corpus's analysis, not embeddings: the corpus's are stored). Rather than pay that at the
next start, the service looks at the corrections at each tick; when they changed since its model
learnt them, a model that has learnt them is trained in a thread of its own while the current one
goes on classifying, then swapped in. ``load_classifier`` keeps it in the cache directory, so the
next start loads it instead of training.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from monitor.classification import Classifier, LoadedOnFirstUse
from monitor.errors import StoreError

if TYPE_CHECKING:
    from monitor.classification.model import Example

logger = logging.getLogger(__name__)


class Relearner:
    """``corrections``: the label corrections as they are now (a read of the database, StoreError
    while it cannot be read); ``train``: the model that has learnt them (from the cache when one has)."""

    def __init__(self, corrections: Callable[[], list[Example]], train: Callable[[Sequence[Example]], Classifier]) -> None:
        self._corrections = corrections
        self._train = train
        self._learnt: list[Example] | None = None  # what the classifier in use learnt
        self._training: threading.Thread | None = None
        self.classifier = LoadedOnFirstUse(self._first)

    def _first(self) -> Classifier:
        try:
            corrections: list[Example] | None = self._corrections()
        except StoreError as exc:
            logger.warning("label corrections not read (%s): the corpus alone is learnt until they can be", exc)
            corrections = None
        trained = self._train(corrections or [])
        self._learnt = corrections
        return trained

    def check(self) -> bool:
        """Start training a model on the corrections if they changed since the one in use learnt
        them; whether it started. A model not loaded yet loads them itself; one training already
        is let finish (the next check sees what came meanwhile)."""
        if not self.classifier.is_loaded or (self._training is not None and self._training.is_alive()):
            return False
        try:
            corrections = self._corrections()
        except StoreError:  # the database is away: the poller says so; nothing to compare
            return False
        if corrections == self._learnt:
            return False
        self._training = threading.Thread(target=self._relearn, args=(corrections,), name="classifier-relearn", daemon=True)
        self._training.start()
        return True

    def wait(self, timeout: float | None = None) -> None:
        """Until the training under way, if any, is done."""
        if self._training is not None:
            self._training.join(timeout)

    def _relearn(self, corrections: list[Example]) -> None:
        logger.info("label corrections changed (%d corrected items): training the classifier on them", len(corrections))
        try:
            trained = self._train(corrections)
        except Exception:
            # Not tried again for the same corrections: each try costs tens of seconds of CPU.
            logger.exception("the classifier was not trained on the new label corrections; the current one stays")
        else:
            self.classifier.swap(trained)
            logger.info("the classifier in use has learnt the %d corrected items", len(corrections))
        self._learnt = corrections
