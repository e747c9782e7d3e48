"""Inserting many rows in one go (the imports), while they hold the write lock as briefly as possible.

SQLAlchemy's executemany converts every value of every row through the column's type (a date becomes
text for SQLite) and builds a parameter dictionary per row: for 600,000 contacts that is half the time
the write lock is held. Here each column's conversion is the dialect's own (so what is stored is exactly
what SQLAlchemy would store) but remembered per distinct value, and rows go to the driver as tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


def insert_many(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT every row (all with the same keys) in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    if not dialect.positional:  # a driver with named parameters: the general path is correct there
        connection.execute(insert(table), list(rows))
        return
    convert = [_converter(table.c[name].type, dialect) for name in names]
    statement = str(insert(table).compile(dialect=dialect, column_keys=names))
    parameters = [tuple(c(row[name]) for c, name in zip(convert, names, strict=True)) for row in rows]
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.executemany(statement, parameters)
    except dialect.loaded_dbapi.Error as exc:
        # The same exception classes a statement through SQLAlchemy raises, so callers handle one kind.
        raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error) from exc
    finally:
        cursor.close()


def _converter(column_type: Any, dialect: Any) -> Callable[[Any], Any]:
    process = column_type.bind_processor(dialect)
    if getattr(column_type, "converts_each_value_afresh", False):
        return process or _same  # an encrypted column: equal values must not share one ciphertext
    return _remembered(process)


def _remembered(process: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    if process is None:
        return _same
    done: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return done[value]
        except KeyError:
            result = done[value] = process(value)
            return result

    return convert


def _same(value: Any) -> Any:
    return value
