"""What a database error means: a problem with the computer, the disk or the server, or a bug in hhdesk.

The driver says which by a code, not by its text (whose wording changes between versions and languages):
SQLite's result code (``sqlite_errorcode`` on a sqlcipher3 exception; the low byte is the primary code) and
PostgreSQL's SQLSTATE (``sqlstate`` on a psycopg exception). A problem of the environment becomes one
sentence for the user, worded for a read or for a write; anything else is a bug, which `storage_error`
answers with None so the caller lets it go on to be logged (type and frames only) as any bug is.
"""

from __future__ import annotations

from enum import Enum, auto

from sqlalchemy.exc import DBAPIError

from hhdesk.errors import PermissionDenied, ServerUnreachable, StorageProblem, UserError

# SQLite's primary result codes (sqlite.org/rescode.html); an extended code keeps its primary in the low byte.
SQLITE_PERM = 3
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_NOMEM = 7
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_PROTOCOL = 15
SQLITE_NOTADB = 26


class Fault(Enum):
    """A problem outside hhdesk's code that stopped a read or a write."""

    DISK_FULL = auto()
    READ_ONLY = auto()
    BUSY = auto()
    DAMAGED = auto()
    DISK_FAILED = auto()
    OUT_OF_MEMORY = auto()
    SERVER_UNREACHABLE = auto()
    SERVER_REFUSED = auto()
    SERVER_CONFLICT = auto()
    SERVER_READ_ONLY = auto()
    SERVER_OUT_OF_ROOM = auto()
    SERVER_DAMAGED = auto()


_SQLITE_FAULTS = {
    SQLITE_FULL: Fault.DISK_FULL,
    SQLITE_READONLY: Fault.READ_ONLY,
    SQLITE_PERM: Fault.READ_ONLY,
    SQLITE_BUSY: Fault.BUSY,
    SQLITE_LOCKED: Fault.BUSY,
    SQLITE_PROTOCOL: Fault.BUSY,
    SQLITE_CORRUPT: Fault.DAMAGED,
    SQLITE_NOTADB: Fault.DAMAGED,
    SQLITE_IOERR: Fault.DISK_FAILED,
    SQLITE_CANTOPEN: Fault.DISK_FAILED,
    SQLITE_NOMEM: Fault.OUT_OF_MEMORY,
}

# SQLSTATEs (postgresql.org/docs/current/errcodes-appendix.html): whole classes first, then single codes.
_SQLSTATE_CLASS_FAULTS = {
    "08": Fault.SERVER_UNREACHABLE,  # connection exception
    "53": Fault.SERVER_OUT_OF_ROOM,  # insufficient resources: disk full, out of memory, too many connections
}
_SQLSTATE_FAULTS = {
    "42501": Fault.SERVER_REFUSED,  # insufficient_privilege
    "40001": Fault.SERVER_CONFLICT,  # serialization_failure
    "40P01": Fault.SERVER_CONFLICT,  # deadlock_detected
    "55P03": Fault.SERVER_CONFLICT,  # lock_not_available
    "25006": Fault.SERVER_READ_ONLY,  # read_only_sql_transaction (a standby, or the server in maintenance)
    "57P01": Fault.SERVER_UNREACHABLE,  # admin_shutdown
    "57P02": Fault.SERVER_UNREACHABLE,  # crash_shutdown
    "57P03": Fault.SERVER_UNREACHABLE,  # cannot_connect_now
    "XX001": Fault.SERVER_DAMAGED,  # data_corrupted
    "XX002": Fault.SERVER_DAMAGED,  # index_corrupted
}

