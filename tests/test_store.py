import asyncio
import contextvars
import threading
from datetime import datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event
from sqlmodel import SQLModel

from monitor import store
from monitor.diff import new_versions, version_changes
from monitor.items import Classification
from monitor.models import kept_by_migrations_only
from monitor.store.versions import item_versions

NOW = datetime(2024, 2, 9, 1, 0, tzinfo=timezone.utc)


def open_store(database_url: str) -> store.Store:
    database = store.Store(database_url)
    database.upgrade()
    return database


def test_migrations_reach_head_match_the_models_and_are_idempotent(database_url):
    database = open_store(database_url)
    database.upgrade()
    assert not database.pending_migrations()
    with database.engine.connect() as connection:
        assert (
            compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True, "include_name": kept_by_migrations_only}),
                SQLModel.metadata,
            )
            == []
        )


def test_only_the_named_sources_are_claimed_however_many_are_named(database_url):
    database = open_store(database_url)
    names = [f"s{index:04}" for index in range(1200)]
    with database.begin() as c:
        store.sync_sources(c, [(name, "feed", f"https://{name}", True) for name in names], NOW)
    lease = NOW + timedelta(minutes=10)
    with database.begin() as c:
        # the service names every configured source that is not busy: here all but the first 1000
        claimed = store.claim_sources(c, NOW, owner="p1", lease_until=lease, limit=500, ids=names[1000:] + ["gone"])
    with database.begin() as c:
        nothing = store.claim_sources(c, NOW, owner="p2", lease_until=lease, limit=500, ids=[])
    assert sorted(source.id for source in claimed) == names[1000:] and nothing == []


def test_due_sources_are_claimed_once_until_their_lease_expires(database_url):
    database = open_store(database_url)
    with database.begin() as c:
        store.sync_sources(
            c, [("a", "feed", "https://a", True), ("b", "feed", "https://b", True), ("off", "feed", "https://c", False)], NOW
        )
    lease = NOW + timedelta(minutes=10)
    with database.begin() as c:
        first = store.claim_sources(c, NOW, owner="p1", lease_until=lease, limit=10)
    with database.begin() as c:
        second = store.claim_sources(c, NOW, owner="p2", lease_until=lease, limit=10)
    assert sorted(claimed.id for claimed in first) == ["a", "b"] and second == []
    assert first[0].baseline_at is None and first[0].validators == {}
    with database.begin() as c:
        store.finish_sources(
            c, [{"source_id": "a", "now": NOW, "next_due_at": NOW + timedelta(minutes=5), "item_count": 3, "new_items": 3}]
        )
        row = store.source_row(c, "a")
    assert row.baseline_at == NOW and row.items_seen == 3 and row.lease_owner is None
    assert row.last_success_at.tzinfo is not None  # stored and read back as UTC
    with database.begin() as c:
        # a is released but not due before NOW+5; b is still leased until NOW+10
        assert store.claim_sources(c, NOW + timedelta(minutes=3), owner="p2", lease_until=lease, limit=10) == []
        after_expiry = store.claim_sources(
            c, NOW + timedelta(minutes=11), owner="p2", lease_until=NOW + timedelta(minutes=21), limit=10
        )
    assert sorted(claimed.id for claimed in after_expiry) == ["a", "b"]  # b's lease expired (its poller died); a is due again


def test_a_poller_takes_back_its_own_lease_of_a_poll_it_could_not_record(database_url):
    database = open_store(database_url)
    with database.begin() as c:
        store.sync_sources(c, [("a", "feed", "https://a", True)], NOW)
        store.claim_sources(c, NOW, owner="p1", lease_until=NOW + timedelta(minutes=10), limit=10)
    # The database was away when p1's poll ended: the lease stands, but p1 may poll "a" again at once.
    lease = NOW + timedelta(minutes=10)
    with database.begin() as c:
        assert store.claim_sources(c, NOW, owner="p2", lease_until=lease, limit=10, reclaim=["a"]) == []
        assert store.claim_sources(c, NOW, owner="p1", lease_until=lease, limit=10) == []  # only when it asks
        assert [s.id for s in store.claim_sources(c, NOW, owner="p1", lease_until=lease, limit=10, reclaim=["a"])] == ["a"]


def test_sources_removed_from_the_config_are_disabled(database_url):
    database = open_store(database_url)
    with database.begin() as c:
        store.sync_sources(c, [("a", "feed", "https://a", True), ("b", "feed", "https://b", True)], NOW)
        store.sync_sources(c, [("a", "feed", "https://a2", True)], NOW)
        assert store.source_row(c, "b").enabled is False
        assert store.source_row(c, "a").url == "https://a2"


def _item(url: str) -> dict:
    return {
        "url": url,
        "link": url,
        "source_id": "a",
        "title": "t",
        "title_raw": "t",
        "body": "b",
        "body_raw": "b",
        "lead": "",
        "published_at": None,
        "modified_at": None,
        "content_fingerprint": "f",
        "detail_fetched_at": None,
        "baseline": False,
        "attributes": {},
        "first_seen_at": NOW,
        "updated_at": None,
    }


