"""Accounts on an agency's server: each person is a PostgreSQL login role, managed through the same services.

`hhdesk.services.users` hands over to these when the session is on a server. They keep the same rules,
checks and audit events as the file's key slots; what changes is where the password lives: the server
gets a SCRAM-SHA-256 verifier made on this workstation, never the password (hhdesk.db.roles).
"""

from __future__ import annotations

from sqlalchemy import select

from hhdesk.db import postgres, roles
from hhdesk.db.models import User
from hhdesk.db.postgres import ServerStore
from hhdesk.domain.enums import Role
from hhdesk.domain.passwords import password_problems, username_problems
from hhdesk.domain.permissions import Permission
from hhdesk.errors import NotFound, ValidationFailed
from hhdesk.services.context import AppSession


def on_server(app: AppSession) -> bool:
    return isinstance(app.store, ServerStore)


def _check_new_password(username: str, password: str) -> None:
    problems = password_problems(username, password)
    if problems:
        raise ValidationFailed(problems[0], problems)


def _get(session, username: str) -> User:  # an ORM Session
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"There is no user named {username}.")
    return user


def add_user(app: AppSession, username: str, role: Role | str, password: str, full_name: str = "",
             phone: str = "", email: str = "") -> User:
    problems = username_problems(username) + roles.login_name_problems(username)
    problems += password_problems(username, password)
    try:
        role = Role(role)
    except ValueError:
        problems.append(f"Role must be one of: {', '.join(r.value for r in Role)}.")
    if problems:
        raise ValidationFailed(problems[0], problems)
    with app.work(Permission.MANAGE_USERS) as uow:
        exists = uow.session.execute(select(User.id).where(User.username == username)).first()
        if exists or roles.login_exists(uow.session, username):
            raise ValidationFailed(f"There is already a user named {username}.")
        user = User(username=username, full_name=full_name or username, role=role.value, phone=phone, email=email)
        uow.session.add(user)
        uow.session.flush()
        uow.audit("user_added", "user", username, detail=f"role {role.value}")
        roles.add_login(uow.session, username, password, role)
        return user


def change_role(session, username: str, role: Role) -> None:  # an ORM Session
    roles.change_login(session, username, role=role)


def change_own_password(app: AppSession, old_password: str, new_password: str) -> None:
    _check_new_password(app.actor.username, new_password)
    store = app.store
    assert isinstance(store, ServerStore)
    postgres.connect(store.address, app.actor.username, old_password).close()  # WrongPassword if not
    with app.work(None) as uow:
        uow.audit("password_changed", "user", app.actor.username)
        roles.change_own_password(uow.session, app.actor.username, new_password)
    store.password = new_password


def reset_password(app: AppSession, username: str, new_password: str) -> None:
    _check_new_password(username, new_password)
    with app.work(Permission.MANAGE_USERS) as uow:
        user = _get(uow.session, username)
        uow.audit("password_reset", "user", username)
        roles.change_login(uow.session, user.username, password=new_password)


def set_disabled(app: AppSession, username: str, disabled: bool, new_password: str | None = None) -> None:
    if username == app.actor.username and disabled:
        raise ValidationFailed("You cannot disable your own account.")
    if not disabled and not new_password:
        raise ValidationFailed("Enabling an account needs a new password for it.")
    if new_password:
        _check_new_password(username, new_password)
    with app.work(Permission.MANAGE_USERS) as uow:
        user = _get(uow.session, username)
        user.disabled = disabled
        uow.audit("user_disabled" if disabled else "user_enabled", "user", username)
        roles.change_login(uow.session, username, may_log_in=not disabled,
                           password=None if disabled else new_password)
