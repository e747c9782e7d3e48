"""Moving up: copying a single-workstation store into an agency's new PostgreSQL database.

Every row of every table goes across with its id, in one transaction on the server: the schema, the group
roles, the rows, a login role per user, then the audit chain verified on arrival and every table's row
count compared with the file's; only then does it commit, so a failed import leaves the database empty.
A database that already holds an agency (or anything) is refused, as `hhdesk init` refuses it.

Users come across with their roles, but passwords cannot: a store keeps no password, only key slots that a
password opens. The administrator who runs the import keeps theirs (they typed it to open the store); every
other user arrives without a server password, so nobody can log in as them until the administrator sets a
temporary one (Users → Reset password, or `hhdesk users passwd`), which the server receives as a verifier
only. Disabled users stay disabled. The store file itself is left as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hhdesk.db import postgres, roles, server_copy
from hhdesk.db.models import User
from hhdesk.db.postgres import ServerAddress
from hhdesk.domain.enums import Role
from hhdesk.errors import PermissionDenied, StoreExists, UserError, ValidationFailed
from hhdesk.services import audit, users
from hhdesk.services.agency import check_empty_database, setup_engine

ProgressCallback = Callable[[str, int], None]


@dataclass(frozen=True)
class ImportReport:
    rows: int
    tables: int
    audit_events: int
    users_without_password: tuple[str, ...]


@dataclass(frozen=True)
class _Person:
    username: str
    role: Role
    disabled: bool


def import_store(store_path: Path, username: str, password: str, address: ServerAddress, setup_user: str,
                 setup_password: str, progress: ProgressCallback | None = None, *,
                 known_passwords: dict[str, str] | None = None) -> ImportReport:
    """Copy the store into the empty database at ``address``; ``username`` is one of the store's administrators.

    ``known_passwords``: users whose password the caller knows (the demo's published staff password); they
    get it on the server too, instead of arriving without one.
    """
    app = users.login(store_path, username, password)
    try:
        if app.actor.role is not Role.ADMIN:
            raise PermissionDenied("Only an administrator of the store may move it to a server.")
        with app.read(None) as session:
            chain = audit.verify_chain(session)
            people = [_Person(row.username, Role(row.role), row.disabled) for row in
                      session.execute(select(User.username, User.role, User.disabled).order_by(User.id))]
        if not chain.ok:
            raise ValidationFailed(f"The store's audit log is broken ({chain.problem}), so it is not moved: run "
                                   "'hhdesk verify' and restore a backup first. Nothing was copied.")
        problems = [f"{person.username}: {problem}" for person in people
                    for problem in roles.login_name_problems(person.username)]
        if problems:
            raise ValidationFailed("Some usernames cannot be server logins: " + "; ".join(problems), problems)
        with (setup_engine(address, setup_user, setup_password, "the import") as engine,
              engine.begin() as target, app.store.read_session() as source):
            report = _copy(source, target, address, setup_user, {**(known_passwords or {}), username: password},
                           people, progress)
    finally:
        app.close()
    return report


def _copy(source: Session, target, address: ServerAddress, setup_user: str,
          passwords: dict[str, str], people: list[_Person], progress: ProgressCallback | None) -> ImportReport:
    raw = target.connection.dbapi_connection
    check_empty_database(raw, address, setup_user)
    for person in people:
        if roles.role_exists(raw, person.username):
            raise StoreExists(f"The server already has a role named {person.username}, a user of this store: "
                              "remove that role or use another server. Nothing was changed.")
    postgres.migrate_in(target)
    roles.create_groups(raw, address.database)
    roles.create_account_functions(raw, address.database)
    expected = server_copy.row_counts(source.connection())
    copied = server_copy.copy_tables(source.connection(), target, progress)
    without_password = []
    for person in people:
        if person.username in passwords and not person.disabled:
            roles.create_login(raw, address.database, person.username, passwords[person.username], person.role)
        else:
            roles.create_login_without_password(raw, address.database, person.username, person.role,
                                                may_log_in=not person.disabled)
            if not person.disabled:
                without_password.append(person.username)
    arrived = server_copy.row_counts(target)
    if arrived != expected or copied != expected:
        missing = sorted(name for name in expected if arrived.get(name) != expected[name])
        raise UserError(f"The copy on the server does not hold every row ({', '.join(missing)}); nothing was "
                        "changed.")
    with Session(bind=target) as session:
        chain = audit.verify_chain(session)
        if not chain.ok:
            raise UserError(f"The audit log did not arrive intact ({chain.problem}); nothing was changed.")
        audit.append(session, setup_user, "store_imported", "store",
                     detail=f"from a store file: {sum(expected.values())} rows in {len(expected)} tables, "
                            f"{len(people)} users")
        session.flush()
    return ImportReport(sum(expected.values()), len(expected), chain.events, tuple(without_password))
