"""`hhdesk init --store URL` sets up an agency in an empty database; its administrator then logs in as themself."""

from __future__ import annotations

import pytest

from hhdesk.errors import StoreExists, UserError, ValidationFailed
from hhdesk.services import agency as agency_service
from hhdesk.services import audit, users
from hhdesk.services.settings import AgencyInfo
from tests.cli.conftest import run, without_bom
from tests.pg.conftest import ADMIN_PASSWORD, AgencyDatabase
from tests.pg.server import TestServer


def test_init_then_the_administrator_works_from_the_command_line(
        pg_server: TestServer, empty_database: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    url = pg_server.url(empty_database).replace("postgresql://", f"postgresql://{pg_server.superuser}@")
    monkeypatch.setenv("PGPASSWORD", pg_server.superuser_password)
    monkeypatch.setenv("HHDESK_NEW_PASSWORD", ADMIN_PASSWORD)
    admin = f"director_{empty_database}"
    code, out, err = run(capsys, "init", "--store", url, "--org", "Hudson Valley HH", "--admin", admin,
                         "--admin-name", "Dana Director")
    assert (code, err) == (0, "")
    assert f"Administrator: {admin}" in out

    monkeypatch.delenv("PGPASSWORD")
    monkeypatch.setenv("HHDESK_PASSWORD", ADMIN_PASSWORD)
    plain_url = pg_server.url(empty_database)
    code, out, err = run(capsys, "users", "list", "--store", plain_url, "--user", admin, "--format", "csv")
    assert (code, err) == (0, "")
    assert without_bom(out).splitlines() == ["username,full_name,role,disabled", f"{admin},Dana Director,admin,no"]
    code, out, err = run(capsys, "members", "list", "--store", plain_url, "--user", admin)
    assert (code, err) == (0, "")
    code, out, err = run(capsys, "audit", "--store", plain_url, "--user", admin, "--format", "csv")
    assert code == 0, err
    lines = without_bom(out).splitlines()
    # newest first: this session's login, the two earlier logins, then what init did as the set-up role
    assert [line.split(",")[2:4] for line in lines[-2:]] == [[pg_server.superuser, "user_added"],
                                                            [pg_server.superuser, "store_created"]]
    assert all(line.split(",")[2] == admin for line in lines[1:-2])


def test_init_refuses_a_database_that_already_holds_an_agency(agency: AgencyDatabase) -> None:
    with pytest.raises(StoreExists, match="already holds an hhdesk agency"):
        agency_service.create_agency(agency.address, agency.server.superuser, agency.server.superuser_password,
                                     AgencyInfo(name="Again"), "someone_else", ADMIN_PASSWORD)


def test_init_refuses_a_database_with_other_tables_and_changes_nothing(pg_server: TestServer,
                                                                      empty_database: str) -> None:
    with pg_server.superuser_connect(empty_database, autocommit=True) as conn:
        conn.execute("CREATE TABLE payroll (id int)")
    address = agency_service.ServerAddress.parse(pg_server.url(empty_database))
    with pytest.raises(StoreExists, match="is not empty"):
        agency_service.create_agency(address, pg_server.superuser, pg_server.superuser_password,
                                     AgencyInfo(name="X"), f"adm_{empty_database}", ADMIN_PASSWORD)
    with pg_server.superuser_connect(empty_database) as conn:
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname LIKE %s",
                            (f"{empty_database}%",)).fetchone() == (0,)


def test_a_failed_init_leaves_no_roles_behind(pg_server: TestServer, empty_database: str) -> None:
    """The admin's name is taken on the server: nothing of the agency is left, tables nor groups."""
    taken = f"taken_{empty_database}"
    with pg_server.superuser_connect(autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{taken}"')
    address = agency_service.ServerAddress.parse(pg_server.url(empty_database))
    with pytest.raises(StoreExists, match="already has a role named"):
        agency_service.create_agency(address, pg_server.superuser, pg_server.superuser_password,
                                     AgencyInfo(name="X"), taken, ADMIN_PASSWORD)
    with pg_server.superuser_connect(empty_database) as conn:
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname LIKE %s",
                            (f"{empty_database}_%",)).fetchone() == (0,)
        assert conn.execute("SELECT to_regclass('public.members')").fetchone() == (None,)


def test_the_administrator_password_reaches_the_server_only_as_a_scram_verifier(agency: AgencyDatabase) -> None:
    with agency.server.superuser_connect() as conn:
        stored = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (agency.admin,)).fetchone()[0]
    assert stored.startswith("SCRAM-SHA-256$4096:")
    assert ADMIN_PASSWORD not in stored


def test_login_then_verify_the_audit_chain(agency: AgencyDatabase) -> None:
    app = agency_service.login(agency.address, agency.admin, agency.admin_password)
    try:
        assert app.actor.username == agency.admin
        assert [u.username for u in users.list_users(app)] == [agency.admin]
        with app.read(None) as session:
            report = audit.verify_chain(session)
        assert report.ok and report.events == 3
    finally:
        app.close()


def test_a_database_at_another_schema_is_refused_unchanged(agency: AgencyDatabase) -> None:
    from hhdesk.errors import StoreTooNew

    with agency.server.superuser_connect(agency.database) as conn:
        current = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        conn.execute("UPDATE alembic_version SET version_num = 'from_the_future'")
    with pytest.raises(StoreTooNew, match="set up by a newer version of hhdesk"):
        agency_service.login(agency.address, agency.admin, agency.admin_password)
    with agency.server.superuser_connect(agency.database) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("from_the_future",)
        conn.execute("UPDATE alembic_version SET version_num = %s", (current,))
    agency_service.login(agency.address, agency.admin, agency.admin_password).close()


def test_the_administrator_may_not_take_a_group_roles_name(pg_server: TestServer, empty_database: str) -> None:
    address = agency_service.ServerAddress.parse(pg_server.url(empty_database))
    with pytest.raises(ValidationFailed, match="is the name of one of the agency's group roles"):
        agency_service.create_agency(address, pg_server.superuser, pg_server.superuser_password,
                                     AgencyInfo(name="X"), f"{empty_database}_admin", ADMIN_PASSWORD)


def test_a_setup_role_that_may_not_create_roles_is_told_so(pg_server: TestServer, empty_database: str) -> None:
    with pg_server.superuser_connect(autocommit=True) as conn:
        conn.execute(f"CREATE ROLE owner_{empty_database} LOGIN PASSWORD 'owner password 1'")
        conn.execute(f'GRANT ALL ON DATABASE "{empty_database}" TO owner_{empty_database}')
    address = agency_service.ServerAddress.parse(pg_server.url(empty_database))
    with pytest.raises(UserError, match=f"The server role owner_{empty_database} may not create roles"):
        agency_service.create_agency(address, f"owner_{empty_database}", "owner password 1",
                                     AgencyInfo(name="X"), f"adm_{empty_database}", ADMIN_PASSWORD)
