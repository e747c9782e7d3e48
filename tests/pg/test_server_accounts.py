"""Adding, disabling and re-passwording users on an agency's server manage PostgreSQL login roles."""

from __future__ import annotations

import pytest

from hhdesk.domain.enums import Role
from hhdesk.errors import PermissionDenied, ValidationFailed, WrongPassword
from hhdesk.services import users
from hhdesk.services.agency import login
from tests.cli.conftest import run
from tests.pg.conftest import STAFF_PASSWORD, AgencyDatabase, add_staff, login_as

NEW_PASSWORD = "a brand new passphrase 7"
LATER_PASSWORD = "yet another passphrase 9"


def _role_of(agency: AgencyDatabase, username: str) -> tuple[bool, list[str], str]:
    with agency.server.superuser_connect() as conn:
        can_login, stored = conn.execute("SELECT rolcanlogin, rolpassword FROM pg_authid WHERE rolname = %s",
                                         (username,)).fetchone()
        groups = [r[0] for r in conn.execute(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = %s ORDER BY 1", (username,))]
    return can_login, groups, stored


def test_the_command_line_adds_disables_and_re_passwords_a_login(agency: AgencyDatabase, monkeypatch,
                                                                 capsys) -> None:
    clerk = f"clerk_{agency.database}"
    monkeypatch.setenv("HHDESK_PASSWORD", agency.admin_password)
    monkeypatch.setenv("HHDESK_NEW_PASSWORD", NEW_PASSWORD)
    code, out, err = run(capsys, "users", "add", clerk, "--role", "billing", "--store", agency.url,
                         "--user", agency.admin)
    assert (code, err) == (0, ""), out
    can_login, groups, stored = _role_of(agency, clerk)
    assert (can_login, groups) == (True, [f"{agency.database}_billing"])
    assert stored.startswith("SCRAM-SHA-256$")
    login(agency.address, clerk, NEW_PASSWORD).close()

    monkeypatch.setenv("HHDESK_NEW_PASSWORD", LATER_PASSWORD)
    code, out, err = run(capsys, "users", "passwd", clerk, "--store", agency.url, "--user", agency.admin)
    assert (code, err) == (0, "")
    with pytest.raises(WrongPassword):
        login(agency.address, clerk, NEW_PASSWORD)
    login(agency.address, clerk, LATER_PASSWORD).close()

    code, out, err = run(capsys, "users", "disable", clerk, "--store", agency.url, "--user", agency.admin)
    assert (code, err, out) == (0, "", f"Disabled {clerk}: their login no longer opens the agency's server.\n")
    assert _role_of(agency, clerk)[0] is False
    with pytest.raises(WrongPassword, match=f"The account {clerk} is disabled on the server"):
        login(agency.address, clerk, LATER_PASSWORD)

    # Not one plain password reached the server, not even in its statement log.
    log = agency.server.log.read_text(errors="replace")
    assert "CREATE ROLE" in log or "hhdesk_create_login" in log
    for password in (NEW_PASSWORD, LATER_PASSWORD, agency.admin_password):
        assert password not in log


def test_a_person_changes_their_own_password(agency: AgencyDatabase, monkeypatch, capsys) -> None:
    manager = add_staff(agency, Role.CARE_MANAGER)
    monkeypatch.setenv("HHDESK_PASSWORD", STAFF_PASSWORD)
    monkeypatch.setenv("HHDESK_NEW_PASSWORD", NEW_PASSWORD)
    code, _, err = run(capsys, "users", "passwd", manager, "--store", agency.url, "--user", manager)
    assert (code, err) == (0, "")
    login(agency.address, manager, NEW_PASSWORD).close()
    with pytest.raises(WrongPassword):
        login(agency.address, manager, STAFF_PASSWORD)


def test_a_session_goes_on_working_after_its_own_password_change(agency: AgencyDatabase) -> None:
    manager = add_staff(agency, Role.CARE_MANAGER)
    app = login(agency.address, manager, STAFF_PASSWORD)
    try:
        users.change_own_password(app, STAFF_PASSWORD, NEW_PASSWORD)
        app.store.writer.dispose()  # the pool's next connection logs in again
        assert [u.username for u in users.list_users(app)]
    finally:
        app.close()


def test_a_role_change_moves_the_login_between_groups(agency: AgencyDatabase) -> None:
    manager = add_staff(agency, Role.CARE_MANAGER)
    app = login(agency.address, agency.admin, agency.admin_password)
    try:
        users.update_user(app, manager, role=Role.BILLING)
    finally:
        app.close()
    assert _role_of(agency, manager)[1] == [f"{agency.database}_billing"]
    with login_as(agency, manager) as conn, pytest.raises(Exception, match="permission denied"):
        conn.execute("SELECT note FROM contacts")


def test_the_account_rules_hold_on_the_server(agency: AgencyDatabase) -> None:
    outsider = f"outsider_{agency.database}"  # a role on the server that is no user of this agency
    with agency.server.superuser_connect(autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{outsider}"')
    app = login(agency.address, agency.admin, agency.admin_password)
    try:
        with pytest.raises(ValidationFailed, match="at least 12 characters"):
            users.add_user(app, f"short_{agency.database}", Role.BILLING, "short")
        with pytest.raises(ValidationFailed, match="already a user named"):
            users.add_user(app, outsider, Role.BILLING, NEW_PASSWORD)
        with pytest.raises(ValidationFailed, match="keeps for itself"):
            users.add_user(app, "pg_monitor2", Role.BILLING, NEW_PASSWORD)
    finally:
        app.close()


def test_only_administrators_may_call_the_account_functions(agency: AgencyDatabase) -> None:
    """Another client cannot use them either: the server refuses a supervisor's direct call."""
    boss = add_staff(agency, Role.SUPERVISOR)
    with login_as(agency, boss) as conn, pytest.raises(Exception, match="permission denied for function"):
        conn.execute("SELECT hhdesk_create_login('mallory', 'SCRAM-SHA-256$x', 'admin')")
    app = login(agency.address, boss, STAFF_PASSWORD)
    try:
        with pytest.raises(PermissionDenied):
            users.add_user(app, f"x_{agency.database}", Role.ADMIN, NEW_PASSWORD)
    finally:
        app.close()


def test_the_account_functions_take_only_verifiers_and_only_this_agencys_logins(agency: AgencyDatabase) -> None:
    with login_as(agency, agency.admin, agency.admin_password) as conn:
        with pytest.raises(Exception, match="only as a SCRAM-SHA-256 verifier"):
            conn.execute("SELECT hhdesk_create_login('plain_one', 'a plain password', 'billing')")
        conn.rollback()
        with pytest.raises(Exception, match="is not a login of this agency"):
            conn.execute("SELECT hhdesk_change_login('postgres', NULL, false, NULL)")


def test_a_login_without_an_hhdesk_account_is_refused_and_audited(agency: AgencyDatabase) -> None:
    """A login role of this agency's group but no (or a disabled) hhdesk account: refused, and it is in the log."""
    from hhdesk.errors import UserDisabled

    person = add_staff(agency, Role.CARE_MANAGER)
    with agency.server.superuser_connect(agency.database) as conn:
        conn.execute("UPDATE users SET disabled = true WHERE username = %s", (person,))
    with pytest.raises(UserDisabled, match="^Wrong user name or password"):
        login(agency.address, person, STAFF_PASSWORD)
    with login_as(agency, agency.admin, agency.admin_password) as conn:
        last = conn.execute("SELECT username, action, detail FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
    assert last == (person, "login_failed", "disabled user")
