"""Bulk inserts store what SQLAlchemy's typed execution stores, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Connection, Table, select

from monitor.errors import StoreError
from monitor.store import Store, insert_for
from monitor.store.bulk import BulkInsert
from monitor.store.database import ITEM, LISTING
from monitor.store.versions import ITEM_VERSION

JST = timezone(timedelta(hours=9))


@pytest.fixture
def database(store_at_head) -> Store:
    return store_at_head([("s", "feed", "https://s.example/", True)])


def item(url: str, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "url": url, "link": "https://s.example/list", "source_id": "s", "title": "行政指導", "title_raw": "行政指導", "body": "", "body_raw": "本文",
        "lead": "要旨", "published_at": datetime(2024, 2, 9, 9, 0, tzinfo=JST), "modified_at": None,
        "content_fingerprint": "f" * 32, "detail_fetched_at": datetime(2024, 2, 9, 1, 2, 3, 0, tzinfo=timezone.utc),
        "awaiting_detail": True, "detail_attempts": 2, "detail_error": None, "detail_retry_at": None, "baseline": False,
        "attributes": {"department": "総合通信基盤局", "attachments": [{"url": "https://s.example/1.pdf"}], "n": 1.5},
        "first_seen_at": datetime(2024, 2, 9, 1, 2, 3, 456789, tzinfo=timezone.utc), "updated_at": None,
    }  # fmt: skip
    return {**row, **values}


def stored(connection: Connection, table: Table, key: str, value: object) -> dict[str, object]:
    """Each column of a row as the database holds it: its text, and on SQLite its storage class."""
    columns = [column.name for column in table.columns if column.name not in ("id", key)]
    if connection.dialect.name == "sqlite":
        texts = ", ".join(f"typeof({name}) || ':' || coalesce(CAST({name} AS TEXT), 'NULL')" for name in columns)
        row = connection.exec_driver_sql(f"SELECT {texts} FROM {table.name} WHERE {key} = ?", (value,)).one()
    else:
        texts = ", ".join(f"coalesce({name}::text, 'NULL')" for name in columns)
        row = connection.exec_driver_sql(f"SELECT {texts} FROM {table.name} WHERE {key} = %s", (value,)).one()
    return dict(zip(columns, row, strict=True))


def test_items_and_versions_are_stored_as_sqlalchemy_stores_them(database):
    variants = [
        {},
        {"published_at": None, "detail_fetched_at": None, "attributes": {}, "awaiting_detail": False, "lead": ""},
        {"modified_at": datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=JST), "attributes": None},
    ]
    with database.begin() as c:
        for n, values in enumerate(variants):
            typed, bulk = item(f"https://s.example/typed/{n}", **values), item(f"https://s.example/bulk/{n}", **values)
            c.execute(insert_for(c, ITEM), [typed])
            (returned,) = BulkInsert(ITEM, conflict=["url"], returning=["id", "url"]).execute(c, [bulk])
            assert returned.url == bulk["url"]
            assert stored(c, ITEM, "url", bulk["url"]) == stored(c, ITEM, "url", typed["url"])
            versions = [
                {"item_id": item_id, "number": 1, "fetched_at": bulk["first_seen_at"], "title_raw": "題", "body_raw": "",
                 "lead": "", "attachments": [{"label": "別紙", "url": "u", "sha256": ""}], "fingerprint": "f", "from_detail": True}
                for item_id in c.execute(select(ITEM.c.id).where(ITEM.c.url.in_([typed["url"], bulk["url"]]))).scalars()
            ]  # fmt: skip
            c.execute(insert_for(c, ITEM_VERSION), versions[:1])
            BulkInsert(ITEM_VERSION, conflict=["item_id", "number"]).execute(c, versions[1:])
            typed_version, bulk_version = (stored(c, ITEM_VERSION, "item_id", v["item_id"]) for v in versions)
            assert typed_version == bulk_version


def test_equal_times_and_empty_documents_in_one_batch_are_stored_as_sqlalchemy_stores_them(database):
    instant = datetime(2024, 2, 9, 9, 0, tzinfo=JST)
    times = [instant, instant.astimezone(timezone.utc), datetime(2024, 2, 9, 9, 0, tzinfo=JST), None, instant + timedelta(1)]
    documents = [{}, [], {"attachments": []}, None, {}]
    with database.begin() as c:
        typed = [
            item(f"https://s.example/typed/{n}", published_at=t, attributes=d)
            for n, (t, d) in enumerate(zip(times, documents, strict=True))
        ]
        bulk = [
            item(f"https://s.example/bulk/{n}", published_at=t, attributes=d)
            for n, (t, d) in enumerate(zip(times, documents, strict=True))
        ]
        c.execute(insert_for(c, ITEM), typed)
        BulkInsert(ITEM, conflict=["url"]).execute(c, bulk)
        for typed_row, bulk_row in zip(typed, bulk, strict=True):
            assert stored(c, ITEM, "url", bulk_row["url"]) == stored(c, ITEM, "url", typed_row["url"])
        ids = dict(c.execute(select(ITEM.c.url, ITEM.c.id)).all())
        versions = [
            {"item_id": ids[row["url"]], "number": 1, "fetched_at": row["published_at"] or instant, "title_raw": "題",
             "body_raw": "", "lead": "", "attachments": [], "fingerprint": "f", "from_detail": False}
            for row in [*typed, *bulk]
        ]  # fmt: skip
        c.execute(insert_for(c, ITEM_VERSION), versions[: len(typed)])
        BulkInsert(ITEM_VERSION, conflict=["item_id", "number"]).execute(c, versions[len(typed) :])
        for typed_version, bulk_version in zip(versions[: len(typed)], versions[len(typed) :], strict=True):
            assert stored(c, ITEM_VERSION, "item_id", bulk_version["item_id"]) == stored(
                c, ITEM_VERSION, "item_id", typed_version["item_id"]
            )


def test_a_column_left_out_takes_its_default_and_conflicts_are_skipped_or_updated_as_one_by_one(database):
    with database.begin() as c:
        row = item("https://s.example/a")
        del row["lead"], row["baseline"]  # both have defaults
        inserted = BulkInsert(ITEM, conflict=["url"], returning=["id", "url"]).execute(c, [row, {**row, "title": "二度目"}])
        assert [r.url for r in inserted] == ["https://s.example/a"]
        stored_item = c.execute(select(ITEM.c.title, ITEM.c.lead, ITEM.c.baseline).where(ITEM.c.url == row["url"])).one()
        assert tuple(stored_item) == ("行政指導", "", False)
        item_id = inserted[0].id
        first = datetime(2024, 2, 9, tzinfo=timezone.utc)
        upsert = BulkInsert(LISTING, conflict=["source_id", "item_id"], update=["fingerprint"])
        upsert.execute(c, [{"source_id": "s", "item_id": item_id, "fingerprint": "a", "first_seen_at": first}])
        upsert.execute(
            c,
            [
                {"source_id": "s", "item_id": item_id, "fingerprint": "b", "first_seen_at": first + timedelta(days=1)},
                {"source_id": "s", "item_id": item_id, "fingerprint": "c", "first_seen_at": first + timedelta(days=2)},
            ],
        )
        listing = c.execute(select(LISTING.c.fingerprint, LISTING.c.first_seen_at)).one()
        assert tuple(listing) == ("c", first)


def test_a_time_without_its_zone_is_refused(database):
    with pytest.raises(StoreError, match="without its zone"), database.begin() as c:
        BulkInsert(ITEM, conflict=["url"]).execute(c, [item("https://s.example/naive", first_seen_at=datetime(2024, 2, 9))])