# (fault) -> (sentence after a read, sentence after a write)
_SENTENCES: dict[Fault, tuple[str, str]] = {
    Fault.DISK_FULL: (
        "The disk is full, so the store could not be read: free some space and try again.",
        "The disk is full: free some space and try again. Nothing was saved.",
    ),
    Fault.READ_ONLY: (
        "hhdesk may not use the store's folder (it is read-only), so the store could not be read. Check the "
        "folder's permissions.",
        "The store's folder is read-only: nothing was saved. Check the folder's permissions.",
    ),
    Fault.BUSY: (
        "Another hhdesk window is saving; try again in a moment.",
        "Another hhdesk window is saving; try again in a moment. Nothing was saved.",
    ),
    Fault.DAMAGED: (
        "The store file is damaged and could not be read. Run 'hhdesk verify'; restore a backup if it finds "
        "damage.",
        "The store file is damaged; nothing was saved. Run 'hhdesk verify'; restore a backup if it finds damage.",
    ),
    Fault.DISK_FAILED: (
        "The disk holding the store reported an error, so the store could not be read. Check the drive (or "
        "the network drive's connection) and try again.",
        "The disk holding the store reported an error; nothing was saved. Check the drive (or the network "
        "drive's connection) and try again.",
    ),
    Fault.OUT_OF_MEMORY: (
        "The computer ran out of memory while reading the store: close other programs and try again.",
        "The computer ran out of memory; nothing was saved. Close other programs and try again.",
    ),
    Fault.SERVER_UNREACHABLE: (
        "The connection to the agency's server was lost, so nothing could be read. Check the network and try "
        "again.",
        "The connection to the agency's server was lost; nothing was saved. Check the network and try again.",
    ),
    Fault.SERVER_REFUSED: (
        "The agency's server refused this for your role: it may not read these records. Ask a supervisor or "
        "administrator.",
        "The agency's server refused this for your role; nothing was changed. Ask a supervisor or "
        "administrator.",
    ),
    Fault.SERVER_CONFLICT: (
        "Someone else was changing the same records at that moment; try again.",
        "Someone else was saving the same records at the same moment; nothing was saved. Try again.",
    ),
    Fault.SERVER_READ_ONLY: (
        "The agency's server answers reads only right now; try again, or ask your administrator.",
        "The agency's server accepts no changes right now (it is read-only); nothing was saved. Ask your "
        "administrator.",
    ),
    Fault.SERVER_OUT_OF_ROOM: (
        "The agency's server is short of disk space, memory or connections, so nothing could be read. Try "
        "again in a minute; if it keeps happening, tell your administrator.",
        "The agency's server is short of disk space, memory or connections; nothing was saved. Try again in a "
        "minute; if it keeps happening, tell your administrator.",
    ),
    Fault.SERVER_DAMAGED: (
        "The agency's server reported damaged data and could not read it. Tell your administrator.",
        "The agency's server reported damaged data; nothing was saved. Tell your administrator.",
    ),
}


def driver_error(exc: BaseException) -> BaseException:
    """The driver's own exception inside SQLAlchemy's wrapper (or the exception itself)."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return exc.orig
    return exc


def classify(exc: BaseException) -> Fault | None:
    """The environment's fault behind a database error, or None when it is a bug (or no database error)."""
    orig = driver_error(exc)
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return _SQLITE_FAULTS.get(code & 0xFF)
    if not type(orig).__module__.startswith("psycopg"):
        return None
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is None:
        # psycopg's OperationalError without a SQLSTATE: the connection broke before the server answered.
        import psycopg

        return Fault.SERVER_UNREACHABLE if isinstance(orig, psycopg.OperationalError) else None
    return _SQLSTATE_FAULTS.get(sqlstate) or _SQLSTATE_CLASS_FAULTS.get(sqlstate[:2])


def is_busy(exc: BaseException) -> bool:
    """Another connection holds the store's lock (SQLite's BUSY or LOCKED): waiting may help."""
    return classify(exc) is Fault.BUSY


def sentence(fault: Fault, *, writing: bool) -> UserError:
    """The user's error for a fault met while reading or writing."""
    text = _SENTENCES[fault][1 if writing else 0]
    if fault is Fault.SERVER_REFUSED:
        return PermissionDenied(text)
    if fault is Fault.SERVER_UNREACHABLE:
        return ServerUnreachable(text)
    return StorageProblem(text)


def storage_error(exc: BaseException, *, writing: bool) -> UserError | None:
    """The user's sentence for a database error caused by the environment; None for a bug."""
    fault = classify(exc)
    return None if fault is None else sentence(fault, writing=writing)
