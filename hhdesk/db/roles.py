"""Agency mode's people and permissions as PostgreSQL roles: the server enforces what the services enforce.

Each hhdesk role is a group role (``<database>_<role>``, so two agencies on one server never share a group);
each person is a login role, a member of one group, with a SCRAM-SHA-256 verifier computed on the
workstation (libpq's ``PQencryptPasswordConn``), so no plain password ever reaches the server or its log.
A person who takes the connection details to another client gets exactly what their group is granted:

- billing reads demographics, enrolment, consent and the billing facts, never the clinical text: not contact
  notes, not care plans' content, not transitions' clinical fields, not referral reasons or outcomes;
- read_only reads and writes nothing but its own audit events;
- nobody updates, deletes or truncates the audit log (privileges here; triggers in the initial migration
  stop even the tables' owner), and only administrators read it: what importers need of it (whether a
  contacts file was imported before) they ask a narrow function (the migration that made it says why).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hhdesk.db.models import Base
from hhdesk.domain.enums import Role
from hhdesk.domain.permissions import Permission, allows

if TYPE_CHECKING:
    import psycopg
    from sqlalchemy.orm import Session

MAX_NAME_BYTES = 63  # PostgreSQL's identifier limit; longer names would be cut silently
RESERVED_NAMES = {"public", "none", "current_user", "session_user", "current_role", "postgres"}

WRITE = "SELECT, INSERT, UPDATE, DELETE"
# What every group may do: find its own account, the agency's letterhead and settings, the schema version,
# and append audit events (INSERT, plus SELECT of the id that INSERT ... RETURNING hands back, and of the
# action, so a window can tell that someone changed something: hhdesk.services.changes; not who, not whom).
EVERYONE: dict[str, str] = {
    "users": "SELECT", "agency": "SELECT", "settings": "SELECT", "alembic_version": "SELECT",
    "billing_runs": "SELECT", "payers": "SELECT", "audit_events": "INSERT, SELECT (id, action)",
}
# Clinical and member tables that care work reads and writes in full.
CARE_TABLES = (
    "members", "attachments", "care_team", "conditions", "consents", "contacts", "enrolment_segments",
    "tier_history", "transition_episodes", "checklist_items", "care_plan_versions", "care_plan_needs",
    "care_plan_goals", "care_plan_interventions", "referrals", "referral_status_changes", "directory_entries",
    "aot_orders", "outreach_elsewhere", "member_payer_periods",
)
# An export records its run and takes the next claim control numbers, which live in the settings table.
BILLING_EXPORT: dict[str, str] = {
    "billing_runs": "SELECT, INSERT", "settings": "SELECT, INSERT, UPDATE",
    "billing_claims": "SELECT, INSERT, UPDATE", "billing_response_files": "SELECT, INSERT",
}
# Billing's minimum necessary: the columns that billing rules, claim files and the caseload need.
BILLING: dict[str, str] = {
    "members": "SELECT, UPDATE",
    "enrolment_segments": "SELECT",
    "tier_history": "SELECT",
    "consents": "SELECT, INSERT, UPDATE, DELETE",
    "attachments": "INSERT, SELECT (id, member_id, filename, mime_type, created_at)",
    "directory_entries": "SELECT",
    "aot_orders": "SELECT",
    "outreach_elsewhere": "SELECT, INSERT, UPDATE, DELETE",
    "member_payer_periods": "SELECT, INSERT, UPDATE, DELETE",
    **BILLING_EXPORT,
    "conditions": "SELECT (id, member_id, icd10, category, noted_on, resolved_on)",
    "contacts": "SELECT (id, member_id, contact_date, mode, with_whom, minutes, staff_id, core_services, "
                "created_at, updated_at)",
    "care_plan_versions": "SELECT (id, member_id, version_no, status, signed_on, review_due_on, created_at)",
    "transition_episodes": "SELECT (id, member_id, admitted_on, discharged_on, created_at)",
    "referrals": "SELECT (id, member_id, directory_entry_id, category, sent_on, status, status_on, created_at)",
    "referral_status_changes": "SELECT (id, referral_id, status, changed_on, created_at)",
}


# The schema's functions for staff (its migrations make them, revoked from PUBLIC), and who may run each.
SCHEMA_FUNCTIONS: dict[str, Permission] = {"hhdesk_contacts_file_imported(text)": Permission.IMPORT_DATA}


def _grants_for(role: Role) -> dict[str, str]:
    """Table -> privileges for one hhdesk role (added to EVERYONE's)."""
    if role is Role.ADMIN:
        every_table = {t: WRITE for t in Base.metadata.tables}
        every_table["audit_events"] = "SELECT, INSERT"
        return every_table
    if role is Role.SUPERVISOR:
        return {**{t: WRITE for t in CARE_TABLES}, **BILLING_EXPORT}
    if role is Role.CARE_MANAGER:
        return {t: WRITE for t in CARE_TABLES}
    if role is Role.BILLING:
        return dict(BILLING)
    return {t: "SELECT" for t in CARE_TABLES}  # read_only


def group_role(database: str, role: Role | str) -> str:
    return f"{database}_{Role(role).value}"


def login_name_problems(username: str) -> list[str]:
    """What stops a username from being a PostgreSQL login role (on top of hhdesk's own username rule)."""
    if len(username.encode("utf-8")) > MAX_NAME_BYTES:
        return [f"On an agency's server a username has at most {MAX_NAME_BYTES} characters."]
    if username.lower() in RESERVED_NAMES or username.lower().startswith("pg_"):
        return [f"{username} is a name the database server keeps for itself: choose another username."]
    return []


def create_groups(conn: psycopg.Connection, database: str) -> None:
    """Create the five group roles and grant them their privileges (the caller's transaction)."""
    from psycopg import sql

    for role in Role:
        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(group_role(database, role))))
    grant_privileges(conn, database)


