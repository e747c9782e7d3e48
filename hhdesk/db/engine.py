"""SQLCipher connections and SQLAlchemy engines over them.

The raw key is applied first on every new connection, before any other PRAGMA, and checked with a read:
`PRAGMA key` succeeds even with a wrong key, only the first read fails. We create the DB-API connections
ourselves (``creator=``) so that no global listener can run a PRAGMA before the key.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from hhdesk.db.errors import is_busy
from hhdesk.errors import NotAStore, StorageProblem, WrongPassword

# SQLCipher decrypts every page it reads; a large cache keeps a 10,000-member store at plain SQLite speed.
CACHE_KIB = 100 * 1024
BUSY_TIMEOUT_MS = 10_000
# How often a writer waiting for another one's transaction (an import, a restore) wakes up to say so.
WRITE_WAIT_POLL_MS = 1_000


@dataclass
class WriteWaitPolicy:
    """How long a writer waits for the write lock, and whom it tells while it waits.

    The window keeps the default (a short wait: its thread must not freeze for long). A command line sets a
    longer limit and a reporter that prints progress, so that a command started during a long import
    waits for it with a message instead of failing.
    """

    limit_seconds: float = BUSY_TIMEOUT_MS / 1000
    report: Callable[[float], None] | None = None  # called with the seconds waited so far, about once a second


write_wait = WriteWaitPolicy()


def begin_immediate(conn: sqlcipher.Connection) -> None:
    """BEGIN IMMEDIATE, waiting for another writer as `write_wait` says; StorageProblem past its limit."""
    started = time.monotonic()
    conn.execute(f"PRAGMA busy_timeout = {WRITE_WAIT_POLL_MS}")
    try:
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlcipher.OperationalError as exc:
                if not is_busy(exc):
                    raise
            waited = time.monotonic() - started
            if waited >= write_wait.limit_seconds:
                raise StorageProblem(
                    f"Another hhdesk command or window has been saving for over {int(waited)} seconds (a large "
                    "import or a restore?): nothing was changed. Try again when it has finished."
                )
            if write_wait.report is not None:
                write_wait.report(waited)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def key_pragma(raw_key: bytes) -> str:
    return f"PRAGMA key = \"x'{raw_key.hex()}'\""


def connect(path: Path, raw_key: bytes, *, check_same_thread: bool = False) -> sqlcipher.Connection:
    """A keyed, checked and tuned DB-API connection. Raises WrongPassword or NotAStore."""
    try:
        conn = sqlcipher.connect(str(path), check_same_thread=check_same_thread, isolation_level=None)
    except sqlcipher.OperationalError as exc:
        raise StorageProblem(f"The store at {path} cannot be opened: {exc}.") from None
    try:
        # The one statement allowed before the key: SQLCipher's own logging is process-wide and reads no
        # page, and without it a wrong key prints three lines of ERROR CORE on the user's terminal.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(key_pragma(raw_key))
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher.DatabaseError:
        conn.close()
        raise NotAStore(
            f"{path.name} is not an hhdesk store, or its key file belongs to another store."
        ) from None
    _tune(conn)
    return conn


def _tune(conn: sqlcipher.Connection) -> None:
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")


def connect_plain_for_benchmark(path: Path) -> sqlcipher.Connection:
    """BENCHMARK ONLY (`hhdesk bench`): an UNENCRYPTED copy of a store, tuned exactly like `connect`.

    The bench times the same queries on a plain SQLite copy to show what encryption costs. Nothing in the
    window or the other commands opens a plain file: a store is always keyed.
    """
    conn = sqlcipher.connect(str(path), check_same_thread=False, isolation_level=None)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    _tune(conn)
    return conn


def make_engine(path: Path, raw_key: bytes, *, immediate: bool, plain_for_benchmark: bool = False) -> Engine:
    """An engine whose transactions begin with BEGIN IMMEDIATE (writers) or plain BEGIN (readers).

    Writers take the write lock up front, so two windows saving at once wait for each other instead of
    failing half-way with SQLITE_BUSY; readers never block anyone under WAL. ``plain_for_benchmark``: see
    `connect_plain_for_benchmark`.
    """
    def creator() -> sqlcipher.Connection:
        return connect_plain_for_benchmark(path) if plain_for_benchmark else connect(path, raw_key)

    engine = create_engine(
        "sqlite+pysqlite://",
        module=sqlcipher,
        creator=creator,
        poolclass=QueuePool,
        pool_size=2,
        max_overflow=4,
        # A failed statement's message then names the SQL but not its values (member data).
        hide_parameters=True,
    )

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:  # SQLAlchemy's Connection
        if immediate:
            begin_immediate(conn.connection.dbapi_connection)
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def check_key(path: Path, raw_key: bytes) -> None:
    """Open and close once: raises NotAStore/WrongPassword if the key does not open the file."""
    conn = connect(path, raw_key)
    conn.close()


__all__ = ["connect", "make_engine", "check_key", "key_pragma", "WrongPassword"]
