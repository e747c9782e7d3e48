"""The server itself enforces the permission matrix: each role tried with its own login, outside hhdesk."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors

from hhdesk.domain.enums import Role
from hhdesk.services.agency import ServerAddress, create_agency
from hhdesk.services.settings import AgencyInfo
from tests.pg.conftest import ADMIN_PASSWORD, STAFF_PASSWORD, AgencyDatabase, add_staff, login_as

CLINICAL_READS = [
    "SELECT note FROM contacts",
    "SELECT * FROM contacts",
    "SELECT strengths FROM care_plan_versions",
    "SELECT preferences, barriers FROM care_plan_versions",
    "SELECT * FROM care_plan_needs",
    "SELECT * FROM care_plan_goals",
    "SELECT * FROM care_plan_interventions",
    "SELECT note FROM transition_episodes",
    "SELECT discharge_destination FROM transition_episodes",
    "SELECT setting FROM transition_episodes",
    "SELECT * FROM checklist_items",
    "SELECT reason FROM referrals",
    "SELECT need, request, outcome FROM referrals",
    "SELECT note FROM referral_status_changes",
    "SELECT data FROM attachments",
    "SELECT description FROM conditions",
    "SELECT * FROM care_team",
]
BILLING_READS = [
    "SELECT member_id, contact_date, mode, core_services, minutes FROM contacts",
    "SELECT member_id, signed_on FROM care_plan_versions",
    "SELECT medicaid_id, last_name, dob FROM members",
    "SELECT * FROM enrolment_segments", "SELECT * FROM consents", "SELECT * FROM tier_history",
    "SELECT member_id, icd10 FROM conditions",
    "SELECT member_id, admitted_on, discharged_on FROM transition_episodes",
    "SELECT member_id, category, status FROM referrals",
]
WRITES = [
    "INSERT INTO members (medicaid_id, last_name, first_name, preferred_name, name_key, dob, sex, "
    "gender_identity, language, interpreter_needed, address_line1, address_line2, city, state, zip, phone, "
    "phone_alt, email, emergency_contact_name, emergency_contact_phone, plan_id, appropriateness_json, "
    "created_at, updated_at) VALUES ('AB12345C', 'Doe', 'Jo', '', 'doe jo', '1970-01-01', 'F', '', '', false, "
    "'', '', '', '', '', '', '', '', '', '', '', '{}', now(), now())",
    "UPDATE members SET phone = '555'",
    "DELETE FROM members",
    "INSERT INTO settings (key, value_json) VALUES ('lock_minutes', '1')",
    "UPDATE users SET role = 'admin'",
    "INSERT INTO contacts (member_id, contact_date, mode, with_whom, minutes, core_services, note, created_at, "
    "updated_at) VALUES (1, '2026-12-01', 'phone', 'member', 5, '', '', now(), now())",
]


def _denied(conn: psycopg.Connection, statement: str) -> bool:
    try:
        with conn.transaction():
            conn.execute(statement)
    except errors.InsufficientPrivilege:
        return True
    return False


def test_billing_cannot_read_clinical_text_but_reads_what_billing_needs(agency: AgencyDatabase) -> None:
    clerk = add_staff(agency, Role.BILLING)
    with login_as(agency, clerk) as conn:
        assert [s for s in CLINICAL_READS if not _denied(conn, s)] == []
        assert [s for s in BILLING_READS if _denied(conn, s)] == []


def test_care_managers_read_clinical_text(agency: AgencyDatabase) -> None:
    manager = add_staff(agency, Role.CARE_MANAGER)
    with login_as(agency, manager) as conn:
        assert [s for s in CLINICAL_READS if _denied(conn, s)] == []


def test_read_only_reads_and_cannot_write(agency: AgencyDatabase) -> None:
    reader = add_staff(agency, Role.READ_ONLY)
    with login_as(agency, reader) as conn:
        assert [s for s in CLINICAL_READS + BILLING_READS if _denied(conn, s)] == []
        assert [s for s in WRITES if not _denied(conn, s)] == []


def test_only_the_administrator_manages_accounts_and_settings(agency: AgencyDatabase) -> None:
    for role in (Role.SUPERVISOR, Role.CARE_MANAGER, Role.BILLING, Role.READ_ONLY):
        with login_as(agency, add_staff(agency, role)) as conn:
            assert _denied(conn, "UPDATE users SET role = 'admin'"), role
            assert _denied(conn, "UPDATE agency SET name = 'x'"), role
            assert _denied(conn, "SELECT detail FROM audit_events"), role  # the audit log is the admin's
    with login_as(agency, agency.admin, agency.admin_password) as conn:
        assert not _denied(conn, "UPDATE agency SET name = name")
        assert not _denied(conn, "SELECT detail FROM audit_events")


def test_only_importers_ask_whether_a_contacts_file_was_imported_and_learn_no_more(agency: AgencyDatabase) -> None:
    digest = "ab" * 32
    with agency.server.superuser_connect(agency.database) as conn:
        conn.execute("INSERT INTO audit_events (at, username, action, entity, entity_id, detail, prev_hash, hash) "
                     "VALUES ('2026-12-01T10:00:00Z', '', 'contacts_import', 'import', 'contacts', "
                     "%s, '', '')", (f"3 contacts for 1 members; sha256 {digest}",))
    ask = "SELECT at, username FROM hhdesk_contacts_file_imported(%s)"
    for role in (Role.SUPERVISOR, Role.ADMIN):
        name = add_staff(agency, role)
        with login_as(agency, name) as conn:
            assert conn.execute(ask, (digest,)).fetchall() == [("2026-12-01T10:00:00Z", agency.server.superuser)]
            assert conn.execute(ask, ("cd" * 32,)).fetchall() == []
            assert conn.execute(ask, ("%",)).fetchall() == []  # a digest, not a pattern
    for role in (Role.CARE_MANAGER, Role.BILLING, Role.READ_ONLY):
        with login_as(agency, add_staff(agency, role)) as conn:
            assert _denied(conn, f"SELECT * FROM hhdesk_contacts_file_imported('{digest}')"), role


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET detail = 'nothing happened'",
    "DELETE FROM audit_events",
    "TRUNCATE audit_events",
])
def test_nobody_rewrites_the_audit_log(agency: AgencyDatabase, statement: str) -> None:
    logins = [(add_staff(agency, role), STAFF_PASSWORD) for role in Role if role is not Role.ADMIN]
    logins.append((agency.admin, agency.admin_password))
    for name, password in logins:
        with login_as(agency, name, password) as conn:
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(statement)
            conn.rollback()
    # Not even the tables' owner, the server's superuser: the triggers stop it too.
    with agency.server.superuser_connect(agency.database) as conn:
        with pytest.raises(errors.InsufficientPrivilege, match="append-only"):
            conn.execute(statement)
        conn.rollback()
        assert conn.execute("SELECT count(*) FROM audit_events").fetchone()[0] == 2


def test_the_audit_user_is_the_login_not_what_the_client_says(agency: AgencyDatabase) -> None:
    manager = add_staff(agency, Role.CARE_MANAGER)
    with login_as(agency, manager) as conn:
        conn.execute("INSERT INTO audit_events (at, username, action, entity, entity_id, detail, prev_hash, "
                     "hash) VALUES ('2026-12-04T10:00:00+00:00', %s, 'login', '', '', '', 'x', 'y')",
                     (agency.admin,))
    with login_as(agency, agency.admin, agency.admin_password) as conn:
        row = conn.execute("SELECT username, prev_hash != 'x', hash != 'y' FROM audit_events "
                           "ORDER BY id DESC LIMIT 1").fetchone()
    assert row == (manager, True, True)


def test_a_login_reaches_only_its_own_agency(agency: AgencyDatabase, pg_server) -> None:
    """Group roles are per database: one agency's staff cannot even connect to another agency's database."""
    manager = add_staff(agency, Role.CARE_MANAGER)
    neighbour = f"{agency.database}_neighbour"
    pg_server.create_database(neighbour)
    create_agency(ServerAddress.parse(pg_server.url(neighbour)), pg_server.superuser,
                  pg_server.superuser_password, AgencyInfo(name="Next door"), f"adm_{neighbour}", ADMIN_PASSWORD)
    other = AgencyDatabase(pg_server, neighbour, pg_server.url(neighbour), f"adm_{neighbour}")
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        login_as(other, manager)
    login_as(other, other.admin, ADMIN_PASSWORD).close()


def test_a_refusal_by_the_server_reaches_the_user_as_a_sentence(agency: AgencyDatabase) -> None:
    from sqlalchemy import select

    from hhdesk.db.models import Contact
    from hhdesk.errors import PermissionDenied
    from hhdesk.services.agency import login

    clerk = add_staff(agency, Role.BILLING)
    app = login(agency.address, clerk, STAFF_PASSWORD)
    try:
        with pytest.raises(PermissionDenied, match="^The agency's server refused this for your role"), \
                app.read(None) as session:
            session.execute(select(Contact.note)).all()
        with pytest.raises(PermissionDenied), app.work(None) as uow:
            uow.session.execute(select(Contact.note)).all()
    finally:
        app.close()
