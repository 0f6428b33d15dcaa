"""The service's poller: what a tick claimed is polled, or given back, however the stop comes."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sqlmodel import select

from monitor.config import load_settings
from monitor.health import HealthPolicy
from monitor.models import SourceRow
from monitor.runtime import Runtime
from monitor.schedule import Poller
from tests.conftest import LocalSite


def test_a_stop_that_cancels_a_tick_waiting_for_its_claim_still_polls_or_gives_back_what_it_claimed(
    tmp_path: Path, site: LocalSite
):
    feed = site.copy("mic/news.rdf", "/news.rdf")
    config = tmp_path / "regwatch.toml"
    config.write_text(
        f'[fetch]\nmin_host_interval = "0s"\ntimeout = "5s"\nallow = ["127.0.0.1"]\n'
        f'[[sources]]\nid = "news"\nkind = "feed"\nurl = "{feed}"\n',
        encoding="utf-8",
    )
    database = tmp_path / "regwatch.db"
    runtime = Runtime.open(load_settings(config, env={"REGWATCH_DATABASE_URL": f"sqlite:///{database}"}))
    # Another process's write transaction: the tick's claim waits for it in the database's thread.
    other_process = sqlite3.connect(database, isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")

    async def tick_then_stop() -> None:
        fetcher = runtime.fetcher()
        poller = Poller(runtime.pipeline(fetcher), HealthPolicy.from_config(runtime.settings.config), 16, lambda _: None)
        tick = asyncio.create_task(poller.tick())
        await asyncio.sleep(0.3)
        tick.cancel()  # what the scheduler's shutdown does to a running tick
        asyncio.get_running_loop().call_later(0.3, other_process.rollback)
        await poller.stop(grace=10)
        await runtime.store.in_thread(lambda: None)  # after the claim, in the same thread, whatever became of it
        await fetcher.aclose()

    try:
        asyncio.run(tick_then_stop())
        with runtime.store.read() as connection:
            source = connection.execute(select(SourceRow).where(SourceRow.id == "news")).one()
        assert source.lease_owner is None and source.lease_until is None  # not left leased to a stopped service
        assert source.baseline_at is not None  # polled: its first poll recorded a baseline
        assert [request["path"] for request in site.requests() if request["path"] == "/news.rdf"] == ["/news.rdf"]
    finally:
        other_process.close()
        runtime.close()
