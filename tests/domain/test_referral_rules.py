"""Closed-loop referral rules: status moves, dates in order, follow-up, and the summary."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.domain.enums import ReferralCategory, ReferralStatus
from hhdesk.domain.errors import DomainError
from hhdesk.domain.referral_rules import (
    CLOSED_STATUSES,
    ReferralFacts,
    default_follow_up,
    is_waiting,
    next_allowed,
    referral_summary,
    validate_new_referral,
    validate_transition,
)

S = ReferralStatus
SENT_ON = date(2026, 3, 2)

ALLOWED = {
    (S.SENT, S.ACCEPTED),
    (S.SENT, S.DECLINED),
    (S.SENT, S.NO_RESPONSE),
    (S.ACCEPTED, S.COMPLETED),
    (S.ACCEPTED, S.DECLINED),
    (S.ACCEPTED, S.NO_RESPONSE),
}


def test_next_allowed():
    assert next_allowed(S.SENT) == (S.ACCEPTED, S.DECLINED, S.NO_RESPONSE)
    assert next_allowed(S.ACCEPTED) == (S.COMPLETED, S.DECLINED, S.NO_RESPONSE)
    for status in CLOSED_STATUSES:
        assert next_allowed(status) == ()


@pytest.mark.parametrize(("current", "new"), list(product(ReferralStatus, ReferralStatus)))
def test_exactly_the_allowed_moves_pass(current, new):
    def attempt():
        validate_transition(current, new, SENT_ON, SENT_ON, None)

    if (current, new) in ALLOWED:
        attempt()
        assert new in next_allowed(current)
    else:
        with pytest.raises(DomainError):
            attempt()


def test_a_declined_referral_cannot_be_completed():
    with pytest.raises(DomainError, match="A declined referral cannot be completed"):
        validate_transition(S.DECLINED, S.COMPLETED, date(2026, 3, 9), SENT_ON, date(2026, 3, 5))


def test_completion_needs_the_acceptance_first():
    with pytest.raises(DomainError, match="acceptance"):
        validate_transition(S.SENT, S.COMPLETED, date(2026, 3, 9), SENT_ON, None)


def test_going_back_names_the_choices():
    with pytest.raises(DomainError, match="can become completed, declined or no response"):
        validate_transition(S.ACCEPTED, S.SENT, date(2026, 3, 9), SENT_ON, date(2026, 3, 5))


def test_closed_referrals_stay_closed():
    with pytest.raises(DomainError, match="closed"):
        validate_transition(S.NO_RESPONSE, S.ACCEPTED, date(2026, 4, 1), SENT_ON, date(2026, 3, 20))


def test_dates_in_order():
    validate_transition(S.SENT, S.ACCEPTED, SENT_ON, SENT_ON, None)  # same day as sent
    validate_transition(S.ACCEPTED, S.COMPLETED, date(2026, 3, 5), SENT_ON, date(2026, 3, 5))  # same day
    with pytest.raises(DomainError, match="before the referral was sent"):
        validate_transition(S.SENT, S.ACCEPTED, date(2026, 3, 1), SENT_ON, None)
    with pytest.raises(DomainError, match="before the previous status change"):
        validate_transition(S.ACCEPTED, S.COMPLETED, date(2026, 3, 4), SENT_ON, date(2026, 3, 5))
    with pytest.raises(DomainError, match="future"):
        validate_transition(S.SENT, S.ACCEPTED, date(2026, 3, 11), SENT_ON, None, today=date(2026, 3, 10))


def test_new_referral_dates():
    validate_new_referral(SENT_ON, SENT_ON + timedelta(days=14), today=SENT_ON)
    validate_new_referral(SENT_ON, None, today=SENT_ON)
    with pytest.raises(DomainError, match="future"):
        validate_new_referral(SENT_ON, None, today=SENT_ON - timedelta(days=1))
    with pytest.raises(DomainError, match="follow-up date is before"):
        validate_new_referral(SENT_ON, SENT_ON - timedelta(days=1), today=SENT_ON)


def test_default_follow_up():
    assert default_follow_up(SENT_ON) == date(2026, 3, 16)
    assert default_follow_up(date(2026, 12, 25), 10) == date(2027, 1, 4)
    for bad in (0, -3, 366, True):
        with pytest.raises(DomainError):
            default_follow_up(SENT_ON, bad)


def facts(status, sent=SENT_ON, closed_on=None, category=ReferralCategory.HOUSING, agency="A", follow_up=None):
    return ReferralFacts(status, sent, category, agency, closed_on, follow_up)


def test_is_waiting_from_the_follow_up_date_on():
    referral = facts(S.SENT, follow_up=date(2026, 3, 16))
    assert not is_waiting(referral, date(2026, 3, 15))
    assert is_waiting(referral, date(2026, 3, 16))
    assert is_waiting(facts(S.ACCEPTED, follow_up=date(2026, 3, 16)), date(2026, 4, 1))
    for status in CLOSED_STATUSES:
        assert not is_waiting(facts(status, follow_up=date(2026, 3, 16)), date(2026, 4, 1))
    assert not is_waiting(facts(S.SENT), date(2027, 1, 1))


def test_summary_hand_worked():
    food, housing = ReferralCategory.FOOD, ReferralCategory.HOUSING
    referrals = [
        facts(S.COMPLETED, date(2026, 1, 1), date(2026, 1, 11), housing, "Shelter"),  # 10 days
        facts(S.DECLINED, date(2026, 1, 5), date(2026, 1, 9), housing, "Shelter"),  # 4 days
        facts(S.NO_RESPONSE, date(2026, 2, 1), date(2026, 3, 3), food, "Pantry"),  # 30 days
        facts(S.ACCEPTED, date(2026, 2, 10), date(2026, 2, 12), food, "Pantry"),  # open
        facts(S.SENT, date(2026, 3, 1), None, food, "Pantry"),  # open
        facts(S.COMPLETED, date(2026, 3, 1), None, food, "Pantry"),  # closed, date unknown: no median
    ]
    summary = referral_summary(referrals)
    overall = summary.overall
    assert (overall.total, overall.open, overall.closed, overall.completed) == (6, 2, 4, 2)
    assert overall.by_status == {S.SENT: 1, S.ACCEPTED: 1, S.COMPLETED: 2, S.DECLINED: 1, S.NO_RESPONSE: 1}
    assert overall.median_days_to_close == 10.0  # median of 4, 10, 30

    shelter = summary.by_agency["Shelter"]
    assert (shelter.total, shelter.closed, shelter.median_days_to_close) == (2, 2, 7.0)  # median of 4, 10
    pantry_food = summary.by_category[food]
    assert (pantry_food.total, pantry_food.open, pantry_food.median_days_to_close) == (4, 2, 30.0)
    assert set(summary.by_category) == {food, housing}


def test_summary_of_nothing():
    summary = referral_summary([])
    assert (summary.overall.total, summary.overall.median_days_to_close) == (0, None)
    assert summary.by_agency == {}


@given(st.lists(st.integers(0, 2), max_size=4), st.lists(st.integers(0, 5), min_size=4, max_size=4))
def test_any_walk_along_allowed_moves_with_dates_in_order_is_accepted(choices, gaps):
    status, last_change, day = S.SENT, None, SENT_ON
    for choice, gap in zip(choices, gaps, strict=False):
        options = next_allowed(status)
        if not options:
            break
        new = options[choice % len(options)]
        day = day + timedelta(days=gap)
        validate_transition(status, new, day, SENT_ON, last_change, today=day)
        status, last_change = new, day
    assert status in ReferralStatus