def grant_privileges(conn: psycopg.Connection, database: str) -> None:
    """Give each group exactly the privileges this program's schema calls for, whatever it held before.

    Setting up an agency grants them on the new tables; upgrading one grants them again after the schema has
    changed, so new tables and columns get theirs and the groups end as a fresh set-up leaves them.
    """
    from psycopg import sql

    conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database)))
    conn.execute("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC")
    # PostgreSQL 15 no longer lets everyone create objects in the public schema; a database made from an
    # older template still may, and nobody but the owner should.
    conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    for role in Role:
        group = sql.Identifier(group_role(database, role))
        # Revoking a table's privileges revokes its columns' too, so no grant of an older schema lingers.
        conn.execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(group))
        conn.execute(sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {}").format(group))
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), group))
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(group))
        conn.execute(sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {}").format(group))
        for grants in (EVERYONE, _grants_for(role)):
            for table, privileges in grants.items():
                conn.execute(sql.SQL("GRANT " + privileges + " ON TABLE {} TO {}").format(
                    sql.Identifier(table), group))
        for function, needed in SCHEMA_FUNCTIONS.items():
            conn.execute(sql.SQL("REVOKE ALL ON FUNCTION " + function + " FROM {}").format(group))
            if allows(role, needed):
                conn.execute(sql.SQL("GRANT EXECUTE ON FUNCTION " + function + " TO {}").format(group))


# The administrator's tools for accounts: narrow functions that run as the set-up role (which may create
# roles), so that no hhdesk login needs CREATEROLE, which in PostgreSQL 15 would reach every role on the
# server. They touch only login roles in this database's groups, and take only SCRAM verifiers.
_GROUPS_SQL = "(" + ", ".join(f"'{role.value}'" for role in Role) + ")"
ACCOUNT_FUNCTIONS = [
    f"""
    CREATE OR REPLACE FUNCTION hhdesk_create_login(username text, verifier text, hhdesk_role text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
    BEGIN
        IF hhdesk_role NOT IN {_GROUPS_SQL} THEN
            RAISE EXCEPTION 'unknown hhdesk role %', hhdesk_role;
        END IF;
        IF verifier NOT LIKE 'SCRAM-SHA-256$%' THEN
            RAISE EXCEPTION 'a password is set only as a SCRAM-SHA-256 verifier';
        END IF;
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION INHERIT '
                       'PASSWORD %L IN ROLE %I', username, verifier, current_database() || '_' || hhdesk_role);
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION hhdesk_change_login(username text, verifier text, may_log_in boolean, hhdesk_role text)
    RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
    DECLARE group_name text;
    BEGIN
        IF NOT EXISTS (
            SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
            WHERE r.rolname = username AND NOT r.rolsuper
              AND g.rolname IN (SELECT current_database() || '_' || x FROM unnest(ARRAY{list(r.value for r in Role)}) x)
        ) THEN
            RAISE EXCEPTION '% is not a login of this agency', username;
        END IF;
        IF verifier IS NOT NULL THEN
            IF verifier NOT LIKE 'SCRAM-SHA-256$%' THEN
                RAISE EXCEPTION 'a password is set only as a SCRAM-SHA-256 verifier';
            END IF;
            EXECUTE format('ALTER ROLE %I PASSWORD %L', username, verifier);
        END IF;
        IF may_log_in IS NOT NULL THEN
            EXECUTE format(CASE WHEN may_log_in THEN 'ALTER ROLE %I LOGIN' ELSE 'ALTER ROLE %I NOLOGIN' END, username);
        END IF;
        IF hhdesk_role IS NOT NULL THEN
            IF hhdesk_role NOT IN {_GROUPS_SQL} THEN
                RAISE EXCEPTION 'unknown hhdesk role %', hhdesk_role;
            END IF;
            FOREACH group_name IN ARRAY ARRAY{list(r.value for r in Role)} LOOP
                EXECUTE format('REVOKE %I FROM %I', current_database() || '_' || group_name, username);
            END LOOP;
            EXECUTE format('GRANT %I TO %I', current_database() || '_' || hhdesk_role, username);
        END IF;
    END $$
    """,
]


def create_account_functions(conn: psycopg.Connection, database: str) -> None:
    """Create the account functions, or replace them with this program's (an upgrade runs this again)."""
    from psycopg import sql

    for statement in ACCOUNT_FUNCTIONS:
        conn.execute(statement)
    admins = sql.Identifier(group_role(database, Role.ADMIN))
    for name in ("hhdesk_create_login(text, text, text)", "hhdesk_change_login(text, text, boolean, text)"):
        conn.execute(sql.SQL("REVOKE ALL ON FUNCTION " + name + " FROM PUBLIC"))
        conn.execute(sql.SQL("GRANT EXECUTE ON FUNCTION " + name + " TO {}").format(admins))


def scram_verifier(conn: psycopg.Connection, username: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier for a password, made here: the server is sent this, never the password."""
    verifier = conn.pgconn.encrypt_password(password.encode("utf-8"), username.encode("utf-8"),
                                            b"scram-sha-256")
    return verifier.decode("ascii")


def role_exists(conn: psycopg.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone() is not None


def create_login(conn: psycopg.Connection, database: str, username: str, password: str, role: Role) -> None:
    """A person's login role in their hhdesk role's group (the caller's transaction)."""
    from psycopg import sql

    verifier = scram_verifier(conn, username, password)
    conn.execute(sql.SQL(
        "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION INHERIT PASSWORD {} IN ROLE {}"
    ).format(sql.Identifier(username), sql.Literal(verifier), sql.Identifier(group_role(database, role))))


def create_login_without_password(conn: psycopg.Connection, database: str, username: str, role: Role, *,
                                  may_log_in: bool) -> None:
    """A carried-over person's login role, in their group, with no password yet: nobody can log in as it until
    an administrator sets one (a password reset sends its verifier), so no password travels with a store."""
    from psycopg import sql

    conn.execute(sql.SQL(
        "CREATE ROLE {} " + ("LOGIN" if may_log_in else "NOLOGIN")
        + " NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION INHERIT PASSWORD NULL IN ROLE {}"
    ).format(sql.Identifier(username), sql.Identifier(group_role(database, role))))


# ---- accounts, in the caller's unit of work (so the account and its audit event commit together) -------
def _raw(session: Session) -> psycopg.Connection:
    return session.connection().connection.dbapi_connection  # type: ignore[return-value]


def login_exists(session: Session, username: str) -> bool:
    return role_exists(_raw(session), username)


def add_login(session: Session, username: str, password: str, role: Role) -> None:
    conn = _raw(session)
    conn.execute("SELECT hhdesk_create_login(%s, %s, %s)",
                 (username, scram_verifier(conn, username, password), Role(role).value))


def change_login(session: Session, username: str, *, password: str | None = None,
                 may_log_in: bool | None = None, role: Role | None = None) -> None:
    conn = _raw(session)
    verifier = scram_verifier(conn, username, password) if password is not None else None
    conn.execute("SELECT hhdesk_change_login(%s, %s, %s, %s)",
                 (username, verifier, may_log_in, Role(role).value if role is not None else None))


def change_own_password(session: Session, username: str, new_password: str) -> None:
    """Any login may set its own password; the server is sent the verifier only."""
    from psycopg import sql

    conn = _raw(session)
    conn.execute(sql.SQL("ALTER ROLE CURRENT_USER PASSWORD {}").format(
        sql.Literal(scram_verifier(conn, username, new_password))))
