"""The database: engine set-up, migrations, and the repository functions of the poll pipeline.

SQLite by default, PostgreSQL via ``postgresql+psycopg://``. Hot paths use SQLAlchemy Core with
executemany (a cold poll writes about twenty items per page); SQL errors become StoreError here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    and_,
    bindparam,
    case,
    create_engine,
    delete,
    event,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.sql import Insert
from sqlmodel import Session

from monitor.errors import StoreError
from monitor.items import Classification
from monitor.models import ClassificationRow, EventRow, FetchStateRow, ItemLabelRow, ItemRow, ListingRow, SourceRow

logger = logging.getLogger(__name__)

SOURCE = SourceRow.__table__
FETCH_STATE = FetchStateRow.__table__
ITEM = ItemRow.__table__
LISTING = ListingRow.__table__
EVENT = EventRow.__table__
CLASSIFICATION = ClassificationRow.__table__
ITEM_LABEL = ItemLabelRow.__table__
_MIGRATION_LOCK_ID = 0x7265_6777  # "regw": serializes concurrent `db upgrade` on PostgreSQL
_READ_ONLY = "regwatch_read_only"


@dataclass(frozen=True)
class ClaimedSource:
    """A leased source with what its poll needs: baseline, failure count, page validators, and
    whether some of its items' detail pages are due to be tried again."""

    id: str
    baseline_at: datetime | None
    consecutive_failures: int
    validators: dict[str, tuple[str | None, str | None]]  # page URL → (ETag, Last-Modified)
    detail_retry_due: bool = False