def test_an_item_url_is_inserted_once_and_events_are_not_duplicated(database_url):
    database = open_store(database_url)
    with database.begin() as c:
        store.sync_sources(c, [("a", "feed", "https://a", True)], NOW)
        first = store.insert_items(c, [_item("https://x/1"), _item("https://x/2")])
        again = store.insert_items(c, [_item("https://x/2"), _item("https://x/3")])
    assert set(first) == {"https://x/1", "https://x/2"} and set(again) == {"https://x/3"}
    event = {
        "item_id": first["https://x/1"],
        "source_id": "a",
        "kind": "new",
        "fingerprint": "f",
        "changes": [],
        "created_at": NOW,
    }
    with database.begin() as c:
        assert len(store.save_events(c, [event])) == 1
        assert store.save_events(c, [event]) == {}


def test_known_items_are_found_by_urls_of_any_characters_with_this_sources_listing(database_url):
    database = open_store(database_url)
    urls = ['https://例え.jp/報道/1?q="x"&a=1', "https://x/%E3%81%82", "https://x/it's\\here", "https://x/[1],{2}"]
    with database.begin() as c:
        store.sync_sources(c, [("a", "feed", "https://a", True), ("b", "feed", "https://b", True)], NOW)
        ids = store.insert_items(c, [_item(url) for url in urls])
        store.save_listings(c, [("a", ids[urls[0]], "listed by a")], NOW)
    with database.read() as c:
        known = store.known_items(c, "a", [*urls, "https://x/unknown"])
        assert {url: (item.id, item.listing_fingerprint) for url, item in known.items()} == {
            url: (ids[url], "listed by a" if url == urls[0] else None) for url in urls
        }
        assert store.known_items(c, "b", urls[:1])[urls[0]].listing_fingerprint is None


def test_classifications_are_replaced_and_filterable_by_category(database_url):
    database = open_store(database_url)
    with database.begin() as c:
        store.sync_sources(c, [("a", "feed", "https://a", True)], NOW)
        ids = store.insert_items(c, [_item("https://x/1"), _item("https://x/2")])
        result = Classification(
            ("guidance_notice",), {"guidance_notice": 0.9}, {"guidance_notice": ("行政指導",)}, {"amounts_jpy": [3000000]}, "m"
        )
        store.save_classifications(c, {ids["https://x/1"]: result}, NOW)
        store.save_classifications(c, {ids["https://x/1"]: result}, NOW)
        rows = store.list_items(c, category="guidance_notice")
    assert [row["url"] for row in rows] == ["https://x/1"]
    assert rows[0]["facts"] == {"amounts_jpy": [3000000]}


def record_versions(c, item_ids: list[int], at: datetime, keep: int = 20) -> None:
    """As the recorder does after it wrote the items."""
    store.save_versions(c, new_versions(store.current_versions(c, item_ids, at)), keep)


def test_an_item_keeps_its_newest_versions_and_the_same_content_again_is_none(database_url):
    database = open_store(database_url)
    with database.begin() as c:
        store.sync_sources(c, [("a", "feed", "https://a", True)], NOW)
        (item_id,) = store.insert_items(c, [_item("https://x/1")]).values()
        record_versions(c, [item_id], NOW, keep=2)
        for minutes, title in enumerate(("t", "t2", "t2", "t3"), start=1):
            # Stored again as fetched: "t2" twice is one version; a re-fetch of the first content none.
            fingerprint = "f" if title == "t" else title  # as _item has it
            store.update_items(c, [{"item_id": item_id, "title": title, "title_raw": title, "content_fingerprint": fingerprint}])
            record_versions(c, [item_id], NOW + timedelta(minutes=minutes), keep=2)
    with database.read() as c:
        versions = item_versions(c, item_id)
    assert [(v.number, v.title_raw, v.fetched_at) for v in versions] == [
        (2, "t2", NOW + timedelta(minutes=2)), (3, "t3", NOW + timedelta(minutes=4)),
    ]  # fmt: skip


def test_a_changed_attachment_file_is_a_new_version_though_the_text_is_the_same(database_url):
    database = open_store(database_url)
    attached = {"label": "別紙1", "url": "https://x/1.pdf", "type": "pdf", "sha256": "a" * 64, "excerpt": "…"}
    with database.begin() as c:
        store.sync_sources(c, [("a", "feed", "https://a", True)], NOW)
        (item_id,) = store.insert_items(c, [{**_item("https://x/1"), "attributes": {"attachments": [attached]}}]).values()
        record_versions(c, [item_id], NOW)
        store.update_items(c, [{"item_id": item_id, "attributes": {"attachments": [{**attached, "sha256": "b" * 64}]}}])
        record_versions(c, [item_id], NOW + timedelta(minutes=1))
    with database.read() as c:
        first, second = item_versions(c, item_id)
    assert first.attachments == [{"label": "別紙1", "url": "https://x/1.pdf", "sha256": "a" * 64}]
    assert [change.changed for change in version_changes(first, second)] == [("別紙1",)]


