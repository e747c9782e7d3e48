"""Database errors by the driver's code: the environment's faults get the user's words, bugs stay bugs.

The SQLite errors here are real ones, from SQLCipher files in tmp_path; the PostgreSQL ones from a live
server are in tests/pg/test_server_faults.py.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
import sqlcipher3.dbapi2 as sqlcipher
from psycopg import errors as pg_errors
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from hhdesk.db.errors import Fault, classify, is_busy, sentence, storage_error
from hhdesk.errors import PermissionDenied, ServerUnreachable, StorageProblem, UserError
from hhdesk.services import users
from hhdesk.services.settings import AgencyInfo

PASSWORD = "correct horse battery 1"


def _raised(conn: sqlcipher.Connection, statement: str) -> sqlcipher.Error:
    with pytest.raises(sqlcipher.Error) as caught:
        conn.execute(statement)
    return caught.value


@pytest.fixture
def db_file(tmp_path: Path) -> sqlcipher.Connection:
    conn = sqlcipher.connect(str(tmp_path / "plain.db"), isolation_level=None)
    conn.execute("CREATE TABLE t (x TEXT)")
    yield conn
    conn.close()


def test_a_full_database_is_a_full_disk(db_file: sqlcipher.Connection) -> None:
    pages = db_file.execute("PRAGMA page_count").fetchone()[0]
    db_file.execute(f"PRAGMA max_page_count = {pages}")
    assert classify(_raised(db_file, "INSERT INTO t SELECT hex(randomblob(100000))")) is Fault.DISK_FULL


def test_a_read_only_database_is_read_only(db_file: sqlcipher.Connection) -> None:
    db_file.execute("PRAGMA query_only = 1")
    assert classify(_raised(db_file, "INSERT INTO t VALUES ('a')")) is Fault.READ_ONLY


def test_a_held_write_lock_is_busy(tmp_path: Path, db_file: sqlcipher.Connection) -> None:
    db_file.execute("BEGIN IMMEDIATE")
    other = sqlcipher.connect(str(tmp_path / "plain.db"), isolation_level=None, timeout=0)
    try:
        error = _raised(other, "BEGIN IMMEDIATE")
    finally:
        other.close()
    assert classify(error) is Fault.BUSY and is_busy(error)


def test_a_file_that_is_no_database_is_damaged(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all, just text " * 200)
    conn = sqlcipher.connect(str(garbage))
    try:
        assert classify(_raised(conn, "SELECT count(*) FROM sqlite_master")) is Fault.DAMAGED
    finally:
        conn.close()


@pytest.mark.parametrize("statement", ["SELECT nothing FROM t", "SELEC 1", "INSERT INTO nowhere VALUES (1)"])
def test_a_wrong_statement_is_a_bug(db_file: sqlcipher.Connection, statement: str) -> None:
    error = _raised(db_file, statement)
    assert classify(error) is None and storage_error(error, writing=False) is None and not is_busy(error)


def test_sqlalchemys_wrapper_is_looked_through(db_file: sqlcipher.Connection) -> None:
    db_file.execute("PRAGMA query_only = 1")
    wrapped = OperationalError("INSERT ...", {}, _raised(db_file, "INSERT INTO t VALUES ('a')"))
    assert classify(wrapped) is Fault.READ_ONLY


@pytest.mark.parametrize(("error", "fault"), [
    (pg_errors.InsufficientPrivilege(), Fault.SERVER_REFUSED),
    (pg_errors.SerializationFailure(), Fault.SERVER_CONFLICT),
    (pg_errors.LockNotAvailable(), Fault.SERVER_CONFLICT),
    (pg_errors.ReadOnlySqlTransaction(), Fault.SERVER_READ_ONLY),
    (pg_errors.DiskFull(), Fault.SERVER_OUT_OF_ROOM),
    (pg_errors.TooManyConnections(), Fault.SERVER_OUT_OF_ROOM),
    (pg_errors.AdminShutdown(), Fault.SERVER_UNREACHABLE),
    (pg_errors.ConnectionFailure(), Fault.SERVER_UNREACHABLE),
    (psycopg.OperationalError("consuming input failed: server closed the connection unexpectedly"),
     Fault.SERVER_UNREACHABLE),
    (pg_errors.UndefinedColumn(), None),
    (pg_errors.SyntaxError(), None),
    (pg_errors.UniqueViolation(), None),
    (psycopg.ProgrammingError("the query has 2 placeholders but 1 parameters were passed"), None),
])
def test_sqlstates_are_classified(error: Exception, fault: Fault | None) -> None:
    assert classify(error) is fault


@pytest.mark.parametrize("fault", list(Fault))
def test_each_fault_has_words_for_reading_and_for_writing(fault: Fault) -> None:
    read, write = sentence(fault, writing=False), sentence(fault, writing=True)
    assert isinstance(read, UserError) and type(read) is type(write)
    assert str(read) != str(write)
    assert "nothing was saved" in str(write).lower() or "nothing was changed" in str(write).lower()
    assert "saved" not in str(read) and "written" not in str(read)


def test_the_server_faults_have_their_own_kinds() -> None:
    assert isinstance(sentence(Fault.SERVER_REFUSED, writing=True), PermissionDenied)
    assert isinstance(sentence(Fault.SERVER_UNREACHABLE, writing=False), ServerUnreachable)
    assert isinstance(sentence(Fault.DISK_FULL, writing=True), StorageProblem)


# ---- through the service layer's unit of work, on a real store -------------------------------------------------


@pytest.fixture
def app(tmp_path: Path):
    path = tmp_path / "agency.hhdesk"
    users.create_store(path, AgencyInfo(name="Error Test Health Home"), "admin", PASSWORD, "Ada Admin")
    session = users.login(path, "admin", PASSWORD)
    yield session
    session.close()


def test_a_programming_error_in_a_read_is_not_blamed_on_the_disk(app) -> None:
    member_value = "".join(["AB", "12345C"])
    with pytest.raises(DBAPIError) as caught, app.read(None) as session:
        session.execute(text("SELECT no_such_column FROM members WHERE medicaid_id = :id"), {"id": member_value})
    assert not isinstance(caught.value, UserError)
    assert "could not be written" not in str(caught.value) and "verify" not in str(caught.value)
    assert member_value not in str(caught.value)  # the engine hides statement parameters


def test_a_programming_error_in_a_write_is_a_bug_too(app) -> None:
    with pytest.raises(DBAPIError) as caught, app.work(None) as uow:
        uow.session.execute(text("UPDATE no_such_table SET x = 1"))
    assert not isinstance(caught.value, UserError)


def test_a_read_only_store_says_so_in_the_words_of_a_write(app) -> None:
    with pytest.raises(StorageProblem, match="^The store's folder is read-only: nothing was saved"), \
            app.work(None) as uow:
        uow.session.execute(text("PRAGMA query_only = 1"))
        uow.session.execute(text("UPDATE settings SET value_json = value_json"))


def test_a_full_store_says_so_in_the_words_of_a_read(app) -> None:
    with pytest.raises(StorageProblem, match="^The disk is full, so the store could not be read"), \
            app.read(None) as session:
        pages = session.execute(text("PRAGMA page_count")).scalar()
        session.execute(text(f"PRAGMA max_page_count = {pages}"))
        session.execute(text("INSERT INTO main.settings (key, value_json) VALUES ('filler', "
                             "hex(randomblob(200000)))"))