class KnownItem(NamedTuple):
    id: int
    url: str
    baseline: bool
    detail_fetched: bool
    listing_fingerprint: str | None  # None: known, but not yet listed by this source
    awaiting_detail: bool = False  # no event yet: its detail page is still being tried
    detail_attempts: int = 0
    source_id: str = ""  # the source that found it first: the one that settles its detail page


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _create_engine(url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction; SQL errors surface as StoreError."""
        try:
            with self.engine.begin() as connection:
                yield connection
        except SQLAlchemyError as exc:
            raise _store_error(exc) from exc

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for one read-only statement: on SQLite it takes no lock and no BEGIN."""
        try:
            with self.engine.connect().execution_options(**{_READ_ONLY: True}) as connection, connection.begin():
                yield connection
        except SQLAlchemyError as exc:
            raise _store_error(exc) from exc

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def upgrade(self) -> None:
        """Apply pending Alembic migrations (idempotent; safe when several processes start at once)."""
        with self.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
            config = _alembic_config(self.url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def pending_migrations(self) -> bool:
        head = ScriptDirectory.from_config(_alembic_config(self.url)).get_current_head()
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision() != head

    def dispose(self) -> None:
        self.engine.dispose()


def _store_error(exc: SQLAlchemyError) -> StoreError:
    # OperationalError and its kin say the database is away or stuck; others, that it refused the data.
    unavailable = isinstance(exc, (OperationalError, InterfaceError, DisconnectionError)) or bool(
        getattr(exc, "connection_invalidated", False)
    )
    return StoreError(f"database error: {exc.__class__.__name__}: {exc}", unavailable=unavailable)


def _alembic_config(url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", "monitor:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _create_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        # A server that is gone answers a connect at once or never: don't wait for the OS's minutes.
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Our BEGIN below replaces pysqlite's deferred one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Connection) -> None:
        # A deferred transaction that reads and then writes fails at once with "database is
        # locked" when another process writes; IMMEDIATE waits for busy_timeout instead.
        # A read (one SELECT) needs no BEGIN: in autocommit mode it is its own consistent
        # transaction, and under WAL it never blocks a writer.
        if not connection.get_execution_options().get(_READ_ONLY, False):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def insert_for(connection: Connection, table: Any) -> Insert:
    """An INSERT that supports ON CONFLICT on the connection's dialect."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


_STATEMENTS: dict[tuple[str, str], Any] = {}


def prepared(connection: Connection, name: str, build: Callable[[Connection], Any]) -> Any:
    """A statement built once per dialect: hot paths skip construction and cache-key work."""
    key = (connection.dialect.name, name)
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = _STATEMENTS[key] = build(connection)
    return statement


# Sources -------------------------------------------------------------------------------------


def sync_sources(connection: Connection, sources: Iterable[tuple[str, str, str, bool]], now: datetime) -> None:
    """Make the source table match the config: (id, kind, url, enabled); new sources are due now."""
    rows = [{"id": sid, "kind": kind, "url": url, "enabled": enabled, "next_due_at": now} for sid, kind, url, enabled in sources]
    configured = {row["id"] for row in rows}
    if rows:
        statement = insert_for(connection, SOURCE)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["id"],
                set_={"kind": statement.excluded.kind, "url": statement.excluded.url, "enabled": statement.excluded.enabled},
            ),
            rows,
        )
    connection.execute(update(SOURCE).where(SOURCE.c.id.not_in(configured)).values(enabled=False))


def claim_sources(
    connection: Connection,
    now: datetime,
    *,
    owner: str,
    lease_until: datetime,
    limit: int,
    ids: Sequence[str] | None = None,
    due_only: bool = True,
    reclaim: Sequence[str] = (),
) -> list[ClaimedSource]:
    """Lease up to ``limit`` enabled sources (due ones only, unless ``due_only`` is False).

    The UPDATE re-checks the lease, so two processes never hold the same source. ``reclaim``:
    sources ``owner`` leased itself whose polls could not be recorded (the database was away);
    they are free to it again at once, instead of when their leases expire.
    """
    free = SOURCE.c.lease_until.is_(None) | (SOURCE.c.lease_until < now)
    if reclaim:
        free = free | and_(SOURCE.c.lease_owner == owner, SOURCE.c.id.in_(list(reclaim)))
    condition = and_(SOURCE.c.enabled.is_(True), free)
    if due_only:
        condition = and_(condition, or_(SOURCE.c.next_due_at <= now, SOURCE.c.id.in_(list(reclaim))))
    if ids is not None:
        condition = and_(condition, SOURCE.c.id.in_(list(ids)))
    candidates = select(SOURCE.c.id).where(condition).order_by(SOURCE.c.next_due_at).limit(limit)
    claimed = connection.execute(
        update(SOURCE)
        .where(SOURCE.c.id.in_(candidates.scalar_subquery()), free)
        .values(lease_until=lease_until, lease_owner=owner, last_attempt_at=now)
        .returning(SOURCE.c.id, SOURCE.c.baseline_at, SOURCE.c.consecutive_failures)
    ).all()
    if not claimed:
        return []
    validators: dict[str, dict[str, tuple[str | None, str | None]]] = {row.id: {} for row in claimed}
    pages = select(FETCH_STATE.c.source_id, FETCH_STATE.c.url, FETCH_STATE.c.etag, FETCH_STATE.c.last_modified)
    for page in connection.execute(pages.where(FETCH_STATE.c.source_id.in_(list(validators)))):
        validators[page.source_id][page.url] = (page.etag, page.last_modified)
    retry_due = set(
        connection.execute(
            select(ITEM.c.source_id)
            .where(ITEM.c.detail_retry_at <= now, ITEM.c.source_id.in_(list(validators)))
            .group_by(ITEM.c.source_id)
        ).scalars()
    )
    return [
        ClaimedSource(row.id, row.baseline_at, row.consecutive_failures, validators[row.id], row.id in retry_due)
        for row in claimed
    ]


def release_sources(connection: Connection, source_ids: Sequence[str], owner: str) -> None:
    """End the leases of sources whose poll was abandoned (the service is stopping): they are due
    again at once for the next poller instead of waiting for the lease to expire."""
    if source_ids:
        connection.execute(
            update(SOURCE)
            .where(SOURCE.c.id.in_(list(source_ids)), SOURCE.c.lease_owner == owner)
            .values(lease_until=None, lease_owner=None)
        )


def source_row(connection: Connection, source_id: str) -> SourceRow:
    row = connection.execute(select(SOURCE).where(SOURCE.c.id == source_id)).one()
    return SourceRow.model_validate(row._mapping)


def _release(**values: Any) -> Any:
    """UPDATE that ends a source's lease and schedules its next poll, setting ``values`` too."""
    release = {"lease_until": None, "lease_owner": None, "next_due_at": bindparam("next_due_at")}
    return update(SOURCE).where(SOURCE.c.id == bindparam("source_id")).values(**release, **values)


_FINISH_SUCCESS = _release(
    last_success_at=bindparam("now"),
    last_error=None,
    consecutive_failures=0,
    baseline_at=func.coalesce(SOURCE.c.baseline_at, bindparam("now")),
    last_item_count=func.coalesce(bindparam("item_count", type_=Integer), SOURCE.c.last_item_count),
    # Each poll that finds the source listing nothing counts toward "broken"; a 304 (no count)
    # means the page is as it was, so it lists what it listed last time.
    consecutive_empty=case(
        (func.coalesce(bindparam("item_count", type_=Integer), SOURCE.c.last_item_count) == 0, SOURCE.c.consecutive_empty + 1),
        else_=0,
    ),
    items_seen=SOURCE.c.items_seen + bindparam("new_items"),
)
_FINISH_FAILURE = _release(last_error=bindparam("error"), consecutive_failures=SOURCE.c.consecutive_failures + 1)


def finish_sources(connection: Connection, finished: Sequence[dict[str, Any]]) -> None:
    """Release sources after a successful poll (dicts: source_id, next_due_at, now, item_count, new_items;
    a source whose pages all answered 304 has item_count None and new_items 0), in one statement.

    The first success marks a source's baseline: from then on what it lists is news.
    """
    if finished:
        connection.execute(_FINISH_SUCCESS, list(finished))


def finish_failure(connection: Connection, source_id: str, *, next_due_at: datetime, error: str) -> None:
    connection.execute(_FINISH_FAILURE, {"source_id": source_id, "next_due_at": next_due_at, "error": error[:2000]})


# Fetch state ---------------------------------------------------------------------------------


def save_fetch_states(connection: Connection, states: Sequence[dict[str, Any]]) -> None:
    """Upsert conditional-GET state: dicts with url, source_id, etag, last_modified, last_status, fetched_at."""
    if states:
        connection.execute(prepared(connection, "save_fetch_states", _upsert_fetch_state), list(states))


def _upsert_fetch_state(connection: Connection) -> Any:
    statement = insert_for(connection, FETCH_STATE)
    columns = ("source_id", "etag", "last_modified", "last_status", "fetched_at")
    return statement.on_conflict_do_update(index_elements=["url"], set_={name: statement.excluded[name] for name in columns})


# Items ---------------------------------------------------------------------------------------


_LISTING_HERE = LISTING.alias("this_listing")
_KNOWN_COLUMNS = (
    ITEM.c.id,
    ITEM.c.url,
    ITEM.c.baseline,
    ITEM.c.detail_fetched_at.is_not(None).label("detail_fetched"),
    _LISTING_HERE.c.fingerprint,
    ITEM.c.awaiting_detail,
    ITEM.c.detail_attempts,
    ITEM.c.source_id,
)


def _known_query(*conditions: Any) -> Any:
    """Items with this source's listing fingerprint (None when it never listed them)."""
    listed_here = and_(_LISTING_HERE.c.item_id == ITEM.c.id, _LISTING_HERE.c.source_id == bindparam("source_id"))
    return select(*_KNOWN_COLUMNS).select_from(ITEM.outerjoin(_LISTING_HERE, listed_here)).where(*conditions)


_KNOWN_ITEMS = _known_query(ITEM.c.url.in_(bindparam("urls", expanding=True)))


def known_items(connection: Connection, source_id: str, urls: Sequence[str]) -> dict[str, KnownItem]:
    """Stored items among ``urls``, with this source's listing fingerprint when it listed them before."""
    if not urls:
        return {}
    rows = connection.execute(_KNOWN_ITEMS, {"source_id": source_id, "urls": list(urls)})
    return {row.url: _known(row) for row in rows}


def _known(row: Any) -> KnownItem:
    return KnownItem(
        row.id,
        row.url,
        row.baseline,
        bool(row.detail_fetched),
        row.fingerprint,
        bool(row.awaiting_detail),
        row.detail_attempts,
        row.source_id,
    )


class StoredContent(NamedTuple):
    title: str  # normalized
    body: str
    title_raw: str
    body_raw: str
    link: str


_STORED_CONTENT = select(ITEM.c.id, ITEM.c.title, ITEM.c.body, ITEM.c.title_raw, ITEM.c.body_raw, ITEM.c.link).where(
    ITEM.c.id.in_(bindparam("ids", expanding=True))
)


def stored_content(connection: Connection, item_ids: Sequence[int]) -> dict[int, StoredContent]:
    """Title and body of stored items (read only for items whose listing changed, or retried)."""
    if not item_ids:
        return {}
    return {
        row.id: StoredContent(row.title, row.body, row.title_raw, row.body_raw, row.link)
        for row in connection.execute(_STORED_CONTENT, {"ids": list(item_ids)})
    }


_DETAIL_RETRIES = (
    _known_query(ITEM.c.source_id == bindparam("source_id"), ITEM.c.detail_retry_at <= bindparam("now"))
    .order_by(ITEM.c.detail_retry_at)
    .limit(bindparam("limit"))
)


def detail_retries(connection: Connection, source_id: str, now: datetime, limit: int) -> dict[str, KnownItem]:
    """Items of the source whose detail page is due to be tried again, the longest waiting first."""
    rows = connection.execute(_DETAIL_RETRIES, {"source_id": source_id, "now": now, "limit": limit})
    return {row.url: _known(row) for row in rows}


def detail_failures(connection: Connection) -> dict[str, tuple[int, str | None]]:
    """Per source: how many items' detail pages are failing, and one of their errors."""
    rows = connection.execute(
        select(ITEM.c.source_id, func.count(), func.max(ITEM.c.detail_error))
        .where(ITEM.c.detail_retry_at.is_not(None), ITEM.c.detail_error.is_not(None))
        .group_by(ITEM.c.source_id)
    )
    return {row[0]: (row[1], row[2]) for row in rows}


def insert_items(connection: Connection, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert new items; returns url → id of the rows this call inserted (a concurrent insert of
    the same URL by another process is skipped, and that process owns its events)."""
    if not rows:
        return {}
    statement = prepared(
        connection,
        "insert_items",
        lambda c: insert_for(c, ITEM).on_conflict_do_nothing(index_elements=["url"]).returning(ITEM.c.id, ITEM.c.url),
    )
    return {row.url: row.id for row in connection.execute(statement, list(rows))}


def update_items(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Update stored items; each dict has ``item_id`` plus the columns to set (one statement per set of columns)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(key for key in row if key != "item_id"), []).append(row)
    for columns, group in groups.items():
        # A bindparam may not share a column's name in an UPDATE's SET clause, hence the prefix.
        connection.execute(
            update(ITEM).where(ITEM.c.id == bindparam("item_id")).values({name: bindparam(f"new_{name}") for name in columns}),
            [{"item_id": row["item_id"], **{f"new_{name}": row[name] for name in columns}} for row in group],
        )


def save_listings(connection: Connection, listings: Sequence[tuple[str, int, str]], now: datetime) -> None:
    """Record that a source lists an item with a fingerprint: (source_id, item_id, fingerprint)."""
    if listings:
        connection.execute(
            prepared(connection, "save_listings", _upsert_listing),
            [{"source_id": sid, "item_id": item_id, "fingerprint": fp, "first_seen_at": now} for sid, item_id, fp in listings],
        )


_ITEM_IDS = select(ITEM.c.id, ITEM.c.url).where(ITEM.c.url.in_(bindparam("urls", expanding=True)))


def item_ids(connection: Connection, urls: Sequence[str]) -> dict[str, int]:
    return {row.url: row.id for row in connection.execute(_ITEM_IDS, {"urls": list(urls)})} if urls else {}


def _upsert_listing(connection: Connection) -> Any:
    statement = insert_for(connection, LISTING)
    return statement.on_conflict_do_update(
        index_elements=["source_id", "item_id"], set_={"fingerprint": statement.excluded.fingerprint}
    )


# Events and classifications ------------------------------------------------------------------


def save_events(connection: Connection, rows: Sequence[dict[str, Any]]) -> dict[tuple[int, str], int]:
    """Insert events (item_id, source_id, kind, fingerprint, changes, created_at); an identical
    event (same item, kind and content) is not inserted twice. Returns (item_id, kind) → id."""
    if not rows:
        return {}
    statement = prepared(
        connection,
        "save_events",
        lambda c: (
            insert_for(c, EVENT)
            .on_conflict_do_nothing(index_elements=["item_id", "kind", "fingerprint"])
            .returning(EVENT.c.id, EVENT.c.item_id, EVENT.c.kind)
        ),
    )
    return {(row.item_id, row.kind): row.id for row in connection.execute(statement, list(rows))}


def save_classifications(
    connection: Connection, results: dict[int, Classification], now: datetime, *, new_items: bool = False
) -> None:
    """Replace the stored classification and labels of each item (``new_items``: none stored yet)."""
    if not results:
        return
    rows = [
        {
            "item_id": item_id,
            "labels": list(result.labels),
            "scores": dict(result.scores),
            "evidence": {category: list(phrases) for category, phrases in result.evidence.items()},
            "facts": dict(result.facts),
            "model": result.model,
            "classified_at": now,
        }
        for item_id, result in results.items()
    ]
    connection.execute(prepared(connection, "save_classifications", _upsert_classification), rows)
    if not new_items:
        connection.execute(_DELETE_LABELS, {"item_ids": list(results)})
    labels = [
        {"item_id": item_id, "category": label, "score": result.scores.get(label, 1.0)}
        for item_id, result in results.items()
        for label in result.labels
    ]
    if labels:
        connection.execute(ITEM_LABEL.insert(), labels)


_DELETE_LABELS = delete(ITEM_LABEL).where(ITEM_LABEL.c.item_id.in_(bindparam("item_ids", expanding=True)))


def _upsert_classification(connection: Connection) -> Any:
    statement = insert_for(connection, CLASSIFICATION)
    columns = ("labels", "scores", "evidence", "facts", "model", "classified_at")
    return statement.on_conflict_do_update(index_elements=["item_id"], set_={name: statement.excluded[name] for name in columns})


def list_items(
    connection: Connection,
    *,
    category: str | None = None,
    since: datetime | None = None,
    source_id: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Stored items, newest first, with their labels."""
    query = (
        select(
            ITEM.c.id,
            ITEM.c.url,
            ITEM.c.link,
            ITEM.c.source_id,
            ITEM.c.title,
            ITEM.c.published_at,
            ITEM.c.first_seen_at,
            ITEM.c.updated_at,
            CLASSIFICATION.c.labels,
            CLASSIFICATION.c.scores,
            CLASSIFICATION.c.facts,
        )
        .select_from(ITEM.outerjoin(CLASSIFICATION, CLASSIFICATION.c.item_id == ITEM.c.id))
        .order_by(ITEM.c.first_seen_at.desc(), ITEM.c.id.desc())
        .limit(limit)
    )
    if category:
        labelled = select(ITEM_LABEL.c.item_id).where(ITEM_LABEL.c.category == category)
        query = query.where(ITEM.c.id.in_(labelled))
    if since is not None:
        query = query.where(ITEM.c.first_seen_at >= since)
    if source_id:
        query = query.where(ITEM.c.source_id == source_id)
    return [
        {**row._mapping, "labels": row.labels or [], "scores": row.scores or {}, "facts": row.facts or {}}
        for row in connection.execute(query)
    ]


def events_between(connection: Connection, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Events recorded in [start, end), oldest first, with their item and its classification."""
    query = (
        select(
            EVENT.c.kind, EVENT.c.source_id, EVENT.c.created_at,
            ITEM.c.id.label("item_id"), ITEM.c.title_raw, ITEM.c.link, ITEM.c.published_at,
            CLASSIFICATION.c.labels, CLASSIFICATION.c.scores, CLASSIFICATION.c.evidence, CLASSIFICATION.c.facts,
        )
        .select_from(EVENT.join(ITEM, ITEM.c.id == EVENT.c.item_id).outerjoin(CLASSIFICATION, CLASSIFICATION.c.item_id == ITEM.c.id))
        .where(EVENT.c.created_at >= start, EVENT.c.created_at < end)
        .order_by(EVENT.c.created_at, EVENT.c.id)
    )  # fmt: skip
    return [dict(row._mapping) for row in connection.execute(query)]


def source_rows(connection: Connection) -> list[SourceRow]:
    return [SourceRow.model_validate(row._mapping) for row in connection.execute(select(SOURCE).order_by(SOURCE.c.id))]
