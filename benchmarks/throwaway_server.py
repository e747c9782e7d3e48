"""The PostgreSQL server the agency-mode benchmarks measure: started here as the tests start theirs
(tests/pg/server.py: TLS 1.3, SCRAM, on this machine) and stopped when the benchmark ends.

``durable=True`` sets it up as a clinic's server runs instead of as the tests' (which trade durability and
quiet logs for speed): every commit flushed to disk, no statement log, PostgreSQL's default 128 MB of shared
buffers. The load figures then include what a real server pays for each audited commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.pg.server import TestServer

AS_A_CLINIC_RUNS_IT = {
    "fsync": "on", "synchronous_commit": "on", "full_page_writes": "on",
    "log_statement": "none", "shared_buffers": "128MB", "max_connections": "80",
}


@contextmanager
def throwaway_server(*, durable: bool = False) -> Iterator[TestServer | None]:
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
        if durable:
            with server.superuser_connect(autocommit=True) as conn:
                for name, value in AS_A_CLINIC_RUNS_IT.items():
                    conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
            restarted = server._run(server.binaries / "pg_ctl", "-D", server.data, "-l", server.log, "-w",
                                    "-t", "60", "restart")
            if restarted.returncode != 0:
                raise RuntimeError(f"the benchmark server did not restart: {restarted.stderr.strip()}")
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
