"""A running service learns the label corrections made in the dashboard without a restart: the
model in use goes on classifying while one that has learnt them trains, then takes over, and is
kept in the cache for the next start."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading

from monitor.classification.model import Example
from monitor.classification.relearn import Relearner
from monitor.distributed.worker import _every
from monitor.errors import StoreError
from monitor.items import Classification, Document
from tests.dashboard_data import NOW, config, item_row, seeded_store
from tests.servers import PROJECT_ROOT

KIND = "{}の訓練で行政指導の手順を確認する説明会を開催"  # past guidance_notice's gate, which the corpus says it is not
COMPANIES = ("東和精機", "北陸通信サービス", "丸高建設", "みらい電機", "関西送配電", "楽天モバイル", "青葉工業", "北星運輸")
NEXT = Document(KIND.format("南海化学"), "")


def test_a_correction_made_while_the_service_runs_labels_the_next_item_of_its_kind(tmp_path):
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from monitor.classification import _model_file_name, category_specs
    from monitor.classification.model import cache_dir
    from monitor.config import Settings
    from monitor.jpdates import JST
    from monitor.runtime import Runtime
    from monitor.schedule import Service
    from monitor.store.people import add_correction

    url = f"sqlite:///{tmp_path / 'regwatch.db'}"
    database, _ids = seeded_store(url)
    runtime = Runtime.open(Settings(config(), None, url, None))
    try:
        assert "guidance_notice" not in runtime.classifier.classify(NEXT).labels
        assert runtime.relearner.check() is False  # nothing corrected since the model loaded
        rows = [item_row(80 + n, "mic-press", KIND.format(company), "", NOW) for n, company in enumerate(COMPANIES)]
        with database.begin() as connection:
            for item_id in store_items(connection, rows):
                add_correction(connection, item_id, "guidance_notice", True, "editor", NOW)
        # The service's job notices the correction (the check it runs each tick starts a training).
        scheduler = AsyncIOScheduler(timezone=JST)
        Service(runtime).add_relearn_job(scheduler)
        job = scheduler.get_job("relearn")
        assert job.trigger.interval.total_seconds() == runtime.settings.config.service.tick
        assert asyncio.run(job.func(*job.args)) is True
        # Training (seconds): the model in use answers meanwhile, as before.
        assert "guidance_notice" not in runtime.classifier.classify(NEXT).labels
        assert runtime.relearner.check() is False  # one training at a time
        runtime.relearner.wait(300)
        assert "guidance_notice" in runtime.classifier.classify(NEXT).labels
        assert runtime.relearner.check() is False
        learnt = runtime.stored_corrections()
        assert (cache_dir() / _model_file_name(category_specs(config()), {}, learnt)).exists()  # the next start loads it
    finally:
        runtime.close()
        database.dispose()


def store_items(connection, rows) -> list[int]:  # type: ignore[no-untyped-def]
    from monitor import store

    return list(store.insert_items(connection, rows).values())


class _Model:
    def __init__(self, learnt: int) -> None:
        self.name = f"learnt {learnt}"

    def classify(self, document: Document) -> Classification:
        return Classification((), {}, {}, {}, self.name)

    def classify_many(self, documents):  # type: ignore[no-untyped-def]
        return [self.classify(document) for document in documents]


def test_while_the_database_is_away_nothing_is_relearnt_and_what_could_not_be_read_is_learnt_later():
    stored: list[Example] = [Example(Document("誤り", ""), frozenset({"guidance_notice"}), "item-1")]
    away = True

    def corrections() -> list[Example]:
        if away:
            raise StoreError("the database does not answer")
        return stored

    def train(learnt):  # type: ignore[no-untyped-def]
        return _Model(len(learnt))

    relearner = Relearner(corrections, train)
    assert relearner.classifier.name == "learnt 0"  # the corpus alone while the corrections cannot be read
    assert relearner.check() is False  # still away: no training on nothing
    away = False
    assert relearner.check() is True
    relearner.wait(10)
    assert relearner.classifier.name == "learnt 1" and relearner.check() is False


def test_the_model_in_use_answers_while_one_training_at_a_time_learns_what_came_meanwhile():
    stored: list[Example] = []
    released = threading.Event()

    def train(learnt):  # type: ignore[no-untyped-def]
        # A classify that waited for this training would leave it unreleased: -1, not the corrections' count.
        return _Model(len(learnt) if not learnt or released.wait(10) else -1)

    relearner = Relearner(lambda: list(stored), train)
    assert relearner.classifier.name == "learnt 0"
    stored.append(Example(Document("誤り", ""), frozenset(), "item-1"))
    assert relearner.check() is True
    assert relearner.classifier.classify(NEXT).model == "learnt 0"  # answered while the training waits
    stored.append(Example(Document("誤り二", ""), frozenset(), "item-2"))
    assert relearner.check() is False  # one training at a time, whatever came meanwhile
    released.set()
    relearner.wait(10)
    assert relearner.classifier.name == "learnt 1"
    assert relearner.check() is True  # the second correction, seen by the next check
    relearner.wait(10)
    assert relearner.classifier.name == "learnt 2"


def test_a_training_that_fails_keeps_the_model_in_use_and_is_not_retried_for_the_same_corrections():
    stored: list[Example] = []

    def train(learnt):  # type: ignore[no-untyped-def]
        if learnt:
            raise ValueError("no")
        return _Model(0)

    relearner = Relearner(lambda: list(stored), train)
    assert relearner.classifier.name == "learnt 0"
    stored.append(Example(Document("誤り", ""), frozenset(), "item-1"))
    assert relearner.check() is True
    relearner.wait(10)
    assert relearner.classifier.name == "learnt 0" and relearner.check() is False


def test_a_workers_periodic_step_that_fails_is_logged_and_runs_again(caplog):
    """A worker relearns (and beats) in a loop of its own: one failing check must not end it."""
    calls: list[int] = []

    async def step() -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("the first check failed")

    async def run() -> None:
        loop = asyncio.create_task(_every(0.01, step))
        while len(calls) < 3:
            await asyncio.sleep(0.01)
        loop.cancel()

    asyncio.run(asyncio.wait_for(run(), 10))
    assert len(calls) >= 3 and "a periodic step of the worker failed" in caplog.text


def test_a_swapped_out_model_is_freed_though_the_first_load_froze_it():
    """In a process of its own: loading freezes every object the process holds."""
    script = """
import gc, weakref
from monitor.classification import LoadedOnFirstUse
class Model:
    def __init__(self, name):
        self.name, self.itself = name, self  # a cycle: only the collector frees it
loaded = LoadedOnFirstUse(lambda: Model("first"))
first = weakref.ref(loaded.loaded)
loaded.swap(Model("second"))
print(first() is None, loaded.name, gc.get_freeze_count() > 0)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["True", "second", "True"]  # freed; the new one in use, frozen in its turn
