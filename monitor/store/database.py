"""The database: the engine (SQLite tuned for several processes, or PostgreSQL), migrations,
transactions that turn SQL errors into StoreError, and statements built once per dialect."""

from __future__ import annotations

import ast
import asyncio
import contextvars
import functools
import importlib
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from importlib import resources
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from sqlalchemy import (
    ARRAY,
    JSON,
    Connection,
    Engine,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.sql import Insert
from sqlmodel import Session

from monitor.errors import StoreError
from monitor.models import AttachmentRow, ClassificationRow, EventRow, FetchStateRow, ItemLabelRow, ItemRow, ListingRow, SourceRow

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

SOURCE = SourceRow.__table__
FETCH_STATE = FetchStateRow.__table__
ITEM = ItemRow.__table__
LISTING = ListingRow.__table__
EVENT = EventRow.__table__
CLASSIFICATION = ClassificationRow.__table__
ITEM_LABEL = ItemLabelRow.__table__
ATTACHMENT = AttachmentRow.__table__
_MIGRATION_LOCK_ID = 0x7265_6777  # "regw": serializes concurrent `db upgrade` on PostgreSQL
_READ_ONLY = "regwatch_read_only"
# Many rows are inserted as multi-row VALUES statements (SQLAlchemy's "insertmanyvalues", and
# monitor.store.bulk), and SQLite keeps each one prepared in its connection's statement cache,
# about 2 KB per row of items: at 1000 rows and more, a 2 MB statement per distinct row count
# (a cold poll of 1000 sources kept 15 to 19 MB of them). 100 rows cost the same CPU per row.
_SQLITE_ROWS_PER_INSERT = 100
# SQLite writes one transaction at a time and a poll's reads take well under a millisecond, so
# the event loop's database calls share one thread (Store.in_thread): one pooled connection (one
# page cache, one statement cache) and one malloc arena, where each of the loop's default workers
# kept its own (a cold poll of 1000 sources peaked 12 MB higher). The price: while a write waits
# for another process's lock (a dashboard, a `poll --once`; up to the busy timeout), this
# process's reads wait behind it instead of reading beside it (WAL would let them).
_SQLITE_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")

P = ParamSpec("P")
T = TypeVar("T")


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

    async def in_thread(self, function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``function(*args, **kwargs)``, a blocking database call, off the event loop (as
        ``asyncio.to_thread``): on SQLite in its one thread, on PostgreSQL in the loop's default
        workers (each call waits a network round trip: several at once)."""
        executor = _SQLITE_THREAD if self.dialect == "sqlite" else None
        call = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(executor, call)

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def upgrade(self, revision: str = "head") -> None:
        """Apply pending Alembic migrations, up to ``revision`` (idempotent; safe when several
        processes start at once).

        A database at the head costs one query: Alembic (a third of a second of imports) loads
        only when there is something to apply."""
        if not self.pending_migrations():
            return
        from alembic import command

        with self.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
            config = _alembic_config(self.url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def pending_migrations(self) -> bool:
        with self.read() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return True
            applied = {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}
        return applied != shipped_heads()

    def dispose(self) -> None:
        self.engine.dispose()


def _store_error(exc: SQLAlchemyError) -> StoreError:
    # OperationalError and its kin say the database is away or stuck; others, that it refused the data.
    unavailable = isinstance(exc, (OperationalError, InterfaceError, DisconnectionError)) or bool(
        getattr(exc, "connection_invalidated", False)
    )
    return StoreError(f"database error: {exc.__class__.__name__}: {exc}", unavailable=unavailable)


@functools.cache
def shipped_heads() -> frozenset[str]:
    """The newest migrations this code ships, read from the scripts' ``revision`` and
    ``down_revision`` lines as Alembic writes them, without Alembic's own (slow) loading."""
    revisions: set[str] = set()
    replaced: set[str] = set()
    for script in resources.files("monitor.migrations").joinpath("versions").iterdir():
        if not script.name.endswith(".py") or script.name == "__init__.py":
            continue
        source = script.read_text(encoding="utf-8")
        revisions.add(ast.literal_eval(_assigned("revision", source)))
        down = ast.literal_eval(_assigned("down_revision", source))
        replaced.update((down,) if isinstance(down, str) else down or ())
    return frozenset(revisions - replaced)


def _assigned(name: str, source: str) -> str:
    found = re.search(rf"^{name}(?:: [^=]+)? = (.+)$", source, re.MULTILINE)
    if found is None:
        raise StoreError(f"a migration script without a {name} line")
    return found.group(1)


def _alembic_config(url: str) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", "monitor:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _create_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        # A server that is gone answers a connect at once or never: don't wait for the OS's minutes.
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    engine = create_engine(
        url, connect_args={"timeout": 30, "check_same_thread": False}, insertmanyvalues_page_size=_SQLITE_ROWS_PER_INSERT
    )

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
    dialect = importlib.import_module(f"sqlalchemy.dialects.{connection.dialect.name}")  # loaded by the engine already
    return dialect.insert(table)


def one_of(connection: Connection, column: Any, name: str) -> Any:
    """``column`` is one of the values of a list bound as the one parameter ``name``: an expanding
    IN is rendered again for every length of the list, which cost more than a lookup of twenty
    items itself. PostgreSQL binds an array; SQLite, the list as JSON, read by json_each."""
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(select(func.json_each(bindparam(name, type_=JSON)).table_valued("value").c.value))


_STATEMENTS: dict[tuple[str, str], Any] = {}


def prepared(connection: Connection, name: str, build: Callable[[Connection], Any]) -> Any:
    """A statement built once per dialect: hot paths skip construction and cache-key work."""
    key = (connection.dialect.name, name)
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = _STATEMENTS[key] = build(connection)
    return statement
