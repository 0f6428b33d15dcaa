"""The composition root: settings → store, sources, pipeline, deliverer. CLI and scheduler share it."""

from __future__ import annotations

import functools
import gc
import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, TextIO

from monitor import store
from monitor.classification import LoadedOnFirstUse, load_classifier
from monitor.classification.relearn import Relearner
from monitor.config import Settings
from monitor.errors import StoreError
from monitor.fetch import Fetcher
from monitor.items import Document
from monitor.jpdates import utcnow
from monitor.pipeline import Pipeline
from monitor.sources import SourceSpec, resolve_all
from monitor.store.robots import StoredRobots

logger = logging.getLogger(__name__)

# Python collects its young objects each time 700 more are allocated than freed. A poll's objects (its list's entries,
# the rows it writes) live until its batch is written and its soups are freed as soon as they are
# read (scrapers.soup.discard), so those collections found almost nothing to free (73 objects in
# 88 collections of a cold cycle of 200 pages) and passed the live data on, for the older
# generations' collections to trace again: 0.15 to 0.3 ms of CPU a page, 0.03 to 0.09 at 10,000.
_YOUNG_COLLECTION_THRESHOLD = 10_000

if TYPE_CHECKING:
    from alerts.deliver import Deliverer
    from monitor.classification.model import Example, TrainedClassifier


@dataclass
class Runtime:
    settings: Settings
    store: store.Store
    sources: dict[str, SourceSpec]

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = True) -> Runtime:
        """Connect, apply pending migrations, and make the source table match the config."""
        database = store.Store(settings.database_url)
        if migrate:
            database.upgrade()
        sources = resolve_all(settings.config)
        with database.begin() as connection:
            store.sync_sources(connection, [(s.id, s.kind, s.url, s.enabled) for s in sources.values()], utcnow())
        return cls(settings, database, sources)

    @cached_property
    def classifier(self) -> LoadedOnFirstUse:
        """``load_classifier``'s, loaded when the first new item needs it (the model, Sudachi's
        dictionary; the sentence embeddings when an item passes a category's gate), or in the
        background by a service (``ready``): every pipeline shares it. A service keeps it in step
        with the label corrections (``relearner``)."""
        return self.relearner.classifier

    @cached_property
    def relearner(self) -> Relearner:
        return Relearner(
            self.stored_corrections, lambda corrections: load_classifier(self.settings.config, corrections=corrections)
        )

    @classmethod
    def reading(cls, settings: Settings) -> Runtime:
        """For a command that only reads the store: no migration, no sync of the sources."""
        return cls(settings, store.Store(settings.database_url), resolve_all(settings.config))

    def load_classifier(self, *, rebuild: bool = False) -> tuple[TrainedClassifier, list[Example]]:
        """The classifier this deployment uses: the config's categories, trained on the corpus and
        on the label corrections made in the dashboard (returned beside it). The service and every
        command that classifies load it here, so that they all label an item alike."""
        corrections = self.label_corrections()
        return load_classifier(self.settings.config, rebuild=rebuild, corrections=corrections), corrections

    def label_corrections(self) -> list[Example]:
        """The items people relabelled in the dashboard, as training examples; none while the
        database cannot be read (the model is then the corpus's, and the next load has them)."""
        try:
            return self.stored_corrections()
        except StoreError as exc:
            logger.warning("label corrections not read (%s): the classifier is trained on the corpus alone", exc)
            return []

    def stored_corrections(self) -> list[Example]:
        """``label_corrections``, raising StoreError while the database cannot be read."""
        from monitor.classification.model import Example
        from monitor.store.people import corrected_items, corrected_labels

        with self.store.read() as connection:
            items = corrected_items(connection)
        return [
            Example(
                _corrected_document(item["title"], item["body"], item["published"], item["url"], item["source"]),
                frozenset(corrected_labels(item["predicted"], item["corrections"])),
                f"item-{item['id']}",
            )
            for item in items
        ]

    def ready(self, *, preload: bool = False) -> None:
        """Freeze what every poll needs out of the garbage collector's sight (the code and the
        settings live as long as the process, and every full collection would rescan them), and
        collect young objects less often (see _YOUNG_COLLECTION_THRESHOLD).
        ``preload``: a long-running process loads the classifier in the background meanwhile."""
        gc.freeze()
        gc.set_threshold(_YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])
        if preload:
            self.classifier.preload(Document("準備株式会社に対する行政指導", ""))

    def pipeline(self, fetcher: Fetcher) -> Pipeline:
        return Pipeline(
            store=self.store,
            fetcher=fetcher,
            config=self.settings.config,
            sources=self.sources,
            classifier=self.classifier,
            owner=f"{socket.gethostname()}:{os.getpid()}",
        )

    def fetcher(self) -> Fetcher:
        return Fetcher(self.settings.config.fetch, proxies=self.settings.proxies, robots_memory=StoredRobots(self.store))

    def deliverer(self, console: TextIO | None = None) -> Deliverer:
        from alerts.channels import build_channels
        from alerts.deliver import Deliverer

        return Deliverer(self.store, build_channels(self.settings, console), self.settings.config.delivery)

    def close(self) -> None:
        self.store.dispose()


@functools.lru_cache(maxsize=1024)
def _corrected_document(title: str, body: str, published: datetime | None, url: str, source_id: str) -> Document:
    """A corrected item as a classifier reads it. Cached: a service reads every correction each
    tick (Relearner.check, on the database's thread), and finds the same texts almost always."""
    from monitor.text import normalize, normalize_line

    return Document(normalize_line(title), normalize(body), published, url, source_id)
