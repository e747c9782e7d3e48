"""Agency mode: setting up an agency in an empty PostgreSQL database, and logging in to it.

Everyone logs in to the server as themselves; the server knows their group, so it enforces what the
services enforce (hhdesk.db.roles). The rest of the services run unchanged on the session this returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hhdesk.clock import AgencyClock, Clock
from hhdesk.db import postgres, roles
from hhdesk.db.models import Agency, User
from hhdesk.db.postgres import ServerAddress, ServerStore, is_server_url
from hhdesk.domain.enums import Role
from hhdesk.domain.passwords import password_problems, username_problems
from hhdesk.errors import StoreExists, UserDisabled, UserError, ValidationFailed
from hhdesk.services import audit, workstation_join
from hhdesk.services.context import Actor, AppSession
from hhdesk.services.settings import AgencyInfo
from hhdesk.services.users import WRONG_NAME_OR_PASSWORD

__all__ = ["ServerAddress", "create_agency", "is_server_url", "login"]


def create_agency(address: ServerAddress, setup_user: str, setup_password: str, agency: AgencyInfo,
                  admin_username: str, admin_password: str, admin_full_name: str = "") -> None:
    """Create the schema, the group roles and the first administrator's login in an empty database.

    ``setup_user`` is a PostgreSQL role allowed to create roles (it owns the tables; no hhdesk user
    does, so no hhdesk user can switch the audit log's triggers off). All of it is one transaction:
    on any failure the database and the server's roles are left as they were.
    """
    problems = setup_problems(agency, admin_username, admin_password)
    if not address.database:
        problems.append("The server address names no database: end it with /DATABASE-NAME.")
    if problems:
        raise ValidationFailed(problems[0], problems)
    with setup_engine(address, setup_user, setup_password, "to set up the agency") as engine:
        _set_up(engine, address, setup_user, agency, admin_username, admin_password, admin_full_name)


def setup_problems(agency: AgencyInfo, admin_username: str, admin_password: str) -> list[str]:
    """What is wrong with a new agency's name and first administrator, before anything is created."""
    problems = username_problems(admin_username) + roles.login_name_problems(admin_username)
    problems += password_problems(admin_username, admin_password)
    if not agency.name.strip():
        problems.append("The agency needs a name.")
    return problems


@contextmanager
def setup_engine(address: ServerAddress, setup_user: str, setup_password: str, doing: str) -> Iterator[Engine]:
    """An engine as the set-up role for one job in an empty database; what the server says no to becomes one
    line of its reason ("The server refused to set up the agency (…); nothing was changed.")."""
    engine = postgres.make_engine(address, setup_user, setup_password)
    try:
        yield engine
    except UserError:
        raise
    except Exception as exc:
        reason = postgres.server_error_reason(exc)
        if reason is None:
            raise
        raise UserError(f"The server refused {doing} ({reason}); nothing was changed.") from None
    finally:
        engine.dispose()


def _set_up(engine: Engine, address: ServerAddress, setup_user: str, agency: AgencyInfo, admin_username: str,
            admin_password: str, admin_full_name: str) -> None:
    with engine.begin() as connection:
        raw = connection.connection.dbapi_connection
        _check_setup_role(raw, address, setup_user, admin_username)
        postgres.migrate_in(connection)
        roles.create_groups(raw, address.database)
        roles.create_account_functions(raw, address.database)
        roles.create_login(raw, address.database, admin_username, admin_password, Role.ADMIN)
        with Session(bind=connection) as session:
            session.add(Agency(**{k: v.strip() for k, v in agency.__dict__.items()}))
            session.add(User(username=admin_username, full_name=admin_full_name or admin_username,
                             role=Role.ADMIN.value))
            audit.append(session, setup_user, "store_created", "store", detail="agency database")
            audit.append(session, setup_user, "user_added", "user", admin_username, detail="role admin")
            session.flush()


def _check_setup_role(raw, address: ServerAddress, setup_user: str, admin_username: str) -> None:
    check_empty_database(raw, address, setup_user)
    if admin_username in {roles.group_role(address.database, role) for role in Role}:
        raise ValidationFailed(f"{admin_username} is the name of one of the agency's group roles on the server: "
                               "choose another username for the administrator.")
    if roles.role_exists(raw, admin_username):
        raise StoreExists(f"The server already has a role named {admin_username}: choose another username "
                          "for the administrator.")


def check_empty_database(raw, address: ServerAddress, setup_user: str) -> None:
    """Refuse a database that holds an agency or anything else, a set-up role that may not create roles, and
    group roles left from an earlier agency of the same database name."""
    tables = raw.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
    ).fetchone()[0]
    if postgres.schema_revision(raw) is not None:
        raise StoreExists(f"The database at {address.display} already holds an hhdesk agency; nothing was "
                          "changed.")
    if tables:
        raise StoreExists(f"The database at {address.display} is not empty ({tables} tables and other "
                          "objects): give hhdesk a new, empty database; nothing was changed.")
    may = raw.execute("SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = session_user").fetchone()
    if not may or not may[0]:
        raise UserError(f"The server role {setup_user} may not create roles, which setting up an agency "
                        "needs: connect as a role with CREATEROLE (or the server's administrator).")
    for role in Role:
        if roles.role_exists(raw, roles.group_role(address.database, role)):
            raise StoreExists(f"The server already has the role {roles.group_role(address.database, role)} "
                              "from an earlier agency of this name; remove it or use another database name.")


def login(address: ServerAddress, username: str, password: str, *, clock: Clock | None = None) -> AppSession:
    """Log in to the agency's server as this person. Raises a UserError with a sentence for the user.

    On a joined host the session finds the host again if its address changes (`workstation_join.HostFinder`)."""
    store = ServerStore.open(address, username, password, find_again=workstation_join.finder_for(address))
    try:
        with store.write_session() as session:
            user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
            allowed = user is not None and not user.disabled
            audit.append(session, username, "login" if allowed else "login_failed", "user", username,
                         detail="" if allowed else "disabled user")
            actor = Actor(user.id, user.username, Role(user.role), user.full_name) if allowed else None
        if actor is None:  # after the commit, so the failed login stays in the audit log
            raise UserDisabled(WRONG_NAME_OR_PASSWORD)
    except BaseException:
        store.close()
        raise
    return AppSession(store, actor, clock or AgencyClock())  # type: ignore[arg-type]  # ServerStore has Store's session interface
