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
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hhdesk.clock import AgencyClock, Clock
from hhdesk.db import engine as engines
from hhdesk.db.errors import Fault, classify, sentence
from hhdesk.db.models import User
from hhdesk.db.store import Store
from hhdesk.domain.enums import Role
from hhdesk.domain.permissions import Permission, allows, describe
from hhdesk.errors import PermissionDenied, SessionEnded, StaleSession
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

    def __init__(self, session: Session, actor: Actor, clock: Clock) -> None:
        self.session = session
        self.actor = actor
        self.clock = clock

    def audit(self, action: str, entity: str = "", entity_id: Any = "", member_id: int | None = None,
              detail: str = "") -> None:
        audit.append(self.session, self.actor.username, action, entity, entity_id, member_id, detail)

    def audit_many(self, events: list[audit.PendingEvent]) -> None:
        audit.append_many(self.session, self.actor.username, events)


@dataclass
class AppSession:
    """What a login yields; the window and the CLI pass it to every service.

    ``clock`` is the one clock every rule that depends on the day reads (tests hand the session a
    `FixedClock`); the window and the CLI give the login the real one.
    """

    store: Store
    actor: Actor
    clock: Clock = field(default_factory=AgencyClock)
    # The audit log's sealing key, opened from an administrator's key slot at the login; None for everyone else.
    sealing_key: Ed25519PrivateKey | None = field(default=None, repr=False)
    # What an administrator's login found wrong with the audit log against its newest seal (written into the
    # log before the new seal), or that it could not seal.
    seal_findings: list[str] = field(default_factory=list)

    def require(self, permission: Permission) -> None:
        """The role allows it and the account is still active (for calls that act before their unit of work)."""
        self._require_role(permission)
        self.ensure_active()

    def ensure_active(self) -> None:
        """Raise SessionEnded if the account was disabled or its role changed since the login."""
        try:
            with self.store.read_session() as session:
                self._check_account(session)
        except DBAPIError as exc:
            self._raise_for_environment(exc, writing=False)
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
                yield UnitOfWork(session, self.actor, self.clock)
        except StaleDataError:
            raise record_versions.stale_save() from None
        except DBAPIError as exc:
            self._raise_for_environment(exc, writing=True)
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
        except DBAPIError as exc:
            self._raise_for_environment(exc, writing=False)
            raise

    def _raise_for_environment(self, exc: DBAPIError, *, writing: bool) -> None:
        """Raise the user's sentence for a full disk, a lost server and the like; return for a bug.

        A bug (a wrong query, a broken constraint) goes on as it is: the window logs its type and frames and
        says "something went wrong", rather than blaming the disk.
        """
        fault = classify(exc)
        if fault is None:
            return
        if fault is Fault.DAMAGED and self.store.key_was_rotated():
            # A window open across a rotate-key reads pages under its old key: say so, in one sentence.
            raise StaleSession(
                "An administrator changed the store's encryption key since you logged in. Log out and log in again; "
                "nothing was saved."
            ) from None
        raise sentence(fault, writing=writing) from None

    def close(self) -> None:
        self.store.close()


def wait_for_other_writers(limit_seconds: float, report: Callable[[float], None] | None) -> None:
    """How long this process's writes wait for another window's or command's (an import), and whom they tell.

    ``report(seconds_waited)`` is called about once a second while waiting; past ``limit_seconds`` the call
    fails with one StorageProblem sentence.
    """
    engines.write_wait.limit_seconds = limit_seconds
    engines.write_wait.report = report
