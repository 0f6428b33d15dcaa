"""Items' content versions as they were fetched: written with the items they version, in the
same transaction, each item's newest ``[store] versions_per_item`` kept; read by the dashboard."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, bindparam, delete, func, select

from monitor.models import ItemVersionRow
from monitor.store.bulk import BulkInsert
from monitor.store.database import ITEM

ITEM_VERSION = ItemVersionRow.__table__


class ItemVersion(NamedTuple):
    """A row of item_version. Not the ORM row: a cold poll versions thousands of new items, and
    building ORM objects took half the CPU of writing their versions."""

    item_id: int
    number: int
    fetched_at: datetime
    title_raw: str
    body_raw: str
    lead: str
    attachments: list[dict[str, str]]  # label, url and sha256 of each file linked
    fingerprint: str
    from_detail: bool  # the body is the detail page's (else the list entry's summary)


_NEWEST = ITEM_VERSION.alias("newest")
_NEWEST_NUMBER = (
    select(func.max(ITEM_VERSION.c.number)).where(ITEM_VERSION.c.item_id == ITEM.c.id).correlate(ITEM).scalar_subquery()
)
_CURRENT = (
    select(
        ITEM.c.id,
        ITEM.c.title_raw,
        ITEM.c.body_raw,
        ITEM.c.lead,
        ITEM.c.attributes,
        ITEM.c.content_fingerprint,
        ITEM.c.detail_fetched_at,
        *(column.label(f"newest_{column.name}") for column in _NEWEST.c),
    )
    .select_from(ITEM.outerjoin(_NEWEST, and_(_NEWEST.c.item_id == ITEM.c.id, _NEWEST.c.number == _NEWEST_NUMBER)))
    .where(ITEM.c.id.in_(bindparam("ids", expanding=True)))
)


def current_versions(
    connection: Connection, item_ids: Sequence[int], now: datetime
) -> list[tuple[ItemVersion, ItemVersion | None]]:
    """Each item's stored content as the version it would be, fetched ``now``, beside its newest
    stored version (None when it has none)."""
    if not item_ids:
        return []
    pairs = []
    for row in connection.execute(_CURRENT, {"ids": sorted(set(item_ids))}):
        newest = None
        if row.newest_number is not None:
            newest = ItemVersion(*(row._mapping[f"newest_{name}"] for name in ItemVersion._fields))
        pairs.append((_version(row.id, newest.number + 1 if newest else 1, now, row._mapping), newest))
    return pairs


def first_versions(inserted: Mapping[int, Mapping[str, Any]], now: datetime) -> list[ItemVersion]:
    """The first version of each item inserted ``now`` (id → the row written): built from the row,
    not read back, as a new item has no stored version to compare it with."""
    return [_version(item_id, 1, now, row) for item_id, row in inserted.items()]


def _version(item_id: int, number: int, now: datetime, item: Mapping[str, Any]) -> ItemVersion:
    """An item's content as a version, from its row's columns (read, or being written)."""
    return ItemVersion(
        item_id=item_id,
        number=number,
        fetched_at=now,
        title_raw=item["title_raw"],
        body_raw=item["body_raw"],
        lead=item["lead"],
        attachments=version_attachments(item["attributes"] or {}),
        fingerprint=item["content_fingerprint"],
        from_detail=item["detail_fetched_at"] is not None,
    )


def version_attachments(attributes: Mapping[str, Any]) -> list[dict[str, str]]:
    """What a version keeps of an item's attachments: the label, URL and hash of each file."""
    return [
        {key: str(attachment.get(key) or "") for key in ("label", "url", "sha256")}
        for attachment in attributes.get("attachments") or ()
    ]


_DROP_OLDEST = delete(ITEM_VERSION).where(
    ITEM_VERSION.c.item_id == bindparam("version_item"), ITEM_VERSION.c.number < bindparam("oldest_kept")
)


_INSERT_VERSIONS = BulkInsert(ITEM_VERSION, conflict=["item_id", "number"])


def save_versions(connection: Connection, versions: Sequence[ItemVersion], keep: int) -> None:
    """Insert new versions, then delete what falls beyond each item's ``keep`` newest. A version
    another process wrote meanwhile under the same number stands."""
    if not versions:
        return
    _INSERT_VERSIONS.execute(connection, [version._asdict() for version in versions])
    beyond = [{"version_item": v.item_id, "oldest_kept": v.number - keep + 1} for v in versions if v.number > keep]
    if beyond:
        connection.execute(_DROP_OLDEST, beyond)


_COLUMNS = [ITEM_VERSION.c[name] for name in ItemVersion._fields]


def item_versions(connection: Connection, item_id: int) -> list[ItemVersion]:
    """The stored versions of an item, oldest first."""
    rows = connection.execute(select(*_COLUMNS).where(ITEM_VERSION.c.item_id == item_id).order_by(ITEM_VERSION.c.number))
    return [ItemVersion(*row) for row in rows]


def item_version(connection: Connection, item_id: int, number: int) -> ItemVersion | None:
    row = connection.execute(select(*_COLUMNS).where(ITEM_VERSION.c.item_id == item_id, ITEM_VERSION.c.number == number)).first()
    return None if row is None else ItemVersion(*row)
