"""Showing errors to the user: expected ones in their own words, unexpected ones without a traceback.

A `UserError` carries a sentence written for the user (what happened, what to do); it is shown as it is.
Anything else is a bug: the user gets one calm sentence pointing at the log file, and the details go to
the log only (see `hhdesk.ui.logs` for what the log may hold).

Views call services inside `user_errors`, the one place that catches their failures and tells the user.

Every failure shown passes through `report`, so that is where a `SessionEnded` (the account was disabled
or its role changed while the window was open) is also announced on `session_events().account_ended`:
the main window listens and goes back to the login, whichever screen or dialog met it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from hhdesk.errors import SessionEnded, UserError, ValidationFailed
from hhdesk.ui.logs import log_file, log_unexpected


class SessionEvents(QObject):
    """Announces that the logged-in account may no longer work (see the module's docstring)."""

    account_ended = Signal(str)


_session_events: SessionEvents | None = None


def session_events() -> SessionEvents:
    global _session_events
    if _session_events is None:
        _session_events = SessionEvents()
    return _session_events


def user_message(exc: BaseException) -> str:
    """The sentence to show for an exception, in a dialog or an inline label."""
    if isinstance(exc, ValidationFailed) and len(exc.problems) > 1:
        return "\n".join(exc.problems)
    if isinstance(exc, UserError):
        return str(exc)
    return f"Something went wrong; the details are in the log file at {log_file()}."


def report(exc: BaseException, where: str = "") -> str:
    """Log an unexpected exception (never a UserError) and return the sentence to show for it."""
    if not isinstance(exc, UserError):
        log_unexpected(exc, where)
    if isinstance(exc, SessionEnded):
        # After the caller has shown or dropped its own message, not in the middle of its handler.
        message = str(exc)
        QTimer.singleShot(0, lambda: session_events().account_ended.emit(message))
    return user_message(exc)


def show_error(parent: QWidget | None, exc: BaseException, title: str = "hhdesk", *, where: str = "") -> None:
    """Tell the user about a failure in a message box; unexpected errors are logged first (with `where`)."""
    text = report(exc, where)
    if isinstance(exc, SessionEnded):
        return  # the login window says it; no box over a window that is closing
    if isinstance(exc, UserError):
        QMessageBox.warning(parent, title, text)
    else:
        QMessageBox.critical(parent, title, text)


@dataclass
class Attempt:
    """How a `user_errors` block went: whether it failed, and the sentence said for it."""

    failed: bool = False
    message: str = ""
    error: Exception | None = None  # what failed, for a caller that reacts to one kind (a save someone beat)


@contextmanager
def user_errors(show: QWidget | Callable[[str], object] | None, where: str = "") -> Iterator[Attempt]:
    """Call services in the block; if one fails, tell the user and go on after the block::

        with user_errors(self.message.show_error, "saving a profile") as attempt:
            members.update_member(self.app, member_id, details)
        if attempt.failed:
            return False

    ``show`` says where the sentence goes: a widget gets a message box (`show_error`); a function is handed the
    sentence (an inline label's ``show_error``); None says it nowhere, and the caller uses ``attempt.message``.
    A bug is logged either way (`report`, with ``where``). KeyboardInterrupt and SystemExit are not caught.
    """
    attempt = Attempt()
    try:
        yield attempt
    except Exception as exc:
        attempt.failed = True
        attempt.error = exc
        if isinstance(show, QWidget):
            attempt.message = user_message(exc)
            show_error(show, exc, where=where)
            return
        attempt.message = report(exc, where)
        if show is not None:
            show(attempt.message)


def install_excepthook() -> None:
    """Route exceptions escaping Qt slots to `show_error` instead of a traceback on stderr."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if not issubclass(kind, Exception):  # KeyboardInterrupt, SystemExit: no failure to show the user
            sys.__excepthook__(kind, exc, tb)
            return
        show_error(None, exc.with_traceback(tb))

    sys.excepthook = hook
