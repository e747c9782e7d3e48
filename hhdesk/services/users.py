"""Stores and accounts: creating a store, logging in, locking, users and their passwords, recovery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from hhdesk.db.models import Agency, User
from hhdesk.db.store import Store
from hhdesk.domain.enums import Role
from hhdesk.domain.passwords import password_problems, username_problems
from hhdesk.domain.permissions import Permission
from hhdesk.errors import NotFound, UserDisabled, ValidationFailed
from hhdesk.services import audit, server_accounts
from hhdesk.services.context import Actor, AppSession
from hhdesk.services.settings import AgencyInfo


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    full_name: str
    role: Role
    phone: str
    email: str
    disabled: bool
    created_at: datetime


def _check_new_password(username: str, password: str) -> None:
    problems = password_problems(username, password)
    if problems:
        raise ValidationFailed(problems[0], problems)


def create_store(path: Path, agency: AgencyInfo, admin_username: str, admin_password: str,
                 admin_full_name: str = "", *, admin_email: str = "", detail: str = "",
                 enforce_password_rule: bool = True) -> str:
    """A new store with its agency and first admin. Returns the recovery key (shown once).

    Only the demo store turns the password rule off: its published password contains its username.
    """
    problems = username_problems(admin_username)
    if enforce_password_rule:
        problems += password_problems(admin_username, admin_password)
    if not agency.name.strip():
        problems.append("The agency needs a name.")
    if problems:
        raise ValidationFailed(problems[0], problems)
    store, recovery = Store.create(path, admin_username, admin_password)
    try:
        with store.write_session() as session:
            session.add(Agency(**{k: v.strip() for k, v in agency.__dict__.items()}))
            session.add(User(username=admin_username, full_name=admin_full_name or admin_username,
                             role=Role.ADMIN.value, email=admin_email))
            audit.append(session, admin_username, "store_created", "store", detail=detail)
            audit.append(session, admin_username, "user_added", "user", admin_username, detail="role admin")
    finally:
        store.close()
    return recovery


def login(path: Path, username: str, password: str) -> AppSession:
    """Open the store as this user. Raises a UserError with a sentence for the user."""
    store = Store.open(path, username, password)
    try:
        with store.write_session() as session:
            user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
            for event in store.keyslots.take_pending_events():
                audit.append(session, event["username"], event["action"], "user", event["username"],
                             detail=event.get("detail", ""), at=event["at"])
            if user is None or user.disabled:
                audit.append(session, username, "login_failed", "user", username, detail="disabled user")
                raise UserDisabled("This account is disabled. Ask your administrator to enable it.")
            audit.append(session, username, "login", "user", username)
            actor = Actor(user.id, user.username, Role(user.role), user.full_name)
    except BaseException:
        store.close()
        raise
    return AppSession(store, actor)


def logout(app: AppSession) -> None:
    with app.work(None) as uow:
        uow.audit("logout", "user", app.actor.username)
    app.close()


def record_lock(app: AppSession) -> None:
    with app.work(None) as uow:
        uow.audit("lock", "user", app.actor.username, detail="inactivity or by hand")


def unlock(app: AppSession, password: str) -> None:
    """The same user types their password again after a lock. Failures count toward the lockout."""
    app.store.keyslots.unlock(app.actor.username, password)
    with app.work(None) as uow:
        for event in app.store.keyslots.take_pending_events():
            audit.append(uow.session, event["username"], event["action"], "user", event["username"],
                         detail=event.get("detail", ""), at=event["at"])
        uow.audit("unlock", "user", app.actor.username)


def list_users(app: AppSession) -> list[UserInfo]:
    with app.read(None) as session:
        users = session.execute(select(User).order_by(User.username)).scalars()
        return [_info(u) for u in users]


def care_managers(app: AppSession) -> list[UserInfo]:
    """Staff who can hold a caseload (care managers and supervisors), enabled ones only."""
    return [u for u in list_users(app) if not u.disabled and u.role in (Role.CARE_MANAGER, Role.SUPERVISOR)]


def add_user(app: AppSession, username: str, role: Role | str, password: str, full_name: str = "",
             phone: str = "", email: str = "") -> UserInfo:
    if server_accounts.on_server(app):
        return _info(server_accounts.add_user(app, username, role, password, full_name, phone, email))
    problems = username_problems(username) + password_problems(username, password)
    try:
        role = Role(role)
    except ValueError:
        problems.append(f"Role must be one of: {', '.join(r.value for r in Role)}.")
    if problems:
        raise ValidationFailed(problems[0], problems)
    with app.work(Permission.MANAGE_USERS) as uow:
        exists = uow.session.execute(select(User.id).where(User.username == username)).first()
        if exists or username in app.store.keyslots.slots:
            raise ValidationFailed(f"There is already a user named {username}.")
        user = User(username=username, full_name=full_name or username, role=role.value, phone=phone,
                    email=email)
        uow.session.add(user)
        uow.session.flush()
        uow.audit("user_added", "user", username, detail=f"role {role.value}")
        info = _info(user)
        app.store.keyslots.add_user(app.store.raw_key, username, password)
    return info


def update_user(app: AppSession, username: str, *, role: Role | str | None = None, full_name: str | None = None,
                phone: str | None = None, email: str | None = None) -> UserInfo:
    with app.work(Permission.MANAGE_USERS) as uow:
        user = _get(uow.session, username)
        changed = []
        if role is not None and Role(role).value != user.role:
            if user.username == app.actor.username and Role(role) != Role.ADMIN:
                raise ValidationFailed("You cannot take away your own administrator role.")
            user.role = Role(role).value
            changed.append(f"role {user.role}")
            if server_accounts.on_server(app):
                server_accounts.change_role(uow.session, username, Role(role))
        for attr, value in (("full_name", full_name), ("phone", phone), ("email", email)):
            if value is not None and value != getattr(user, attr):
                setattr(user, attr, value)
                changed.append(attr)
        uow.audit("user_changed", "user", username, detail=", ".join(changed))
        return _info(user)


def change_own_password(app: AppSession, old_password: str, new_password: str) -> None:
    if server_accounts.on_server(app):
        return server_accounts.change_own_password(app, old_password, new_password)
    _check_new_password(app.actor.username, new_password)
    private_key = app.store.keyslots.private_key_for(app.actor.username, old_password)
    with app.work(None) as uow:
        uow.audit("password_changed", "user", app.actor.username)
        app.store.keyslots.set_password(app.actor.username, new_password, private_key)


def reset_password(app: AppSession, username: str, new_password: str) -> None:
    """An administrator sets a new password for someone (also re-enables a disabled account's key)."""
    if server_accounts.on_server(app):
        return server_accounts.reset_password(app, username, new_password)
    _check_new_password(username, new_password)
    with app.work(Permission.MANAGE_USERS) as uow:
        user = _get(uow.session, username)
        uow.audit("password_reset", "user", username)
        app.store.keyslots.reset_password(app.store.raw_key, user.username, new_password)


def set_disabled(app: AppSession, username: str, disabled: bool, new_password: str | None = None) -> None:
    if server_accounts.on_server(app):
        return server_accounts.set_disabled(app, username, disabled, new_password)
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
        if disabled:
            app.store.keyslots.set_disabled(username, True)
        else:
            app.store.keyslots.reset_password(app.store.raw_key, username, new_password or "")


def recover(path: Path, recovery_key: str, username: str, new_password: str) -> None:
    """Emergency access: the printed recovery key sets a new password for a user (usually the admin)."""
    _check_new_password(username, new_password)
    store = Store.open_with_recovery(path, recovery_key)
    try:
        with store.write_session() as session:
            user = _get(session, username)
            user.disabled = False
            audit.append(session, "recovery-key", "password_reset", "user", username,
                         detail="with the recovery key")
            store.keyslots.reset_password(store.raw_key, username, new_password)
    finally:
        store.close()


def rotate_key(app: AppSession) -> None:
    app.require(Permission.ROTATE_KEY)
    app.store.rotate_key()
    with app.work(None) as uow:
        uow.audit("key_rotated", "store")


def _get(session, username: str) -> User:  # noqa: ANN001 - an ORM Session
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"There is no user named {username}.")
    return user


def _info(user: User) -> UserInfo:
    return UserInfo(user.id, user.username, user.full_name, Role(user.role), user.phone, user.email,
                    user.disabled, user.created_at)
