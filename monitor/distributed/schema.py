"""The queue's tables (procrastinate's schema) in regwatch's database, created when absent.

Applied by ``regwatch db upgrade --queue`` (and by ``db upgrade`` when ``[service] mode`` is
distributed), and by the scheduler and each worker at start, as regwatch's own migrations are:
under an advisory lock, so machines starting together create it once. procrastinate's schema is
not written to be applied twice, hence the check for its jobs table first.
"""

from __future__ import annotations

from procrastinate.schema import SchemaManager
from sqlalchemy import text

from monitor.distributed.queue import conninfo
from monitor.store import Store

_QUEUE_SCHEMA_LOCK_ID = 0x7265_6771  # "regq": one `db upgrade --queue` at a time


def apply_queue_schema(store: Store) -> bool:
    """Create the queue's tables unless they exist; True when they were created now. ConfigError,
    saying why, when the database is not PostgreSQL."""
    conninfo(store.url)
    return create_queue_schema(store)


def create_queue_schema(store: Store) -> bool:
    """``apply_queue_schema`` in a database known to be PostgreSQL (the scheduler and the workers
    check it once, at start)."""
    with store.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _QUEUE_SCHEMA_LOCK_ID})
        if connection.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None:
            return False
        # The driver's own connection, inside this transaction: the schema is many statements,
        # sent as one text without parameters (so its % signs stay as they are).
        driver_connection = connection.connection.driver_connection
        assert driver_connection is not None
        driver_connection.execute(SchemaManager.get_schema())  # type: ignore[attr-defined]
    return True
