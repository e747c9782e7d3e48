"""`hhdesk server upgrade`: an agency's database at an older schema brought to this program's, on the real server.

The older agency is made as an older hhdesk left it: set up at this version, then its schema taken back down
the one Alembic history by the set-up role (the downgrade drops the newer tables and columns, keeping the rest).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select, text

from hhdesk.clock import AgencyClock
from hhdesk.db import postgres
from hhdesk.db.models import AuditEvent, Member
from hhdesk.db.store import Store, _alembic_config, schema_head
from hhdesk.errors import PermissionDenied, StoreTooNew
from hhdesk.services import audit, roster_import, server_upgrade
from hhdesk.services.agency import ServerAddress, create_agency, login
from hhdesk.services.settings import AgencyInfo
from tests.cli.conftest import run
from tests.pg.conftest import ADMIN_PASSWORD, AgencyDatabase
from tests.pg.server import TestServer
from tests.services.roster_factory import roster_text

OLDER = "0001"
MEMBERS = 25


def _engine(agency: AgencyDatabase):
    server = agency.server
    return postgres.make_engine(agency.address, server.superuser, server.superuser_password)


def _set_revision(agency: AgencyDatabase, revision: str) -> None:
    engine = _engine(agency)
    try:
        with engine.begin() as connection:
            config = _alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        engine.dispose()


@pytest.fixture
def older_agency(agency: AgencyDatabase) -> AgencyDatabase:
    """An agency with members and an audit log, its schema at the first revision."""
    app = login(agency.address, agency.admin, agency.admin_password)
    try:
        report = roster_import.import_roster(app, roster_text(MEMBERS))
    finally:
        app.close()
    assert report.ok and report.members_created == MEMBERS
    _set_revision(agency, OLDER)
    return agency


def _upgrade(agency: AgencyDatabase, folder: Path, setup_user: str | None = None) -> server_upgrade.UpgradeReport:
    server = agency.server
    return server_upgrade.upgrade_server(agency.address, setup_user or server.superuser, server.superuser_password,
                                         agency.admin, agency.admin_password, folder, AgencyClock())


def _privileges(server: TestServer, database: str) -> set[tuple[str, ...]]:
    """Every privilege on the database, its tables, sequences, columns and functions, the triggers too, with the
    database's name taken out of the group roles' names so that two agencies compare."""
    queries = [
        "SELECT 'database', '', '', a.grantee::regrole::text, a.privilege_type FROM pg_database d, "
        "aclexplode(d.datacl) a WHERE d.datname = current_database()",
        "SELECT 'relation', c.relname, c.relkind::text, a.grantee::regrole::text, a.privilege_type FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a WHERE n.nspname = 'public'",
        "SELECT 'column', c.relname, t.attname, a.grantee::regrole::text, a.privilege_type FROM pg_attribute t "
        "JOIN pg_class c ON c.oid = t.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace, "
        "aclexplode(t.attacl) a WHERE n.nspname = 'public'",
        "SELECT 'function', p.proname, p.prosecdef::text, a.grantee::regrole::text, a.privilege_type FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace, aclexplode(p.proacl) a WHERE n.nspname = 'public'",
        "SELECT 'trigger', c.relname, g.tgname, g.tgenabled::text, '' FROM pg_trigger g "
        "JOIN pg_class c ON c.oid = g.tgrelid WHERE NOT g.tgisinternal",
        "SELECT 'schema', n.nspname, '', a.grantee::regrole::text, a.privilege_type FROM pg_namespace n, "
        "aclexplode(n.nspacl) a WHERE n.nspname = 'public'",
    ]
    found: set[tuple[str, ...]] = set()
    with server.superuser_connect(database) as conn:
        for query in queries:
            for row in conn.execute(query):
                found.add(tuple(str(value).replace(database + "_", "AGENCY_") for value in row))
    return found


def test_an_older_agency_is_backed_up_upgraded_and_opens_with_its_data(
        older_agency: AgencyDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    agency = older_agency
    with pytest.raises(StoreTooNew, match="hhdesk server upgrade --store URL"):
        login(agency.address, agency.admin, agency.admin_password)

    report = _upgrade(agency, tmp_path / "backups")

    assert (report.from_revision, report.to_revision) == (OLDER, schema_head())
    assert report.backup is not None and report.backup.parent == tmp_path / "backups"
    assert report.backup.name.startswith(f"{agency.database}-before-upgrade-{OLDER}-")
    app = login(agency.address, agency.admin, agency.admin_password)  # a workstation opens it now
    try:
        with app.read(None) as session:
            assert session.execute(select(func.count(Member.id))).scalar_one() == MEMBERS
            assert audit.verify_chain(session).ok
            upgraded = session.execute(select(AuditEvent.username, AuditEvent.detail)
                                       .where(AuditEvent.action == "schema_upgraded")).one()
    finally:
        app.close()
    assert upgraded.username == agency.server.superuser
    assert upgraded.detail.startswith(f"from {OLDER} to {schema_head()} by administrator {agency.admin}")

    # The backup holds the agency as it was, and opens with the administrator's password like any backup.
    restored = tmp_path / "restored" / "agency.hhdesk"
    monkeypatch.setenv("HHDESK_PASSWORD", agency.admin_password)
    code, _out, err = run(capsys, "restore", str(report.backup), "--to", str(restored), "--user", agency.admin)
    assert code == 0, err
    store = Store.open(restored, agency.admin, ADMIN_PASSWORD)
    try:
        with store.read_session() as session:
            assert session.execute(select(func.count(Member.id))).scalar_one() == MEMBERS
            assert audit.verify_chain(session).ok
    finally:
        store.close()

    assert _upgrade(agency, tmp_path / "again").upgraded is False  # already this version's: nothing done
    assert not (tmp_path / "again").exists()


def test_an_upgraded_agency_has_the_privileges_of_a_fresh_one(older_agency: AgencyDatabase,
                                                              tmp_path: Path) -> None:
    server = older_agency.server
    fresh = f"{older_agency.database}_fresh"
    server.create_database(fresh)
    create_agency(ServerAddress.parse(server.url(fresh)), server.superuser, server.superuser_password,
                  AgencyInfo(name="Fresh Health Home"), f"adm_{fresh}", ADMIN_PASSWORD, "Ada Admin")
    before = _privileges(server, older_agency.database)

    _upgrade(older_agency, tmp_path)

    upgraded, expected = _privileges(server, older_agency.database), _privileges(server, fresh)
    assert before != expected  # the older schema lacked tables, columns and their grants
    assert upgraded == expected


def test_the_command_upgrades_and_a_newer_schema_is_refused_unchanged(
        older_agency: AgencyDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    agency, server = older_agency, older_agency.server
    monkeypatch.setenv("HHDESK_PASSWORD", agency.admin_password)
    monkeypatch.setenv("PGPASSWORD", server.superuser_password)
    url = agency.url.replace("postgresql://", f"postgresql://{server.superuser}@", 1)
    code, out, err = run(capsys, "server", "upgrade", "--store", url, "--user", agency.admin,
                         "--backup-to", str(tmp_path / "first"))
    assert code == 0, err
    assert f"from revision {OLDER} to {schema_head()}" in out and len(list((tmp_path / "first").iterdir())) == 1

    with server.superuser_connect(agency.database) as conn:  # as a newer hhdesk would leave it
        conn.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
        events = conn.execute("SELECT count(*) FROM audit_events").fetchone()[0]
    code, out, err = run(capsys, "server", "upgrade", "--store", url, "--user", agency.admin,
                         "--backup-to", str(tmp_path / "second"))
    assert code != 0 and "set up by a newer version of hhdesk" in err and "nothing was changed" in err
    assert not (tmp_path / "second").exists()
    with server.superuser_connect(agency.database) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "ffffffffffff"
        assert conn.execute("SELECT count(*) FROM audit_events").fetchone()[0] == events


def test_a_role_that_does_not_own_the_schema_is_refused_before_any_backup(older_agency: AgencyDatabase,
                                                                          tmp_path: Path) -> None:
    agency = older_agency
    with pytest.raises(PermissionDenied, match="does not own the agency's tables"):
        server_upgrade.upgrade_server(agency.address, agency.admin, agency.admin_password, agency.admin,
                                      agency.admin_password, tmp_path / "backups", AgencyClock())
    assert not (tmp_path / "backups").exists()
    engine = _engine(agency)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == OLDER
    finally:
        engine.dispose()
