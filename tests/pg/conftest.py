"""The PostgreSQL server for the agency-mode tests: one per test run, started here and stopped at the end.

Without PostgreSQL binaries the tests are skipped, and the run says so loudly at its end. Under CI
(CI=true) a missing or unstartable server fails the run instead: CI must test agency mode.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hhdesk.db import roles
from hhdesk.domain.enums import Role
from hhdesk.services.agency import ServerAddress, create_agency
from hhdesk.services.settings import AgencyInfo
from tests.pg.server import SERVER_NAME, ServerDidNotStart, TestServer, find_binaries

_SKIPPED = pytest.StashKey[str]()
_database_numbers = itertools.count(1)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def binaries_or_skip(request: pytest.FixtureRequest) -> Path:
    """PostgreSQL's programs; without them the test is skipped and the run says so at its end (under CI it
    fails instead). Every fixture that starts its own cluster or server asks here."""
    binaries = find_binaries()
    if binaries is None:
        reason = ("no PostgreSQL binaries (looked in $HHDESK_PG_BIN and /usr/lib/postgresql/*/bin); "
                  "install Debian's postgresql-15 to run them")
        if _in_ci():
            pytest.fail(f"CI must run the PostgreSQL tests, but found {reason}", pytrace=False)
        request.config.stash[_SKIPPED] = reason
        pytest.skip(reason)
    return binaries


@pytest.fixture(scope="session")
def pg_server(request: pytest.FixtureRequest) -> Iterator[TestServer]:
    server = TestServer(binaries_or_skip(request))
    try:
        server.start()
    except ServerDidNotStart as exc:
        server.stop()
        if _in_ci():
            pytest.fail(f"CI must run the PostgreSQL tests, but the server did not start: {exc}", pytrace=False)
        request.config.stash[_SKIPPED] = f"the server did not start: {exc}"
        pytest.skip(str(exc))
    yield server
    server.stop()


@pytest.fixture
def empty_database(pg_server: TestServer) -> str:
    """The name of a new, empty database on the test server."""
    name = f"agency{next(_database_numbers)}"
    pg_server.create_database(name)
    return name


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    reason = config.stash.get(_SKIPPED, None)
    if reason:
        bar = "!" * 100
        terminalreporter.write_line(bar, red=True, bold=True)
        terminalreporter.write_line(f"PostgreSQL (agency mode) tests were SKIPPED: {reason}", red=True, bold=True)
        terminalreporter.write_line(bar, red=True, bold=True)


ADMIN_PASSWORD = "agency admin password 1"


@dataclass(frozen=True)
class AgencyDatabase:
    """An agency set up by `hhdesk init` in its own database; its administrator is `admin`."""

    server: TestServer
    database: str
    url: str
    admin: str
    admin_password: str = ADMIN_PASSWORD

    @property
    def address(self) -> ServerAddress:
        return ServerAddress.parse(self.url)


@pytest.fixture
def agency(pg_server: TestServer, empty_database: str) -> AgencyDatabase:
    """`hhdesk init --store URL --org ... --admin admN` in a new database, as the server's superuser."""
    url = pg_server.url(empty_database)
    admin = f"adm_{empty_database}"
    create_agency(ServerAddress.parse(url), pg_server.superuser, pg_server.superuser_password,
                  AgencyInfo(name="Hudson Valley Health Home"), admin, ADMIN_PASSWORD, "Ada Admin")
    return AgencyDatabase(pg_server, empty_database, url, admin)


STAFF_PASSWORD = "staff member password 1"


def add_staff(agency: AgencyDatabase, role: Role) -> str:
    """A login for one hhdesk role, made as an administrator's tools will: group member, SCRAM verifier."""
    name = f"{role.value}_{agency.database}"
    with agency.server.superuser_connect(agency.database) as conn:
        roles.create_login(conn, agency.database, name, STAFF_PASSWORD, role)
        conn.execute("INSERT INTO users (username, full_name, role, phone, email, disabled, created_at) "
                     "VALUES (%s, %s, %s, '', '', false, now())", (name, name, role.value))
    return name


def login_as(agency: AgencyDatabase, username: str, password: str = STAFF_PASSWORD):
    """A raw psycopg connection as this person, as another client (not hhdesk) would make it."""
    import psycopg

    server = agency.server
    return psycopg.connect(host=SERVER_NAME, hostaddr="127.0.0.1", port=server.port, dbname=agency.database,
                           user=username, password=password, sslmode="verify-full",
                           sslrootcert=str(server.ca_file), channel_binding="require")