def test_a_changed_lead_is_a_new_version_though_the_title_and_body_are_the_same(database_url):
    database = open_store(database_url)
    with database.begin() as c:
        store.sync_sources(c, [("a", "feed", "https://a", True)], NOW)
        (item_id,) = store.insert_items(c, [{**_item("https://x/1"), "lead": "令和６年に指導した。"}]).values()
        record_versions(c, [item_id], NOW)
        for minutes, lead in enumerate(("令和6年に指導した。", "令和6年に再び指導した。"), start=1):  # the first: layout only
            store.update_items(c, [{"item_id": item_id, "lead": lead}])
            record_versions(c, [item_id], NOW + timedelta(minutes=minutes))
    with database.read() as c:
        versions = item_versions(c, item_id)
    assert [v.lead for v in versions] == ["令和６年に指導した。", "令和6年に再び指導した。"]
    assert [change.field for change in version_changes(*versions)] == ["lead"]


def test_the_migration_gives_every_stored_item_its_current_version(database_url):
    database = store.Store(database_url)
    database.upgrade("0005")  # before versions were kept
    attached = {"label": "別紙1", "url": "https://x/1.pdf", "type": "pdf", "sha256": "a" * 64, "excerpt": "…"}
    updated = {"detail_fetched_at": NOW, "updated_at": NOW + timedelta(hours=1), "attributes": {"attachments": [attached]}}
    with database.begin() as c:
        store.sync_sources(c, [("a", "feed", "https://a", True)], NOW)
        ids = store.insert_items(c, [{**_item("https://x/1"), "lead": "l", **updated}, _item("https://x/2")])
    database.upgrade()
    with database.read() as c:
        (fetched,) = item_versions(c, ids["https://x/1"])
        (listed,) = item_versions(c, ids["https://x/2"])
    assert (fetched.number, fetched.fetched_at, fetched.title_raw, fetched.body_raw, fetched.lead) == (
        1,
        NOW + timedelta(hours=1),
        "t",
        "b",
        "l",
    )
    assert fetched.attachments == [{"label": "別紙1", "url": "https://x/1.pdf", "sha256": "a" * 64}]
    assert (fetched.fingerprint, fetched.from_detail) == ("f", True)
    assert (listed.fetched_at, listed.attachments, listed.from_detail) == (NOW, [], False)
    database.dispose()


def test_new_items_inserted_in_several_statements_each_get_their_own_id(database_url):
    # 250 rows: three multi-row statements on SQLite (100 rows each at most), one on PostgreSQL.
    database = open_store(database_url)
    urls = [f"https://x/{n}" for n in range(250)]
    with database.begin() as c:
        store.sync_sources(c, [("a", "feed", "https://a", True)], NOW)
        before = store.insert_items(c, [_item(urls[150])])
        statements: list[str] = []

        def count(connection, cursor, statement, *rest):  # type: ignore[no-untyped-def]
            if statement.startswith("INSERT INTO item "):
                statements.append(statement)

        event.listen(database.engine, "before_cursor_execute", count)
        inserted = store.insert_items(c, [_item(url) for url in urls])
        event.remove(database.engine, "before_cursor_execute", count)
        stored = store.item_ids(c, urls)
    assert len(statements) == (3 if database.dialect == "sqlite" else 1)  # the premise
    assert set(inserted) == set(urls) - {urls[150]}
    assert inserted == {url: stored[url] for url in inserted} and stored[urls[150]] == before[urls[150]]
    database.dispose()


_CALLER = contextvars.ContextVar("caller", default="")


def test_database_calls_run_off_the_event_loop_with_the_callers_context(database_url):
    database = open_store(database_url)

    def where(sleep: float) -> tuple[int, str]:
        with database.read() as c:
            store.item_ids(c, ["https://x/1"])
        threading.Event().wait(sleep)  # overlapping calls, had they threads to overlap in
        return threading.get_ident(), _CALLER.get()

    def refused() -> None:
        raise ValueError("refused")

    async def calls() -> list[tuple[int, str]]:
        _CALLER.set("poll")
        with pytest.raises(ValueError, match="refused"):
            await database.in_thread(refused)
        return await asyncio.gather(*(database.in_thread(where, 0.02) for _ in range(4)))

    results = asyncio.run(calls())
    threads = {thread for thread, _ in results}
    assert threading.get_ident() not in threads and {caller for _, caller in results} == {"poll"}
    if database.dialect == "sqlite":  # one thread: one connection and its caches, one malloc arena
        assert len(threads) == 1
    else:  # PostgreSQL: each call waits a round trip, several at once
        assert len(threads) > 1
    database.dispose()
