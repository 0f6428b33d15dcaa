"""Classification: Document → Classification (labels, scores, evidence, facts).

Every classifier implements ``Classifier``; the pipeline, ``regwatch classify`` and ``regwatch
eval`` only see that protocol. ``load_classifier`` returns the trained model for the configured
categories: prebuilt (``REGWATCH_MODEL_DIR``, as ``regwatch model build`` writes it into an image),
else from the cache when the corpus, the categories and the label corrections are unchanged, else
trained anew and cached. What a deployment classifies with (its database's label corrections
included) comes from ``Runtime.load_classifier``, which the service and every command use.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from monitor.errors import ConfigError
from monitor.items import Classification, Document

if TYPE_CHECKING:
    from monitor.classification.categories import CategorySpec
    from monitor.classification.embeddings import Embedder
    from monitor.classification.model import Example, TrainedClassifier
    from monitor.config import Config

logger = logging.getLogger(__name__)


class Classifier(Protocol):
    name: str

    def classify(self, document: Document) -> Classification: ...

    def classify_many(self, documents: Sequence[Document]) -> list[Classification]: ...


class LoadedOnFirstUse:
    """A Classifier that loads its model when the first items reach it, in the caller's thread
    (the pipeline's classifying thread): a poll that finds nothing new never pays for the model
    and the libraries it brings (a second of CPU and a hundred megabytes at least)."""

    def __init__(self, load: Callable[[], Classifier]) -> None:
        self._load = load
        self._loaded: Classifier | None = None
        self._lock = threading.RLock()

    @property
    def loaded(self) -> Classifier:
        with self._lock:
            if self._loaded is None:
                self._loaded = self._load()
                # The model and its libraries live as long as the process: out of the collector's
                # sight, every full collection would rescan them (an unchanged page would cost
                # 1.3 ms of CPU instead of 0.8).
                gc.freeze()
            return self._loaded

    def preload(self, warm_up: Document) -> None:
        """Load in a thread of its own, and classify ``warm_up`` (a title past a gate loads
        Sudachi's dictionary and the sentence embeddings too): a long-running process starts
        polling at once, and its first new item finds the model ready instead of loading it in
        the middle of a poll. Items that come sooner wait for the load."""

        def load() -> None:
            try:
                with self._lock:
                    self.loaded.classify(warm_up)
            except Exception:  # the first item that needs the model loads it again, in its own thread
                logger.exception("the classifier did not load in the background")

        threading.Thread(target=load, name="classifier-preload", daemon=True).start()

    @property
    def is_loaded(self) -> bool:
        return self._loaded is not None

    def swap(self, classifier: Classifier) -> None:
        """Classify with ``classifier`` from now on; a classification under way finishes with the old one."""
        with self._lock:
            self._loaded = classifier
            # The old model was frozen with the first: unfrozen, a full collection frees what of
            # it only cycles held (and what training left), then the new model is frozen as the first was.
            gc.unfreeze()
            gc.collect()
            gc.freeze()

    @property
    def name(self) -> str:
        return self.loaded.name

    def classify(self, document: Document) -> Classification:
        return self.loaded.classify(document)

    def classify_many(self, documents: Sequence[Document]) -> list[Classification]:
        return self.loaded.classify_many(documents) if documents else []


def category_specs(config: Config | None) -> list[CategorySpec]:
    """The built-in categories and the config's own, in that order."""
    # Imported here: the built-in categories' patterns take a tenth of a second to compile,
    # which a poll that classifies nothing should not pay.
    from monitor.classification.categories import BUILT_IN, CategorySpec
    from monitor.patterns import Pattern

    specs = list(BUILT_IN)
    for index, category in enumerate(config.categories if config else ()):
        where = f"categories[{index}] ({category.name})"
        specs.append(
            CategorySpec(
                category.name,
                gate=(Pattern.compile("|".join(f"(?:{pattern})" for pattern in category.include), f"{where}.include"),),
                exclude=tuple(Pattern.compile(pattern, f"{where}.exclude") for pattern in category.exclude),
                examples=str(category.examples) if category.examples else None,
                description=category.description,
            )
        )
    return specs


def corpus_lines() -> list[str]:
    text = resources.files("monitor.classification.corpus").joinpath("corpus.jsonl").read_text(encoding="utf-8")
    return text.splitlines()


def corpus_embeddings() -> Path:
    """The stored embeddings of the corpus's texts (written by the corpus builder)."""
    return Path(str(resources.files("monitor.classification.corpus").joinpath("corpus.e5.npz")))


def load_classifier(
    config: Config | None = None, *, rebuild: bool = False, corrections: Sequence[Example] = ()
) -> TrainedClassifier:
    """The model for the configured categories: prebuilt (``REGWATCH_MODEL_DIR``, read-only, as an
    image bakes it), else cached, else trained on the corpus (and cached). ``corrections``: stored
    items as people labelled them in the dashboard, trained on beside the corpus."""
    from monitor.classification import model
    from monitor.classification.embeddings import Embedder

    specs = category_specs(config)
    extra_files = _example_files(specs)
    name = _model_file_name(specs, extra_files, corrections)
    embedder = Embedder.with_store(corpus_embeddings())
    prebuilt = model.prebuilt_dir()
    for directory in () if rebuild else (prebuilt, model.cache_dir()):
        found = model.load(directory / name) if directory else None
        if found is not None:
            found.embedder = embedder
            return found
    if prebuilt and not rebuild and not (prebuilt / name).exists():  # (an unreadable one is reported by model.load)
        _say_why_prebuilt_unused(prebuilt, specs, extra_files, corrections)
    path = model.cache_dir() / name
    logger.info("training the classifier (%d categories) into %s", len(specs), path)
    trained = _train(specs, extra_files, embedder, corrections)
    try:
        model.save(trained, path)
    except OSError as exc:  # a read-only cache costs a training at the next start, not this one
        logger.warning(
            "could not keep the trained classifier in %s (%s); set REGWATCH_CACHE_DIR to a writable directory", path, exc
        )
    return trained


def _say_why_prebuilt_unused(
    prebuilt: Path, specs: list[CategorySpec], extra_files: dict[str, str], corrections: Sequence[Example]
) -> None:
    if corrections and (prebuilt / _model_file_name(specs, extra_files)).exists():
        logger.warning(
            "the prebuilt model in %s (REGWATCH_MODEL_DIR) has not learnt the %d item(s) relabelled in the dashboard; "
            "training one that has (kept in the cache until the next correction)", prebuilt, len(corrections),
        )  # fmt: skip
    else:
        logger.warning(
            "the prebuilt models in %s (REGWATCH_MODEL_DIR) are for other categories than the config's; training one", prebuilt
        )


def build_classifier(config: Config | None, directory: Path) -> Path:
    """Train the model for the configured categories into ``directory`` (``regwatch model build``):
    the file ``load_classifier`` looks for there when ``REGWATCH_MODEL_DIR`` names it."""
    from monitor.classification import model
    from monitor.classification.embeddings import Embedder

    specs = category_specs(config)
    extra_files = _example_files(specs)
    path = directory / _model_file_name(specs, extra_files)
    model.save(_train(specs, extra_files, Embedder.with_store(corpus_embeddings())), path)
    # Built by one user (root, in an image build) for another to read (the service's own user);
    # a cache file stays private to its owner.
    path.chmod(0o644)
    return path


def _example_files(specs: list[CategorySpec]) -> dict[str, str]:
    return {spec.name: Path(spec.examples).read_text(encoding="utf-8") for spec in specs if spec.examples}


def _model_file_name(specs: list[CategorySpec], extra_files: dict[str, str], corrections: Sequence[Example] = ()) -> str:
    """Named by everything the model is trained from: a change of corpus or categories is another file."""
    from monitor.classification import model

    key = model.model_key(
        [
            "\n".join(corpus_lines()).encode("utf-8"),
            model.describe([(s.name, [p.pattern for p in s.gate], [p.pattern for p in s.exclude], s.cues) for s in specs]),
            *(f"{name}\n{text}".encode() for name, text in sorted(extra_files.items())),
            *(f"{e.group}\n{sorted(e.labels)}\n{e.document.title}\n{e.document.body}".encode() for e in corrections),
        ]
    )
    return f"classifier-{key}.pkl"


def _train(
    specs: list[CategorySpec], extra_files: dict[str, str], embedder: Embedder, corrections: Sequence[Example] = ()
) -> TrainedClassifier:
    from monitor.classification import model

    examples = [*model.examples_from_jsonl(corpus_lines()), *corrections]
    return model.train(specs, examples, _user_examples(specs, extra_files), embedder=embedder)


def _user_examples(specs: list[CategorySpec], texts: dict[str, str]) -> dict[str, list[Example]]:
    from monitor.classification import model

    examples = {}
    for spec in specs:
        if spec.name in texts:
            try:
                examples[spec.name] = model.examples_from_jsonl(texts[spec.name].splitlines())
            except ValueError as exc:
                raise ConfigError(f"{spec.examples}: {exc}") from None
    return examples
