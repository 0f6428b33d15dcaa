"""Recording poll outcomes in batches, on SQLite and PostgreSQL: one outcome the database refuses
must not sink the others written with it, and its source must say so."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from monitor import store
from monitor.health import HealthPolicy
from monitor.items import Classification, RunReport
from monitor.jpdates import utcnow
from monitor.models import EventRow, ItemRow, OutboxRow, SourceRow
from monitor.record import EventDraft, Recorder, SourceOutcome
from monitor.route import Delivery
from monitor.store.versions import item_versions
from tests.queued import make_alert


@pytest.fixture
def database(store_at_head):
    return store_at_head([("good", "feed", "https://a.example/", True), ("bad", "feed", "https://b.example/", True)])


def item_row(source_id: str, url: str, title: str | None, *, awaiting: bool = False) -> dict:
    now = utcnow()
    return {
        "url": url, "link": url, "source_id": source_id, "first_seen_at": now, "updated_at": None, "baseline": False,
        "title": title, "title_raw": title, "body": "", "body_raw": "", "lead": "", "published_at": None, "modified_at": None,
        "content_fingerprint": "f" * 32, "detail_fetched_at": None, "attributes": {}, "awaiting_detail": awaiting,
        "detail_attempts": 0, "detail_error": None, "detail_retry_at": None,
    }  # fmt: skip


def outcome(source_id: str, title: str | None, *, url: str = "", awaiting: bool = False, alerted: bool = False) -> SourceOutcome:
    """One source's poll that found one new item (waiting for its detail page, or alerted to ops)."""
    url = url or f"https://{source_id}.example/item"
    events = [] if awaiting else [new_event(url, title or "")] if alerted else []
    return SourceOutcome(
        RunReport(source_id, pages=1, listed=1),
        utcnow() + timedelta(minutes=5),
        inserts=[item_row(source_id, url, title, awaiting=awaiting)],
        listings={url: (None, "fingerprint")},
        events=events,
    )


def new_event(url: str, title: str) -> EventDraft:
    classification = Classification(("guidance_notice",), {"guidance_notice": 0.9}, {}, {}, "test")
    return EventDraft(
        url, None, "new", "f" * 32, (), classification, ((Delivery("all", "ops", ("guidance_notice",)), make_alert("", title)),)
    )


def record(database: store.Store, *outcomes: SourceOutcome) -> None:
    async def run() -> None:
        recorder = Recorder(database, HealthPolicy(failures=2, empty_polls=2, channels=("ops",), names={}), versions_per_item=20)
        for each in outcomes:
            recorder.add(each)
        await recorder.drain()

    asyncio.run(run())


def source(database: store.Store, source_id: str) -> SourceRow:
    with database.session() as session:
        return session.get(SourceRow, source_id)


def test_an_outcome_the_database_refuses_fails_its_own_source_and_the_batch_is_recorded(database):
    good, bad = outcome("good", "普通の項目"), outcome("bad", None)  # NOT NULL title: refused on both databases
    record(database, good, bad)
    with database.session() as session:
        assert [item.source_id for item in session.exec(select(ItemRow))] == ["good"]
    assert source(database, "good").last_success_at is not None and source(database, "good").items_seen == 1
    refused = source(database, "bad")
    assert refused.consecutive_failures == 1 and "could not record this poll" in (refused.last_error or "")
    assert bad.report.error and not good.report.error


def test_a_source_whose_outcomes_keep_being_refused_is_reported_broken(database):
    record(database, outcome("bad", None))
    record(database, outcome("bad", None))
    with database.session() as session:
        notices = [row for row in session.exec(select(OutboxRow)) if row.kind == "source_broken"]
    assert [(row.channel, row.payload["source_id"]) for row in notices] == [("ops", "bad")]
    assert "could not record this poll" in notices[0].payload["reason"]


def test_counts_are_written_once_per_poll(database):
    record(database, outcome("good", "一件目"))
    assert (source(database, "good").items_seen, source(database, "good").consecutive_empty) == (1, 0)
    empty = SourceOutcome(RunReport("good", pages=1, listed=0), utcnow())
    record(database, empty)
    assert (source(database, "good").items_seen, source(database, "good").consecutive_empty) == (1, 1)
    record(database, SourceOutcome(RunReport("good", pages=1, not_modified=1), utcnow(), unchanged=True))
    assert source(database, "good").consecutive_empty == 2  # a 304: the page is as empty as it was


def test_an_item_two_sources_find_in_one_batch_is_announced_by_the_one_that_recorded_it(database):
    url = "https://shared.example/release"
    waiting = outcome("good", "共通の項目", url=url, awaiting=True)  # its detail page failed: no event yet
    announcing = outcome("bad", "共通の項目", url=url, alerted=True)  # the other found it complete
    record(database, waiting, announcing)
    with database.session() as session:
        (item,) = session.exec(select(ItemRow)).all()
        assert item.source_id == "good" and item.awaiting_detail
        assert session.exec(select(EventRow)).all() == [] and session.exec(select(OutboxRow)).all() == []
    # one new item in the store: only the source that inserted it counts it
    assert (source(database, "good").items_seen, source(database, "bad").items_seen) == (1, 0)


def test_a_batch_written_again_one_by_one_counts_each_alert_once(database):
    good = outcome("good", "普通の項目", alerted=True)
    record(database, good, outcome("bad", None))
    assert good.report.alerts == 1 and good.report.new == 1
    with database.session() as session:
        assert len([row for row in session.exec(select(OutboxRow)) if row.kind == "alert"]) == 1


def test_a_new_items_first_version_is_its_content_as_stored(database):
    attached = {"label": "別紙1", "url": "https://good.example/1.pdf", "type": "pdf", "sha256": "a" * 64, "excerpt": "…"}
    fetched = outcome("good", "行政指導について")
    fetched.inserts[0].update(
        body_raw="本文。", body="本文。", lead="要旨", detail_fetched_at=utcnow(), attributes={"attachments": [attached]}
    )
    listed = outcome("good", "一覧のみ", url="https://good.example/listed")
    record(database, fetched, listed)
    with database.read() as c:
        ids = store.item_ids(c, [fetched.inserts[0]["url"], listed.inserts[0]["url"]])
        for item_id in ids.values():
            (first,) = item_versions(c, item_id)
            ((as_stored, newest),) = store.current_versions(c, [item_id], utcnow())  # read back, as an update is
            assert newest == first and as_stored._replace(number=1, fetched_at=first.fetched_at) == first
        (first,) = item_versions(c, ids[fetched.inserts[0]["url"]])
    assert (first.title_raw, first.body_raw, first.lead, first.from_detail) == ("行政指導について", "本文。", "要旨", True)
    assert first.attachments == [{"label": "別紙1", "url": "https://good.example/1.pdf", "sha256": "a" * 64}]


def test_when_the_database_is_away_the_polls_are_marked_unrecorded(tmp_path):
    database = store.Store(f"sqlite:///{tmp_path / 'missing' / 'no-such-dir.db'}")  # its folder does not exist
    first = outcome("good", "一件目")
    recorded: list[list[RunReport]] = []

    async def run() -> None:
        recorder = Recorder(database, HealthPolicy(2, 2, ("ops",), {}), versions_per_item=20, on_recorded=recorded.append)
        recorder.add(first)
        await recorder.drain()

    asyncio.run(run())
    assert not first.report.recorded and "not recorded" in (first.report.error or "")
    assert recorded == [[first.report]]
