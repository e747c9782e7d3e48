"""The worklist's triage order: transitions first, then overdue, due this week, later; kind, then deadline."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.domain.worklist_rules import KIND_ORDER, Urgency, WorkKind, rank, urgency

NOW = datetime(2026, 12, 31, 16, 0)  # the last day of a year: "this week" crosses into January
K = WorkKind


@pytest.mark.parametrize(("kind", "due", "expected"), [
    (K.CHECKLIST_ITEM, NOW - timedelta(days=3), Urgency.TRANSITION),
    (K.CHECKLIST_ITEM, NOW + timedelta(hours=20), Urgency.TRANSITION),
    (K.CARE_PLAN_REVIEW, NOW - timedelta(days=1452), Urgency.OVERDUE),
    (K.REFERRAL_FOLLOW_UP, NOW - timedelta(minutes=1), Urgency.OVERDUE),
    (K.REFERRAL_FOLLOW_UP, NOW, Urgency.DUE_THIS_WEEK),  # due now is not yet late
    (K.MONTHLY_CONTACTS, datetime(2026, 12, 31, 23, 59, 59), Urgency.DUE_THIS_WEEK),
    (K.CARE_PLAN_REVIEW, NOW + timedelta(days=7), Urgency.DUE_THIS_WEEK),
    (K.CARE_PLAN_REVIEW, NOW + timedelta(days=7, seconds=1), Urgency.LATER),
    (K.MONTHLY_CONTACTS, datetime(2027, 1, 31, 23, 59, 59), Urgency.LATER),
])
def test_the_group_of_each_kind_of_work(kind: WorkKind, due: datetime, expected: Urgency) -> None:
    assert urgency(kind, due, NOW) is expected


def test_a_discharge_call_due_in_two_days_comes_before_a_review_years_overdue() -> None:
    call = (K.CHECKLIST_ITEM, NOW + timedelta(hours=48), "Member contacted within 48 hours")
    review = (K.CARE_PLAN_REVIEW, NOW - timedelta(days=1452), "Review the care plan")
    month = (K.MONTHLY_CONTACTS, NOW + timedelta(hours=8), "No qualifying contact this month")
    follow_up = (K.REFERRAL_FOLLOW_UP, NOW - timedelta(days=2), "Follow up the housing referral")
    ordered = sorted([review, month, follow_up, call], key=lambda w: rank(w[0], w[1], NOW, "", w[2]))
    assert [w[0] for w in ordered] == [K.CHECKLIST_ITEM, K.REFERRAL_FOLLOW_UP, K.CARE_PLAN_REVIEW,
                                       K.MONTHLY_CONTACTS]


moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31))
work = st.tuples(st.sampled_from(list(WorkKind)), moments, st.sampled_from(["Ames", "Núñez", "Zhou"]))


@given(st.lists(work, min_size=2, max_size=30), moments)
def test_the_order_is_by_group_then_kind_then_deadline(items: list, now: datetime) -> None:
    ordered = sorted(items, key=lambda w: rank(w[0], w[1], now, w[2]))
    keys = [(urgency(k, d, now), KIND_ORDER.index(k), d) for k, d, _ in ordered]
    assert keys == sorted(keys)
    groups = [urgency(k, d, now) for k, d, _ in ordered]
    # Every transition item leads; nothing overdue trails something that is not.
    if Urgency.TRANSITION in groups:
        assert groups[: groups.count(Urgency.TRANSITION)] == [Urgency.TRANSITION] * groups.count(Urgency.TRANSITION)
    later = [g for g in groups if g is not Urgency.TRANSITION]
    assert later == sorted(later)


@given(st.sampled_from([k for k in WorkKind if k is not K.CHECKLIST_ITEM]), moments, moments)
def test_overdue_is_exactly_a_deadline_in_the_past(kind: WorkKind, due: datetime, now: datetime) -> None:
    assert (urgency(kind, due, now) is Urgency.OVERDUE) == (due < now)
