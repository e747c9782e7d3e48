"""The PostgreSQL server the agency-mode benchmarks measure: started here as the tests start theirs
(tests/pg/server.py: TLS 1.3, SCRAM, fsync off) and stopped when the benchmark ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.pg.server import TestServer


@contextmanager
def throwaway_server() -> Iterator[TestServer | None]:
    """A started server, or None (said on the screen) when this machine has no PostgreSQL binaries."""
    from tests.pg.server import TestServer, find_binaries

    binaries = find_binaries()
    if binaries is None:
        print("No PostgreSQL binaries (/usr/lib/postgresql/*/bin or $HHDESK_PG_BIN): nothing to measure.")
        yield None
        return
    server = TestServer(binaries)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def verify_chain(address, username: str, password: str) -> bool:
    """Print whether the audit chain is intact after the run; True if it is."""
    from hhdesk.services import audit
    from hhdesk.services.agency import login

    app = login(address, username, password)
    try:
        with app.read(None) as session:
            report = audit.verify_chain(session)
    finally:
        app.close()
    print(f"audit chain: {report.events:,} events, {'intact' if report.ok else 'BROKEN: ' + report.problem}")
    return report.ok
