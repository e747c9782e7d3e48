"""The server keeps one linear audit chain, however many workstations append at once."""

from __future__ import annotations

import multiprocessing

from sqlalchemy import select

from hhdesk.db.models import AuditEvent
from hhdesk.domain.enums import Role
from hhdesk.services import audit
from hhdesk.services.agency import login
from tests.pg.audit_writers import append_events
from tests.pg.conftest import STAFF_PASSWORD, AgencyDatabase, add_staff

WORKSTATIONS = 6
EVENTS_EACH = 30


def test_concurrent_appends_from_several_processes_keep_the_chain_valid(agency: AgencyDatabase) -> None:
    staff = [add_staff(agency, role) for role in (Role.CARE_MANAGER, Role.SUPERVISOR, Role.BILLING,
                                                  Role.READ_ONLY)]
    logins = [(staff[i % len(staff)], STAFF_PASSWORD) for i in range(WORKSTATIONS - 1)]
    logins.append((agency.admin, agency.admin_password))
    # Two workstations share a login here and there; that is allowed and changes nothing.
    with multiprocessing.get_context("spawn").Pool(WORKSTATIONS) as pool:
        done = pool.starmap(append_events, [(agency.url, user, pw, EVENTS_EACH) for user, pw in logins])
    assert sum(done) == WORKSTATIONS * EVENTS_EACH

    app = login(agency.address, agency.admin, agency.admin_password)
    try:
        with app.read(None) as session:
            report = audit.verify_chain(session)
            by_user = dict(session.execute(
                select(AuditEvent.username, AuditEvent.id).where(AuditEvent.action == "member_viewed")
            ).all())
    finally:
        app.close()
    # init's 2 events, one login per workstation and the checking login, and every appended event
    assert report.ok, report.problem
    assert report.events == 2 + WORKSTATIONS + 1 + WORKSTATIONS * EVENTS_EACH
    assert set(by_user) == {user for user, _ in logins}


def test_the_servers_hash_is_the_one_hhdesk_computes_for_any_text(agency: AgencyDatabase) -> None:
    """The trigger's JSON must match Python's json.dumps byte for byte, or verify would call the chain broken."""
    awkward = ['quote " and backslash \\', "line\nbreak\ttab\rreturn", "control \x01\x1f\x7f", "Zoë Ñúñez 日本 🙂",
               "", "slash / and <html> & 'single'", "\u2028 separators \u2029", "\b\f"]
    app = login(agency.address, agency.admin, agency.admin_password)
    try:
        with app.work(None) as uow:
            for number, text in enumerate(awkward):
                uow.audit(text[:40], text[:40], text[:40], member_id=None if number % 2 else number, detail=text)
        with app.work(None) as uow:
            audit.append_many(uow.session, "ignored", [audit.PendingEvent("batch", "x", i, i, t)
                                                       for i, t in enumerate(awkward)])
        with app.read(None) as session:
            report = audit.verify_chain(session)
            names = set(session.execute(select(AuditEvent.username)).scalars())
    finally:
        app.close()
    assert report.ok, report.problem
    assert report.events == 2 + 1 + 2 * len(awkward)
    assert names == {agency.server.superuser, agency.admin}  # never "ignored": the server records the login


def test_a_changed_event_is_still_caught(agency: AgencyDatabase) -> None:
    """Triggers off (only the owner can), one event changed: verify names it, as it does for a file."""
    with agency.server.superuser_connect(agency.database) as conn:
        conn.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update")
        conn.execute("UPDATE audit_events SET detail = 'edited' WHERE id = (SELECT min(id) FROM audit_events)")
        conn.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update")
    app = login(agency.address, agency.admin, agency.admin_password)
    try:
        with app.read(None) as session:
            report = audit.verify_chain(session)
    finally:
        app.close()
    assert not report.ok and "was changed after it was written" in report.problem


def test_verify_on_the_server_checks_the_chain_and_the_safeguards(agency: AgencyDatabase, monkeypatch,
                                                                  capsys) -> None:
    from tests.cli.conftest import run

    monkeypatch.setenv("HHDESK_PASSWORD", agency.admin_password)
    code, out, err = run(capsys, "verify", "--store", agency.url, "--user", agency.admin)
    assert (code, err) == (0, "")
    assert out.startswith("ok: the store passed every check.\n")
    assert "TLS verified; the audit log's triggers are on" in out
    assert "Audit log: 3 events, every link unbroken. The server refuses any change" in out

    with agency.server.superuser_connect(agency.database) as conn:
        conn.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_truncate")
        conn.execute(f'GRANT DELETE ON audit_events TO "{agency.database}_supervisor"')
    code, out, err = run(capsys, "verify", "--store", agency.url, "--user", agency.admin)
    assert code == 1 and out == ""
    assert "integrity: the audit log's safeguard audit_events_no_truncate is switched off\n" in err
    assert f"integrity: the role {agency.database}_supervisor may DELETE the audit log\n" in err
