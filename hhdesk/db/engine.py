"""SQLCipher connections and SQLAlchemy engines over them.

The raw key is applied first on every new connection, before any other PRAGMA, and checked with a read:
`PRAGMA key` succeeds even with a wrong key, only the first read fails. We create the DB-API connections
ourselves (``creator=``) so that no global listener can run a PRAGMA before the key.
"""

from __future__ import annotations

from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from hhdesk.errors import NotAStore, StorageProblem, WrongPassword

# SQLCipher decrypts every page it reads; a large cache keeps a 10,000-member store at plain SQLite speed.
CACHE_KIB = 100 * 1024
BUSY_TIMEOUT_MS = 10_000


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
    )
    begin_statement = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:  # noqa: ANN001 - SQLAlchemy's Connection
        conn.exec_driver_sql(begin_statement)

    return engine


def check_key(path: Path, raw_key: bytes) -> None:
    """Open and close once: raises NotAStore/WrongPassword if the key does not open the file."""
    conn = connect(path, raw_key)
    conn.close()


__all__ = ["connect", "make_engine", "check_key", "key_pragma", "WrongPassword"]
