"""The login lockout rule: five wrong passwords in a row lock an account for five minutes.

The state of an account is never trusted as a stored number. It is replayed from the state sealed at the last
successful login plus the wrong-password attempts recorded since, so editing a counter in the key file by
hand changes nothing; only removing recorded attempts would, and that leaves gaps that the next successful
login detects (hhdesk/db/keyslots.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=5)


@dataclass(frozen=True)
class LockState:
    """Wrong passwords in a row since the last success or lock, and the end of the current lock if any."""

    failed: int = 0
    locked_until: datetime | None = None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    def minutes_left(self, now: datetime) -> int:
        if self.locked_until is None:
            return 0
        return max(1, int((self.locked_until - now).total_seconds() // 60) + 1)


def after_wrong_password(state: LockState, at: datetime) -> LockState:
    """One more wrong password at `at` (an attempt refused during a lock does not count: no guess ran)."""
    if state.is_locked(at):
        return state
    failed = state.failed + 1
    if failed >= MAX_FAILED_LOGINS:
        return LockState(0, at + LOCKOUT)
    return LockState(failed, state.locked_until)


def replay(start: LockState, wrong_password_times: Iterable[datetime]) -> LockState:
    """The state after these wrong passwords, in the order they happened."""
    state = start
    for at in wrong_password_times:
        state = after_wrong_password(state, at)
    return state
