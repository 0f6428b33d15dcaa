"""Many rows in one INSERT, each column's values converted by one plain function.

SQLAlchemy's typed execution calls a processor for every bound value (the aware-datetime type
alone was a third of recording a cold poll on SQLite), and on PostgreSQL psycopg parses, in
Python, each execution's statement of one placeholder per value: 21,000 for a thousand new items.
Here each column gets one converter, chosen once, and the rows travel as:

- SQLite: multi-row ``VALUES`` (the sqlite3 module binds the values in C);
- PostgreSQL: one array per column, ``INSERT … SELECT * FROM unnest(%b::type[], …)``: as many
  placeholders as columns, whatever the number of rows, the arrays dumped in binary.

What is stored is what SQLAlchemy's typed execution stores (tests/test_bulk.py compares the two):
times as SQLite's text of the UTC time or as ``timestamptz``, JSON as ``json.dumps`` text on SQLite,
other values (JSON on PostgreSQL too) through the column type's own processor, if it has one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from functools import partial
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Dialect, Row, Table
from sqlmodel.sql.sqltypes import UTCDateTime

from monitor.errors import StoreError
from monitor.models import JsonDocument

Converter = Callable[[Any], Any]


class BulkInsert:
    """``INSERT … ON CONFLICT (conflict) DO NOTHING`` (or ``DO UPDATE SET`` the ``update`` columns to
    the new row's), ``RETURNING`` the ``returning`` columns of the rows inserted (or updated)."""

    def __init__(
        self, table: Table, *, conflict: Sequence[str], update: Sequence[str] = (), returning: Sequence[str] = ()
    ) -> None:
        self.table = table
        self.conflict = tuple(conflict)
        self.update = tuple(update)
        self.returning = tuple(returning)
        self._conflict_key = itemgetter(*self.conflict)  # a value, or a tuple of them
        self._built: dict[tuple[str, tuple[str, ...]], _Built] = {}

    def execute(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> list[Row[Any]]:
        """Insert ``rows`` (mappings of the same columns, as for SQLAlchemy's executemany; a column
        none gives takes its default)."""
        if not rows:
            return []
        if self.update:
            rows = self._merged(rows)
        built = self._build(connection.dialect, tuple(rows[0]))
        return built.execute(connection, rows)

    def _merged(self, rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """One row per conflict key, as upserting the rows one after the other would leave it: an
        upsert may not touch a row twice in one PostgreSQL statement."""
        merged: dict[Any, Mapping[str, Any]] = {}
        for row in rows:
            key = self._conflict_key(row)
            earlier = merged.get(key)
            merged[key] = row if earlier is None else {**earlier, **{name: row[name] for name in self.update}}
        return list(merged.values())

    def _build(self, dialect: Dialect, given: tuple[str, ...]) -> _Built:
        built = self._built.get((dialect.name, given))
        if built is None:
            built = self._built[(dialect.name, given)] = _Built(self, dialect, given)
        return built


class _Built:
    """A BulkInsert for one dialect and one set of given columns."""

    def __init__(self, insert: BulkInsert, dialect: Dialect, given: tuple[str, ...]) -> None:
        table = insert.table
        defaults = {
            column.name: column.default.arg  # type: ignore[attr-defined]
            for column in table.columns
            if column.name not in given and column.default is not None and column.default.is_scalar
        }
        self.given = given
        self.defaults = tuple(defaults.values())
        columns = [table.columns[name] for name in (*given, *defaults)]
        self.converters = tuple(_column_converter(column, dialect) for column in columns)
        quote = dialect.identifier_preparer.quote
        self.head = (
            f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({', '.join(quote(c.name) for c in columns)}) "
        )
        conflict = f"ON CONFLICT ({', '.join(map(quote, insert.conflict))}) "
        if insert.update:
            conflict += "DO UPDATE SET " + ", ".join(f"{quote(name)} = excluded.{quote(name)}" for name in insert.update)
        else:
            conflict += "DO NOTHING"
        self.tail = " " + conflict + (f" RETURNING {', '.join(map(quote, insert.returning))}" if insert.returning else "")
        self.returns = bool(insert.returning)
        self.rows = _ROW_SOURCES[dialect.name](columns, dialect)

    def execute(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> list[Row[Any]]:
        # Column by column: each converter is looked up once, and a column's values are what
        # PostgreSQL's arrays take.
        columns = [[row[name] for row in rows] for name in self.given]
        columns += [[default] * len(rows) for default in self.defaults]
        converted = [
            values if convert is None else convert(values) for convert, values in zip(self.converters, columns, strict=True)
        ]
        returned: list[Row[Any]] = []
        for source, parameters in self.rows.statements(converted, len(rows)):
            result = connection.exec_driver_sql(self.head + source + self.tail, parameters)
            if self.returns:
                returned += result.all()
        return returned


def _column_converter(column: Any, dialect: Dialect) -> Callable[[list[Any]], list[Any]] | None:
    """The function that converts a column's values (None: they are bound as they are)."""
    convert = _converter(column, dialect)
    if convert is None:
        return None
    if isinstance(column.type, UTCDateTime):
        return partial(_by_value, convert)
    return partial(_by_run, convert)


def _by_value(convert: Converter, values: list[Any]) -> list[Any]:
    """Times converted once each: a batch's times repeat, and not only as one object (its
    ``now``) but as equal ones (a list page's releases share a few dates). Equal aware times are
    one instant, whose text or value is the same."""
    done: dict[Any, Any] = {}
    return [done[value] if value in done else done.setdefault(value, convert(value)) for value in values]


def _by_run(convert: Converter, values: list[Any]) -> list[Any]:
    """``values`` through ``convert``; a value that is the one before (a run of one object, of
    None) is converted once."""
    converted = []
    previous = result = _NOTHING
    for value in values:
        if value is not previous:
            previous, result = value, convert(value)
        converted.append(result)
    return converted


_NOTHING = object()


class _ValuesRows:
    """SQLite: ``VALUES (?, …), …``, as many rows a statement as the engine's
    ``insertmanyvalues_page_size`` (monitor.store.database) and its limit of parameters allow."""

    def __init__(self, columns: Sequence[Any], dialect: Dialect) -> None:
        self.row = "(" + ", ".join("?" for _ in columns) + ")"
        allowed = dialect.insertmanyvalues_max_parameters // len(columns)
        self.per_statement = max(1, min(dialect.insertmanyvalues_page_size, allowed))

    def statements(self, columns: list[list[Any]], count: int) -> list[tuple[str, tuple[Any, ...]]]:
        statements = []
        for start in range(0, count, self.per_statement):
            chunk = [values[start : start + self.per_statement] for values in columns]
            rows = len(chunk[0])
            statements.append(("VALUES " + ", ".join([self.row] * rows), tuple(chain.from_iterable(zip(*chunk, strict=True)))))
        return statements


class _UnnestRows:
    """PostgreSQL: ``SELECT * FROM unnest(%b::type[], …)``, one array per column, in one statement."""

    def __init__(self, columns: Sequence[Any], dialect: Dialect) -> None:
        casts = ", ".join(f"%b::{column.type.compile(dialect=dialect)}[]" for column in columns)
        self.source = f"SELECT * FROM unnest({casts})"

    def statements(self, columns: list[list[Any]], count: int) -> list[tuple[str, tuple[Any, ...]]]:
        return [(self.source, tuple(columns))]


_ROW_SOURCES: dict[str, Callable[[Sequence[Any], Dialect], _ValuesRows | _UnnestRows]] = {
    "sqlite": _ValuesRows,
    "postgresql": _UnnestRows,
}


def _converter(column: Any, dialect: Dialect) -> Converter | None:
    """The plain function that turns a column's value into what the driver binds (None: as it is)."""
    if isinstance(column.type, UTCDateTime):
        return _utc_text if dialect.name == "sqlite" else _aware
    if isinstance(column.type, JsonDocument) and dialect.name == "sqlite":
        # The text its processor binds there (json.dumps, None as JSON null), without SQLAlchemy's
        # two wrappers a value.
        return _json_text
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def _json_text(value: Any) -> str:
    """``json.dumps(value)``; an empty list or dict (a version without files) costs no encoder."""
    if not value and type(value) in _EMPTY_JSON:
        return _EMPTY_JSON[type(value)]
    return json.dumps(value)


_EMPTY_JSON = {list: "[]", dict: "{}"}


def _aware(value: datetime | None) -> datetime | None:
    """A time with its zone; PostgreSQL stores the instant."""
    if value is not None and value.utcoffset() is None:
        raise StoreError(f"a time without its zone cannot be stored: {value!r}")
    return value


def _utc_text(value: datetime | None) -> str | None:
    """The text SQLAlchemy stores on SQLite for an aware time: the UTC time, microseconds always."""
    return None if _aware(value) is None else value.astimezone(timezone.utc).isoformat(" ", "microseconds")[:26]
