"""The logged-in session: who acts, on which store, and the unit of work every service call runs in.

Each call opens a unit of work, checks the actor's permission, writes its audit events in the same
transaction as its change, commits, and returns plain frozen dataclasses, never live ORM objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from hhdesk.db.postgres import server_refusal
from hhdesk.db.store import Store
from hhdesk.domain.enums import Role
from hhdesk.domain.permissions import Permission, allows, describe
from hhdesk.errors import PermissionDenied, StorageProblem, UserError
from hhdesk.services import audit


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
        if not self.actor.can(permission):
            raise PermissionDenied(
                f"Your role ({self.actor.role.value.replace('_', ' ')}) may not {describe(permission)}. "
                "Ask a supervisor or administrator."
            )

    @contextmanager
    def work(self, permission: Permission | None) -> Iterator[UnitOfWork]:
        """A writing unit of work (BEGIN IMMEDIATE), committed when the block ends without error."""
        if permission is not None:
            self.require(permission)
        try:
            with self.store.write_session() as session:
                yield UnitOfWork(session, self.actor)
        except OperationalError as exc:
            raise _storage_problem(exc) from None
        except ProgrammingError as exc:  # on an agency's server: a privilege the server refused
            refusal = server_refusal(exc)
            if refusal is None:
                raise
            raise refusal from None

    @contextmanager
    def read(self, permission: Permission | None) -> Iterator[Session]:
        """A read-only transaction; for reads that need no audit event (lists, searches)."""
        if permission is not None:
            self.require(permission)
        try:
            with self.store.read_session() as session:
                yield session
        except OperationalError as exc:
            raise _storage_problem(exc) from None
        except ProgrammingError as exc:  # on an agency's server: a privilege the server refused
            refusal = server_refusal(exc)
            if refusal is None:
                raise
            raise refusal from None

    def close(self) -> None:
        self.store.close()


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
