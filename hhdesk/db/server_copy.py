"""Copying every row between the two engines exactly as it is: a store file into an agency's new PostgreSQL
database (moving up, restoring a backup to a server) and a server's rows into a new store file (its backup).

Every table in the model is copied in foreign-key order with its ids, in batches (a store may hold
hundreds of thousands of contacts). The audit log is copied verbatim. Into a server, its BEFORE INSERT
trigger, which links and signs each new event there, is switched off for the copy only (the set-up role
owns the table; in the same transaction, so no other connection ever sees it off) and on again before the
chain is verified and anything commits; the id sequences then continue after the copied ids.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Integer, Table, column, func, insert, inspect, select, text
from sqlalchemy import table as table_clause

from hhdesk.db.models import Base

BATCH_ROWS = 5_000
AUDIT_CHAIN_TRIGGER = "audit_events_chain"


def tables_in_order() -> list[Table]:
    """The model's tables, each after the tables its foreign keys point to."""
    return list(Base.metadata.sorted_tables)


def copy_tables(source: Connection, target: Connection, progress: Callable[[str, int], None] | None = None,
                *, columns: dict[str, list[str]] | None = None) -> dict[str, int]:
    """Copy every row of every table; returns the rows copied per table (the target's transaction).

    ``columns`` (from `columns_of`) limits the copy to the tables and columns of an older schema that both
    sides are at; by default both are at this program's.
    """
    copied: dict[str, int] = {}
    into_server = target.dialect.name == "postgresql"
    if into_server:
        target.execute(text(f"ALTER TABLE audit_events DISABLE TRIGGER {AUDIT_CHAIN_TRIGGER}"))
    for table in tables_in_order():
        if columns is not None and table.name not in columns:
            continue
        chosen = list(table.columns) if columns is None else [table.c[name] for name in columns[table.name]]
        order = list(table.primary_key.columns) or chosen
        # Only the chosen columns, without the model's defaults for the others (which an older schema lacks).
        into = table if columns is None else table_clause(table.name, *(column(c.name, c.type) for c in chosen))
        result = source.execution_options(yield_per=BATCH_ROWS).execute(select(*chosen).order_by(*order))
        count = 0
        for batch in result.mappings().partitions(BATCH_ROWS):
            target.execute(insert(into), [dict(row) for row in batch])
            count += len(batch)
            if progress is not None:
                progress(table.name, count)
        copied[table.name] = count
    if into_server:
        target.execute(text(f"ALTER TABLE audit_events ENABLE TRIGGER {AUDIT_CHAIN_TRIGGER}"))
        _continue_sequences(target)
    return copied


def columns_of(connection: Connection) -> dict[str, list[str]]:
    """The model's tables and columns that this database holds (an older schema holds fewer of them).

    Refuses a database with a column the model no longer has: a copy by the model would silently drop it.
    """
    found = inspect(connection)
    present = set(found.get_table_names())
    held: dict[str, list[str]] = {}
    for table in tables_in_order():
        if table.name not in present:
            continue
        names = [column["name"] for column in found.get_columns(table.name)]
        unknown = [name for name in names if name not in table.c]
        if unknown:
            raise ValueError(f"{table.name} has columns this program does not know: {', '.join(unknown)}")
        held[table.name] = names
    return held


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
