"""`hhdesk server import`: a single-workstation store moves into an agency's new PostgreSQL database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, update

from hhdesk.db.models import AuditEvent, Contact, User
from hhdesk.db.server_copy import row_counts, tables_in_order
from hhdesk.db.store import Store
from hhdesk.domain.enums import ContactMode, CoreService, Role
from hhdesk.domain.service_month import ServiceMonth
from hhdesk.errors import StoreExists, WrongPassword
from hhdesk.services import audit, caseload, contacts, users
from hhdesk.services.agency import ServerAddress, login
from hhdesk.services.contacts import ContactInput
from hhdesk.services.server_import import import_store
from hhdesk.services.settings import AgencyInfo
from tests.billing_store import fill_billing_store
from tests.cli.conftest import run
from tests.pg.server import TestServer

ADMIN_PASSWORD = "store admin password 1"
STAFF_PASSWORD = "store staff password 1"


def _store(tmp_path: Path, suffix: str) -> tuple[Path, dict[str, str]]:
    """A store file with people of several roles (one disabled), members, contacts and an audit trail."""
    path = tmp_path / "agency.hhdesk"
    names = {"admin": f"adm_{suffix}", "cm": f"cm_{suffix}", "billing": f"bill_{suffix}", "gone": f"gone_{suffix}"}
    users.create_store(path, AgencyInfo(name="Catskill Health Home"), names["admin"], ADMIN_PASSWORD, "Ada Admin")
    app = users.login(path, names["admin"], ADMIN_PASSWORD)
    try:
        users.add_user(app, names["cm"], Role.CARE_MANAGER, STAFF_PASSWORD, full_name="Carla Martinez")
        users.add_user(app, names["billing"], Role.BILLING, STAFF_PASSWORD)
        users.add_user(app, names["gone"], Role.READ_ONLY, STAFF_PASSWORD)
        users.set_disabled(app, names["gone"], True)
    finally:
        app.close()
    store = Store.open(path, names["admin"], ADMIN_PASSWORD)
    try:
        fill_billing_store(store, members=25, contacts_per_member=4, months=2, end_month=ServiceMonth(2026, 10))
        with store.write_session() as session:  # login roles are server-wide: one set of names per test
            session.execute(update(User).where(User.username.like("cm.bill%"))
                            .values(username=User.username + "_" + suffix, disabled=True))
    finally:
        store.close()
    app = users.login(path, names["cm"], STAFF_PASSWORD)
    try:
        member_id = caseload.search(app, caseload.CaseloadQuery(care_manager=None))[0].member_id
        contacts.log_contact(app, member_id, ContactInput(date(2026, 11, 2), ContactMode.PHONE,
                                                          core_services=frozenset({CoreService.CC}), note="called"),
                             today=date(2026, 11, 3))
    finally:
        app.close()
    return path, names


@pytest.fixture
def moved(pg_server: TestServer, empty_database: str, tmp_path: Path):
    path, names = _store(tmp_path, empty_database)
    address = ServerAddress.parse(pg_server.url(empty_database))
    report = import_store(path, names["admin"], ADMIN_PASSWORD, address, pg_server.superuser,
                          pg_server.superuser_password)
    return path, names, address, report


def test_every_row_and_the_audit_chain_arrive_and_the_administrator_logs_in(moved) -> None:
    path, names, address, report = moved
    store = Store.open(path, names["admin"], ADMIN_PASSWORD)
    try:
        with store.read_session() as session:
            in_file = row_counts(session.connection())
            file_events = session.execute(select(AuditEvent.id, AuditEvent.username, AuditEvent.hash)
                                          .order_by(AuditEvent.id)).all()
    finally:
        store.close()
    assert report.rows == sum(in_file.values()) and in_file["contacts"] > 100
    assert sorted(report.users_without_password) == sorted([names["cm"], names["billing"]])

    app = login(address, names["admin"], ADMIN_PASSWORD)
    try:
        with app.read(None) as session:
            on_server = row_counts(session.connection())
            server_events = session.execute(select(AuditEvent.id, AuditEvent.username, AuditEvent.hash)
                                            .order_by(AuditEvent.id)).all()
            chain = audit.verify_chain(session)
            notes = session.execute(select(Contact.note).where(Contact.note == "called")).scalars().all()
    finally:
        app.close()
    assert chain.ok, chain.problem
    assert server_events[:len(file_events)] == file_events  # the same events, users and hashes
    assert on_server["audit_events"] == in_file["audit_events"] + 2  # the import's event and this login
    assert {name: count for name, count in on_server.items() if name != "audit_events"} == {
        name: count for name, count in in_file.items() if name != "audit_events"}
    assert notes == ["called"]


def test_every_value_arrives_as_it_was_in_the_file(moved) -> None:
    """Dates, times, flags, bytes and clinical text come across the COPY unchanged, table by table."""
    path, names, address, _report = moved

    def every_row(session) -> dict[str, list[tuple]]:
        return {table.name: [tuple(row) for row in session.execute(
                    select(table).order_by(*(list(table.primary_key.columns) or list(table.columns))))]
                for table in tables_in_order()}

    store = Store.open(path, names["admin"], ADMIN_PASSWORD)
    try:
        with store.read_session() as session:
            in_file = every_row(session)
    finally:
        store.close()
    app = login(address, names["admin"], ADMIN_PASSWORD)
    try:
        with app.read(None) as session:
            on_server = every_row(session)
    finally:
        app.close()
    assert in_file["attachments"] or in_file["contacts"]
    for name, rows in in_file.items():
        assert on_server[name][:len(rows)] == rows, name


def test_other_users_log_in_once_the_administrator_sets_their_server_password(moved) -> None:
    _path, names, address, _report = moved
    with pytest.raises(WrongPassword):
        login(address, names["cm"], STAFF_PASSWORD)  # a store's password does not travel
    admin = login(address, names["admin"], ADMIN_PASSWORD)
    try:
        users.reset_password(admin, names["cm"], "a temporary server password 7")
    finally:
        admin.close()
    manager = login(address, names["cm"], "a temporary server password 7")
    try:
        assert manager.actor.role is Role.CARE_MANAGER
        assert len(caseload.search(manager, caseload.CaseloadQuery(care_manager=None))) == 25
    finally:
        manager.close()
    with pytest.raises(WrongPassword):
        login(address, names["gone"], STAFF_PASSWORD)


def test_a_database_that_already_holds_an_agency_is_refused(moved, pg_server: TestServer,
                                                            tmp_path: Path) -> None:
    path, names, address, _report = moved
    with pytest.raises(StoreExists, match="already holds an hhdesk agency"):
        import_store(path, names["admin"], ADMIN_PASSWORD, address, pg_server.superuser,
                     pg_server.superuser_password)


def test_the_command_moves_a_store(pg_server: TestServer, empty_database: str, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    path, names = _store(tmp_path, empty_database)
    monkeypatch.setenv("HHDESK_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("PGPASSWORD", pg_server.superuser_password)
    url = pg_server.url(empty_database).replace("postgresql://", f"postgresql://{pg_server.superuser}@", 1)
    code, out, err = run(capsys, "server", "import", str(path), "--to", url, "--user", names["admin"])
    assert (code, err) == (0, ""), out
    assert "audit log verified" in out and names["cm"] in out
    code, out, err = run(capsys, "server", "import", str(path), "--to", url, "--user", names["admin"])
    assert code == 1 and "already holds an hhdesk agency" in err
