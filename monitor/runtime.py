"""The composition root: settings → store, sources, pipeline, deliverer. CLI and scheduler share it."""

from __future__ import annotations

import gc
import os
import socket
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, TextIO

from alerts.channels import build_channels
from alerts.deliver import Deliverer
from monitor import store
from monitor.classification import Classifier, load_classifier
from monitor.config import Settings
from monitor.fetch import Fetcher
from monitor.items import Document
from monitor.jpdates import utcnow
from monitor.pipeline import Pipeline
from monitor.sources import SourceSpec, resolve_all

if TYPE_CHECKING:
    from monitor.classification.model import Example


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
    def classifier(self) -> Classifier:
        """Loaded once per process (about half a second): every pipeline shares it. Label
        corrections made in the dashboard are trained on with the corpus."""
        return load_classifier(self.settings.config, corrections=self.label_corrections())

    def label_corrections(self) -> list[Example]:
        import json

        from monitor.classification.model import examples_from_jsonl
        from monitor.store.people import corrected_items, correction_record

        with self.store.read() as connection:
            items = corrected_items(connection)
        return examples_from_jsonl(json.dumps(correction_record(item), ensure_ascii=False) for item in items)

    def ready(self) -> None:
        """Load what every poll needs, then freeze it out of the garbage collector's sight.

        The model and the libraries it brings live as long as the process; without gc.freeze()
        every full collection rescans them (an unchanged page cost 1.3 ms of CPU instead of 0.8).
        """
        # A title past a category's gate loads the model, Sudachi's dictionary and the sentence
        # embeddings: otherwise the first new item would load them in the middle of a poll.
        self.classifier.classify(Document("準備株式会社に対する行政指導", ""))
        gc.freeze()

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
        return Fetcher(self.settings.config.fetch, proxies=self.settings.proxies)

    def deliverer(self, console: TextIO | None = None) -> Deliverer:
        return Deliverer(self.store, build_channels(self.settings, console), self.settings.config.delivery)

    def close(self) -> None:
        self.store.dispose()
