"""Stores and accounts: creating a store, logging in, locking, users and their passwords, recovery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import DatabaseError, DBAPIError

from hhdesk.clock import AgencyClock, Clock
from hhdesk.db import crashpoints
from hhdesk.db.errors import storage_error
from hhdesk.db.keyfile import KEYFILE_UPGRADED
from hhdesk.db.models import Agency, AuditEvent, User
from hhdesk.db.store import ROTATION_RETRIES, Store
from hhdesk.domain.enums import Role
from hhdesk.domain.lockout import LOCKOUT, MAX_FAILED_LOGINS
from hhdesk.domain.passwords import password_problems, username_problems
from hhdesk.domain.permissions import Permission, secrets_for
from hhdesk.errors import (
    NotAStore,
    NotFound,
    SessionEnded,
    StaleSession,
    StorageProblem,
    UnknownUser,
    UserDisabled,
    UserError,
    UserLockedOut,
    ValidationFailed,
    WrongPassword,
)
from hhdesk.services import audit, audit_seals, server_accounts
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
    store, recovery = Store.create(path, admin_username, admin_password,
                                   tuple(sorted(secrets_for(Role.ADMIN))))
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


WRONG_NAME_OR_PASSWORD = ("Wrong user name or password. Check the spelling and Caps Lock, and try again "
                          f"(after {MAX_FAILED_LOGINS} wrong passwords in a row, an account waits "
                          f"{LOCKOUT.seconds // 60} minutes).")
"""The one answer to every refused login: a stranger must not learn from it whether a user name exists, is
disabled or is waiting out a lockout. The lockout is named as a rule, so its owner knows to wait."""


def login(path: Path, username: str, password: str, *, clock: Clock | None = None) -> AppSession:
    """Open the store as this user. Raises a UserError with a sentence for the user.

    An unknown user name, a wrong password, a disabled account and a locked-out one all get the same
    sentence, so that nobody learns from the login which user names exist (the audit log, written from the
    key file's queued events at the next login, still tells them apart).
    """
    for _attempt in range(ROTATION_RETRIES):
        try:
            store = Store.open(path, username, password)
        except (UnknownUser, WrongPassword) as exc:
            raise WrongPassword(WRONG_NAME_OR_PASSWORD) from exc
        except UserDisabled as exc:
            raise UserDisabled(WRONG_NAME_OR_PASSWORD) from exc
        except UserLockedOut as exc:
            raise UserLockedOut(WRONG_NAME_OR_PASSWORD) from exc
        try:
            app = _start_session(store, username, clock or AgencyClock())
        except (DatabaseError, NotAStore, StaleSession):
            # A rotate-key in another process re-keyed the store since our unlock: log in again.
            if not store.key_was_rotated():
                raise
            continue
        _seal_at_login(app)
        return app
    raise StorageProblem("The store's key is being changed right now. Try again in a minute.")


def _seal_at_login(app: AppSession) -> None:
    """An administrator's login seals the audit log, after writing into it whatever it found wrong."""
    if app.sealing_key is None:
        return
    try:
        app.seal_findings = audit_seals.check_and_seal(app, "login")
    except UserError as exc:  # the key file busy or re-keyed right now: the login goes on, unsealed this time
        app.seal_findings = [f"the audit log could not be sealed at this login ({exc})"]


def _start_session(store: Store, username: str, clock: Clock) -> AppSession:
    try:
        # The login's audit event needs the write lock: a long import elsewhere makes it wait (with the
        # policy of `context.wait_for_other_writers`), and any driver error becomes one sentence.
        events, through, refusals = store.keyfile.queued_events()
        with store.write_session() as session:
            user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
            _flag_a_second_upgrade(session, events)
            _append_queued_events(session, events, refusals)
            refused = user is None or user.disabled
            if refused:
                audit.append(session, username, "login_failed", "user", username, detail="disabled user")
            else:
                audit.append(session, username, "login", "user", username)
                actor = Actor(user.id, user.username, Role(user.role), user.full_name)
        # Only now that the events are committed may the key file forget them (a crash between: twice, not 0).
        store.keyfile.forget_events(through, refusals)
        _reconcile_slots(store, None if refused else actor)
        if not refused:
            _encrypt_clinical_text(store, actor.username)
        if refused:
            raise UserDisabled(WRONG_NAME_OR_PASSWORD)
    except DBAPIError as exc:
        store.close()
        problem = storage_error(exc, writing=True)
        if problem is None:
            raise
        raise problem from None
    except BaseException:
        store.close()
        raise
    return AppSession(store, actor, clock, sealing_key=audit_seals.sealing_key_of(store))


def _flag_a_second_upgrade(session, events: list[dict]) -> None:  # ORM Session
    """A key file in the format before the sealed lockout record is taken over once; a second time, someone
    rewrote it in the old format to escape the checks."""
    upgrade = next((e for e in events if e["action"] == KEYFILE_UPGRADED), None)
    if upgrade is None:
        return
    earlier = session.execute(select(AuditEvent.id).where(AuditEvent.action == KEYFILE_UPGRADED).limit(1)).first()
    if earlier is not None:
        audit.append(session, upgrade["username"], "keyfile_edited", "user", upgrade["username"],
                     detail="found at this login: the key file was rewritten in the format of an older hhdesk")


def _append_queued_events(session, events: list[dict], refusals: int) -> None:  # ORM Session
    for event in events:
        audit.append(session, event["username"], event["action"], "user", event["username"],
                     detail=event.get("detail", ""), at=event["at"])
    if refusals:
        audit.append(session, "hhdesk", "login_failed", "user", "",
                     detail=f"{refusals} more attempt(s) refused during a lock, counted but not itemised")


def _reconcile_slots(store: Store, actor: Actor | None) -> None:
    """Make the key file agree with the users table: no slot without an enabled user opens the store, and no
    slot holds a secret its user's role does not.

    A crash between a user change and its key-file change (or a key file from an older hhdesk) can leave a
    slot for a user who does not exist or is disabled, or a secret in the slot of someone whose role lost it;
    the first login after it closes that slot or withdraws that secret. Secrets are never *given* here from
    the users table (anyone holding the store key can edit a role in it): only an administrator's change
    gives one, except a secret the store does not have yet, which the first user whose role holds it creates,
    for every enabled user whose role holds it then. Done under the key file's lock, reading the users inside
    it, so a user being added right now is not touched.
    """
    repairs: list[tuple[str, str]] = []
    created: dict[str, bytes] = {}

    def repair(slots, record: bool) -> None:  # KeySlots
        found = _slot_repairs(slots, users, actor.role if actor else None)
        if record:
            repairs.extend(found[0])
            created.update(found[1])

    with store.keyfile.locked():
        with store.read_session() as session:
            rows = session.execute(select(User.username, User.disabled, User.role))
            users: dict[str, tuple[bool, str]] = {name: (disabled, role) for name, disabled, role in rows}
        dry_run = store.keyfile.load()
        repair(dry_run, record=False)
        if dry_run.to_text() != store.keyfile.load().to_text():
            store.keyfile.change(store.raw_key, lambda slots: repair(slots, record=True))
    for secret_name, secret in created.items():
        store.hold_secret(secret_name, secret)
    if created:
        crashpoints.reached("secrets:created")
    if repairs or created:
        with store.write_session() as session:
            for name, detail in repairs:
                audit.append(session, "hhdesk", "keyfile_repaired", "user", name, detail=detail)
            for secret_name in created:
                audit.append(session, actor.username if actor else "hhdesk", "store_secret_created", "store",
                             secret_name, detail=f"the {secret_name} key, held by the roles that may use it")


def _encrypt_clinical_text(store: Store, username: str) -> None:
    """The first session holding the clinical key after an upgrade encrypts the clinical text still plain
    (again at later logins if it was cut short: what was done stays done)."""
    count = store.encrypt_clinical_text()
    if count:
        with store.write_session() as session:
            audit.append(session, username, "clinical_text_encrypted", "store",
                         detail=f"{count} clinical text value(s) encrypted under the clinical key")


def _secrets_of(role: str) -> frozenset[str]:
    """The secrets of a role named in the users table (a name hhdesk does not know holds none)."""
    try:
        return frozenset(secrets_for(Role(role)))
    except ValueError:
        return frozenset()


def _slot_repairs(slots, users: dict[str, tuple[bool, str]],
                  creator_role: Role | None) -> tuple[list[tuple[str, str]], dict[str, bytes]]:
    repairs: list[tuple[str, str]] = []
    for name in slots.usernames():
        if name not in users:
            slots.remove(name)
            repairs.append((name, "key slot without a user removed"))
            continue
        disabled, role = users[name]
        if disabled and not slots.slots[name].disabled:
            slots.set_disabled(name, True)
            repairs.append((name, "key slot of a disabled user closed"))
        for secret_name in sorted(set(slots.slots[name].secrets) - _secrets_of(role)):
            slots.revoke(name, secret_name)
            repairs.append((name, f"the {secret_name} key withdrawn: the role {role} does not hold it"))
    created: dict[str, bytes] = {}
    for secret_name in sorted(secrets_for(creator_role) if creator_role else ()):
        if secret_name in slots.secret_ids:
            continue
        secret = slots.create_secret(secret_name)
        for name in slots.usernames():
            disabled, role = users[name]
            if not disabled and secret_name in _secrets_of(role):
                slots.grant(name, secret_name, secret)
        created[secret_name] = secret
    return repairs, created


def _held_for(store: Store, role: Role) -> dict[str, bytes]:
    """The secrets a user of `role` is given, out of those the acting user's session holds."""
    return {name: store.secrets[name] for name in secrets_for(role) if name in store.secrets}


def _give_role_secrets(store: Store, username: str, role: Role) -> None:
    """Make one slot hold exactly its role's secrets (those the acting administrator holds can be given)."""
    held = _held_for(store, role)

    def apply(slots) -> None:
        if username not in slots.slots:
            return
        for secret_name in set(slots.slots[username].secrets) - secrets_for(role):
            slots.revoke(username, secret_name)
        for secret_name, secret in held.items():
            if secret_name in slots.secret_ids:
                slots.grant(username, secret_name, secret)

    store.keyfile.change(store.raw_key, apply)


def logout(app: AppSession) -> None:
    with app.work(None) as uow:
        uow.audit("logout", "user", app.actor.username)
    app.close()


def record_lock(app: AppSession) -> None:
    with app.work(None) as uow:
        uow.audit("lock", "user", app.actor.username, detail="inactivity or by hand")


def unlock(app: AppSession, password: str) -> None:
    """The same user types their password again after a lock. Failures count toward the lockout.

    The key file is read afresh under its lock, never the copy loaded at login: a window open since the
    morning must not write back slots that an administrator has changed or re-keyed since.
    """
    try:
        raw_key = app.store.keyfile.unlock(app.actor.username, password).raw_key  # a wrong password counts first
    except UserDisabled:
        # The window goes back to the login, as at any other call of a disabled account's session.
        raise SessionEnded("An administrator has disabled your account, so this session has ended. "
                           "Ask your administrator if you need access again.") from None
    if raw_key != app.store.raw_key:
        raise StaleSession(
            "An administrator changed the store's encryption key since you logged in. Log out and log in again; "
            "nothing was lost."
        )
    app.ensure_active()
    events, through, refusals = app.store.keyfile.queued_events()
    with app.work(None) as uow:
        _append_queued_events(uow.session, events, refusals)
        uow.audit("unlock", "user", app.actor.username)
    app.store.keyfile.forget_events(through, refusals)


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
    app.require(Permission.MANAGE_USERS)
    # Read before the transaction: the key file's lock is never taken while holding the store's write lock.
    has_slot = username in app.store.keyfile.load().slots
    with app.work(Permission.MANAGE_USERS) as uow:
        exists = uow.session.execute(select(User.id).where(User.username == username)).first()
        if exists or has_slot:
            raise ValidationFailed(f"There is already a user named {username}.")
        user = User(username=username, full_name=full_name or username, role=role.value, phone=phone,
                    email=email)
        uow.session.add(user)
        uow.session.flush()
        uow.audit("user_added", "user", username, detail=f"role {role.value}")
        info = _info(user)
    # The user exists before their slot does: a crash in between leaves an account without a way in (an
    # administrator sets its password), never a slot that opens the store for nobody the program knows.
    crashpoints.reached("users-add:user-committed")
    held = _held_for(app.store, role)
    try:
        app.store.keyfile.change(app.store.raw_key,
                                 lambda slots: slots.reset_password(app.store.raw_key, username, password, held))
    except BaseException:
        with app.work(None) as uow:
            uow.session.execute(User.__table__.delete().where(User.username == username))
            uow.audit("user_add_undone", "user", username, detail="the key file could not be written")
        raise
    crashpoints.reached("users-add:slot-written")
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
        info = _info(user)
    if role is not None and not server_accounts.on_server(app):
        # After the commit: a crash in between leaves a demoted user's slot holding a secret, which the next
        # login withdraws, or a promoted one without it, which saving the role again gives.
        crashpoints.reached("role:user-committed")
        _give_role_secrets(app.store, username, info.role)
        crashpoints.reached("role:slot-written")
    return info


def change_own_password(app: AppSession, old_password: str, new_password: str) -> None:
    if server_accounts.on_server(app):
        return server_accounts.change_own_password(app, old_password, new_password)
    _check_new_password(app.actor.username, new_password)
    app.ensure_active()
    username, raw_key = app.actor.username, app.store.raw_key
    private_key = app.store.keyfile.check_current(raw_key).private_key_for(username, old_password)
    app.store.keyfile.change(raw_key, lambda slots: slots.set_password(username, new_password, private_key))
    with app.work(None) as uow:
        uow.audit("password_changed", "user", username)


def reset_password(app: AppSession, username: str, new_password: str) -> None:
    """An administrator sets a new password for someone (also re-enables a disabled account's key)."""
    if server_accounts.on_server(app):
        return server_accounts.reset_password(app, username, new_password)
    _check_new_password(username, new_password)
    with app.work(Permission.MANAGE_USERS) as uow:
        user = _get(uow.session, username)
        uow.audit("password_reset", "user", username)
    raw_key, held = app.store.raw_key, _held_for(app.store, Role(user.role))
    app.store.keyfile.change(raw_key,
                             lambda slots: slots.reset_password(raw_key, user.username, new_password, held))


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
        role = Role(user.role)
    # After the commit: a crash in between leaves the slot of a disabled user, which the next login closes.
    raw_key, held = app.store.raw_key, _held_for(app.store, role)
    if disabled:
        app.store.keyfile.change(raw_key, lambda slots: slots.set_disabled(username, True))
    else:
        app.store.keyfile.change(raw_key,
                                 lambda slots: slots.reset_password(raw_key, username, new_password or "", held))


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
            role = Role(user.role)
        # The recovery slot holds every secret, so the user gets back all that their role holds.
        raw_key, held = store.raw_key, _held_for(store, role)
        store.keyfile.change(raw_key, lambda slots: slots.reset_password(raw_key, username, new_password, held))
    finally:
        store.close()


def rotate_key(app: AppSession) -> None:
    app.require(Permission.ROTATE_KEY)
    app.store.rotate_key()
    with app.work(None) as uow:
        uow.audit("key_rotated", "store")
    audit_seals.check_and_seal(app, "rotate-key")


def _get(session, username: str) -> User:  # an ORM Session
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"There is no user named {username}.")
    return user


def _info(user: User) -> UserInfo:
    return UserInfo(user.id, user.username, user.full_name, Role(user.role), user.phone, user.email,
                    user.disabled, user.created_at)
