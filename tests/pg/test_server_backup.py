"""`hhdesk backup` on an agency's server writes the same encrypted backup as a store file's, and
`hhdesk restore` puts it back into either engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from hhdesk.db.server_copy import row_counts
from hhdesk.db.store import Store
from hhdesk.domain.enums import Role
from hhdesk.errors import PermissionDenied
from hhdesk.services import audit, maintenance
from hhdesk.services.agency import ServerAddress, login
from tests.cli.conftest import run
from tests.pg.conftest import STAFF_PASSWORD, AgencyDatabase, add_staff
from tests.pg.server import TestServer
from tests.services.roster_factory import roster_text

MEMBERS = 15


@pytest.fixture
def backed_up(agency: AgencyDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
              capsys: pytest.CaptureFixture[str]) -> tuple[AgencyDatabase, Path, dict[str, int]]:
    monkeypatch.setenv("HHDESK_PASSWORD", agency.admin_password)
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text(MEMBERS), encoding="utf-8")
    code, out, err = run(capsys, "import", "roster", str(roster), "--store", agency.url, "--user", agency.admin)
    assert (code, err) == (0, ""), out
    out_file = tmp_path / "agency.hhbak"
    code, out, err = run(capsys, "backup", "--store", agency.url, "--user", agency.admin, "--out", str(out_file))
    assert (code, err) == (0, ""), out
    app = login(agency.address, agency.admin, agency.admin_password)
    try:
        with app.read(None) as session:
            counts = row_counts(session.connection())
    finally:
        app.close()
    return agency, out_file, counts


def test_a_servers_backup_restores_into_a_store_file(backed_up, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    agency, out_file, on_server = backed_up
    restored = tmp_path / "restored" / "agency.hhdesk"
    code, out, err = run(capsys, "restore", str(out_file), "--to", str(restored), "--user", agency.admin)
    assert (code, err) == (0, ""), out
    store = Store.open(restored, agency.admin, agency.admin_password)
    try:
        with store.read_session() as session:
            in_file = row_counts(session.connection())
            assert audit.verify_chain(session).ok
    finally:
        store.close()
    assert in_file["members"] == MEMBERS
    # the server's rows at the backup, plus the file's restore event; the server logged the backup itself after
    assert {k: v for k, v in in_file.items() if k != "audit_events"} == {
        k: v for k, v in on_server.items() if k != "audit_events"}
    assert in_file["audit_events"] == on_server["audit_events"] - 2 + 1  # not the backup's event nor this login


def test_a_servers_backup_restores_into_an_empty_database_on_a_server(
        backed_up, pg_server: TestServer, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    agency, out_file, on_server = backed_up
    empty_database = f"{agency.database}_restored"
    pg_server.create_database(empty_database)
    # Logins are server-wide: restoring onto the same server needs the first agency's logins gone.
    with pg_server.superuser_connect(autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{agency.database}" WITH (FORCE)')
        conn.execute(f'DROP ROLE "{agency.admin}"')
        for role in Role:
            conn.execute(f'DROP ROLE "{agency.database}_{role.value}"')
    monkeypatch.setenv("PGPASSWORD", pg_server.superuser_password)
    url = pg_server.url(empty_database).replace("postgresql://", f"postgresql://{pg_server.superuser}@", 1)
    code, out, err = run(capsys, "restore", str(out_file), "--to", url, "--user", agency.admin)
    assert (code, err) == (0, ""), out
    app = login(ServerAddress.parse(pg_server.url(empty_database)), agency.admin, agency.admin_password)
    try:
        with app.read(None) as session:
            counts = row_counts(session.connection())
            assert audit.verify_chain(session).ok
    finally:
        app.close()
    assert counts["members"] == MEMBERS and counts["users"] == on_server["users"]


def test_only_an_administrator_backs_up_a_server(agency: AgencyDatabase, tmp_path: Path) -> None:
    supervisor = login(agency.address, add_staff(agency, Role.SUPERVISOR), STAFF_PASSWORD)
    try:
        with pytest.raises(PermissionDenied, match="only an administrator makes backups"):
            maintenance.backup_now(supervisor, tmp_path / "copy.hhbak")
    finally:
        supervisor.close()
    assert not (tmp_path / "copy.hhbak").exists()
