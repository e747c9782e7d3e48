"""The logged-in session: who acts, on which store, and the unit of work every service call runs in.

Each call opens a unit of work, checks the actor's permission, writes its audit events in the same
transaction as its change, commits, and returns plain frozen dataclasses, never live ORM objects.

Each call also checks that the acting account is still what it was at the login (one primary-key read in
the call's own transaction): a window left open by someone an administrator has since disabled, or whose
role was changed, stops at its next call with `SessionEnded`, and the window goes back to the login.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DatabaseError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hhdesk.db import engine as engines
from hhdesk.db.models import User
from hhdesk.db.postgres import server_refusal
from hhdesk.db.store import Store
from hhdesk.domain.enums import Role
from hhdesk.domain.permissions import Permission, allows, describe
from hhdesk.errors import PermissionDenied, SessionEnded, StaleSession, StorageProblem, UserError
from hhdesk.services import audit, record_versions


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    role: Role
    full_name: str

    def can(self, permission: Permission) -> bool:
        return allows(self.role, permission)


class UnitOfWork:
    """An ORM session in one transaction, plus the audit trail of what it did."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    def audit(self, action: str, entity: str = "", entity_id: Any = "", member_id: int | None = None,
              detail: str = "") -> None:
        audit.append(self.session, self.actor.username, action, entity, entity_id, member_id, detail)

    def audit_many(self, events: list[audit.PendingEvent]) -> None:
        audit.append_many(self.session, self.actor.username, events)


@dataclass
class AppSession:
    """What a login yields; the window and the CLI pass it to every service."""

    store: Store
    actor: Actor

    def require(self, permission: Permission) -> None:
        """The role allows it and the account is still active (for calls that act before their unit of work)."""
        self._require_role(permission)
        self.ensure_active()

    def ensure_active(self) -> None:
        """Raise SessionEnded if the account was disabled or its role changed since the login."""
        try:
            with self.store.read_session() as session:
                self._check_account(session)
        except OperationalError as exc:
            raise _storage_problem(exc) from None
        except DatabaseError:
            self._raise_if_rekeyed()
            raise

    def _require_role(self, permission: Permission) -> None:
        if not self.actor.can(permission):
            raise PermissionDenied(
                f"Your role ({self.actor.role.value.replace('_', ' ')}) may not {describe(permission)}. "
                "Ask a supervisor or administrator."
            )

    def _check_account(self, session: Session) -> None:
        # Core on the session's connection: a primary-key read, a fraction of a millisecond per call.
        found = session.connection().execute(
            select(User.disabled, User.role).where(User.id == self.actor.user_id)
        ).one_or_none()
        if found is None or found.disabled:
            raise SessionEnded(
                "An administrator has disabled your account, so this session has ended. "
                "Ask your administrator if you need access again."
            )
        if found.role != self.actor.role.value:
            raise SessionEnded("An administrator has changed your role: log in again to go on with your new role.")

    @contextmanager
    def work(self, permission: Permission | None) -> Iterator[UnitOfWork]:
        """A writing unit of work (BEGIN IMMEDIATE), committed when the block ends without error."""
        if permission is not None:
            self._require_role(permission)
        try:
            with self.store.write_session() as session:
                self._check_account(session)
                record_versions.act_as(session, self.actor.username)
                yield UnitOfWork(session, self.actor)
        except StaleDataError:
            raise record_versions.stale_save() from None
        except OperationalError as exc:
            raise _storage_problem(exc) from None
        except ProgrammingError as exc:  # on an agency's server: a privilege the server refused
            refusal = server_refusal(exc)
            if refusal is None:
                raise
            raise refusal from None
        except DatabaseError:
            self._raise_if_rekeyed()
            raise

    @contextmanager
    def read(self, permission: Permission | None) -> Iterator[Session]:
        """A read-only transaction; for reads that need no audit event (lists, searches)."""
        if permission is not None:
            self._require_role(permission)
        try:
            with self.store.read_session() as session:
                self._check_account(session)
                yield session
        except OperationalError as exc:
            raise _storage_problem(exc) from None
        except ProgrammingError as exc:  # on an agency's server: a privilege the server refused
            refusal = server_refusal(exc)
            if refusal is None:
                raise
            raise refusal from None
        except DatabaseError:
            self._raise_if_rekeyed()
            raise

    def _raise_if_rekeyed(self) -> None:
        """A window open across a rotate-key reads pages under its old key: say so, in one sentence."""
        if self.store.key_was_rotated():
            raise StaleSession(
                "An administrator changed the store's encryption key since you logged in. Log out and log in again; "
                "nothing was saved."
            ) from None

    def close(self) -> None:
        self.store.close()


def wait_for_other_writers(limit_seconds: float, report: Callable[[float], None] | None) -> None:
    """How long this process's writes wait for another window's or command's (an import), and whom they tell.

    ``report(seconds_waited)`` is called about once a second while waiting; past ``limit_seconds`` the call
    fails with one StorageProblem sentence.
    """
    engines.write_wait.limit_seconds = limit_seconds
    engines.write_wait.report = report


def storage_problem(exc: OperationalError) -> UserError:
    """The user's sentence for a driver error met while reading or writing (full disk, read-only, busy)."""
    return _storage_problem(exc)


def _storage_problem(exc: OperationalError) -> UserError:
    refusal = server_refusal(exc)
    if refusal is not None:
        return refusal
    text = str(exc.orig).lower() if exc.orig else str(exc).lower()
    if "full" in text:
        return StorageProblem("The disk is full: free some space and try again. Nothing was saved.")
    if "readonly" in text or "read-only" in text:
        return StorageProblem("The store's folder is read-only: nothing was saved. Check the folder's permissions.")
    if "locked" in text or "busy" in text:
        return StorageProblem("Another hhdesk window is saving; try again in a moment. Nothing was saved.")
    return StorageProblem("The store could not be written; nothing was saved. Run 'hhdesk verify'.")
