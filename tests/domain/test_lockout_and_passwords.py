"""The lockout rule replayed from recorded attempts, and the password strength rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.domain.lockout import LOCKOUT, MAX_FAILED_LOGINS, LockState, after_wrong_password, replay
from hhdesk.domain.passwords import password_problems

T0 = datetime(2026, 12, 31, 23, 58, tzinfo=UTC)  # a lock that runs over the year's end


def test_five_wrong_passwords_lock_for_five_minutes_then_the_count_starts_again() -> None:
    assert MAX_FAILED_LOGINS == 5
    times = [T0 + timedelta(seconds=i) for i in range(5)]
    state = replay(LockState(), times)
    assert state.is_locked(times[-1]) and state.locked_until == times[-1] + LOCKOUT
    assert state.locked_until.year == 2027
    assert not state.is_locked(times[-1] + LOCKOUT)
    assert replay(state, [times[-1] + LOCKOUT]).failed == 1


def test_attempts_during_a_lock_do_not_extend_it() -> None:
    locked = replay(LockState(), [T0] * 5)
    assert after_wrong_password(locked, T0 + timedelta(minutes=4)) == locked


@given(st.lists(st.integers(min_value=0, max_value=3600), max_size=40))
def test_a_lock_never_lasts_longer_than_five_minutes_after_the_last_attempt(offsets: list[int]) -> None:
    times = [T0 + timedelta(seconds=s) for s in sorted(offsets)]
    state = replay(LockState(), times)
    assert state.failed < MAX_FAILED_LOGINS
    if times:
        assert not state.is_locked(times[-1] + LOCKOUT + timedelta(seconds=1))


@pytest.mark.parametrize("password", ["password1234", "qwertyuiopas", "aaaaaaaaaaaaaaa", "123456789012"])
def test_guessable_passwords_are_refused_with_one_sentence(password: str) -> None:
    assert password_problems("maria", password) == [
        "That password is too easy to guess: use a phrase of four or more unrelated words."
    ]


@pytest.mark.parametrize("password", ["a steady hand on the tiller", "correct horse battery 1"])
def test_long_phrases_pass(password: str) -> None:
    assert password_problems("maria", password) == []


def test_a_very_long_password_is_estimated_without_error() -> None:
    assert password_problems("maria", "river stone " * 40 + "!") == []
