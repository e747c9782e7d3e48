"""Copying every row between the two engines exactly as it is: a store file into an agency's new PostgreSQL
database (moving up, restoring a backup to a server) and a server's rows into a new store file (its backup).

Every table in the model is copied in foreign-key order with its ids, in batches (a store may hold
hundreds of thousands of contacts); into a server with COPY, which takes the rows as one stream instead of
a statement each. The audit log is copied verbatim. Into a server, its BEFORE INSERT trigger, which links
and signs each new event there, is switched off for the copy only (the set-up role owns the table; in the
same transaction, so no other connection ever sees it off) and on again before the chain is verified and
anything commits; the id sequences then continue after the copied ids.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Integer, Row, Table, func, insert, select, text

from hhdesk.db.models import Base

BATCH_ROWS = 5_000
AUDIT_CHAIN_TRIGGER = "audit_events_chain"


def tables_in_order() -> list[Table]:
    """The model's tables, each after the tables its foreign keys point to."""
    return list(Base.metadata.sorted_tables)


def copy_tables(source: Connection, target: Connection, progress: Callable[[str, int], None] | None = None
                ) -> dict[str, int]:
    """Copy every row of every table; returns the rows copied per table (the target's transaction)."""
    copied: dict[str, int] = {}
    into_server = target.dialect.name == "postgresql"
    if into_server:
        target.execute(text(f"ALTER TABLE audit_events DISABLE TRIGGER {AUDIT_CHAIN_TRIGGER}"))
    for table in tables_in_order():
        order = list(table.primary_key.columns) or list(table.columns)
        result = source.execution_options(yield_per=BATCH_ROWS).execute(select(table).order_by(*order))
        count = 0
        for batch in result.partitions(BATCH_ROWS):
            if into_server:
                _copy_in(target, table, batch)
            else:
                target.execute(insert(table), [row._asdict() for row in batch])
            count += len(batch)
            if progress is not None:
                progress(table.name, count)
        copied[table.name] = count
    if into_server:
        target.execute(text(f"ALTER TABLE audit_events ENABLE TRIGGER {AUDIT_CHAIN_TRIGGER}"))
        _continue_sequences(target)
    return copied


def _copy_in(target: Connection, table: Table, rows: Sequence[Row[Any]]) -> None:
    """COPY rows (in the table's column order) into a server's table in the caller's transaction; each value
    goes through its column type's conversion for the server first, as an INSERT would send it."""
    from psycopg import sql

    dialect = target.dialect
    convert = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in table.columns]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(column.name) for column in table.columns))
    raw = target.connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row([value if process is None else process(value)
                            for process, value in zip(convert, row, strict=True)])


def _continue_sequences(target: Connection) -> None:
    for table in tables_in_order():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        column = keys[0].name
        target.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, :column), "
                 f"coalesce((SELECT max({column}) FROM {table.name}), 0) + 1, false) "
                 "WHERE pg_get_serial_sequence(:table, :column) IS NOT NULL"),
            {"table": table.name, "column": column})


def row_counts(connection: Connection) -> dict[str, int]:
    """Rows per table, to check that the copy holds every row."""
    return {table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in tables_in_order()}
