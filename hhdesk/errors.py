"""Errors a user can act on. Their messages are shown as they are, in the window and on the CLI.

A message says what happened and what to do, and never carries member data.
"""

from __future__ import annotations


class UserError(Exception):
    """An expected failure with a message for the user (CLI exit status 1)."""


class WrongPassword(UserError):
    pass


class UnknownUser(UserError):
    pass


class UserDisabled(UserError):
    pass


class UserLockedOut(UserError):
    pass


class NotAStore(UserError):
    pass


class StoreTooNew(UserError):
    pass


class StoreExists(UserError):
    pass


class KeySlotsMissing(UserError):
    pass


class PermissionDenied(UserError):
    pass


class NotFound(UserError):
    pass


class ValidationFailed(UserError):
    """Input broke a rule; `problems` lists each one for a form or an import report."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class StorageProblem(UserError):
    """The disk said no: full, read-only, or gone."""


class StoreDamaged(NotAStore):
    """The store file is damaged (empty, cut short or with a changed byte): restore a backup."""


class SessionEnded(UserError):
    """The account was disabled or its role changed since the login: the session must go back to the login."""


class StaleSession(UserError):
    """The store was re-keyed (rotate-key) since this session logged in: it must log in again."""
class InsecureConnection(UserError):
    """Agency mode: the connection to the server would not be verified TLS, or the certificate is wrong."""


class ServerUnreachable(StorageProblem):
    """Agency mode: the database server cannot be reached or refused the connection."""


class ChangedByOther(UserError):
    """Someone else saved the same record after this person opened it: their save was refused, nothing lost."""
