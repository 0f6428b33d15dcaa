"""Scratch PostgreSQL schemas: each test (or benchmark run) gets an empty schema of its own,
dropped afterwards, so runs never see each other's rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url


def connect(url: str) -> psycopg.Connection:
    """A psycopg connection to the server of a SQLAlchemy URL; raises psycopg.OperationalError."""
    parsed = make_url(url)
    return psycopg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname=parsed.database,
        autocommit=True,
        connect_timeout=5,
    )


class SchemaUrl(str):
    """A database URL whose search_path is one schema, and that schema's name (for SQL that names it)."""

    schema: str

    def __new__(cls, url: str, schema: str) -> SchemaUrl:
        scoped = super().__new__(cls, f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}")
        scoped.schema = schema
        return scoped


@contextmanager
def scratch_schema(url: str, prefix: str = "rw_test") -> Iterator[SchemaUrl]:
    """``url`` with its search_path set to a new, empty schema; the schema is dropped on exit."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with connect(url) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    try:
        yield SchemaUrl(url, schema)
    finally:
        with connect(url) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
