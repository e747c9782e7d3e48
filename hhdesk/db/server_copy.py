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

from sqlalchemy import Connection, Integer, Table, func, insert, select, text

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
        for batch in result.mappings().partitions(BATCH_ROWS):
            target.execute(insert(table), [dict(row) for row in batch])
            count += len(batch)
            if progress is not None:
                progress(table.name, count)
        copied[table.name] = count
    if into_server:
        target.execute(text(f"ALTER TABLE audit_events ENABLE TRIGGER {AUDIT_CHAIN_TRIGGER}"))
        _continue_sequences(target)
    return copied


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
