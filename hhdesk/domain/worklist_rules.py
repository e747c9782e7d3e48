"""How the worklist ranks work for triage: urgency group first, then the kind of work, then the deadline.

A care manager's list mixes deadlines counted in hours (a member's call within 48 hours of a discharge)
with deadlines counted in months (a care-plan review). Sorting them on one clock put a review years
overdue above a discharge call due tomorrow. The rule here groups first:

1. **Transition of care**: open checklist items of a transition episode. The worklist shows them from a
   day before they fall due, and each is counted in hours from a notification or a discharge, so they
   always come first.
2. **Overdue**: any other work whose deadline has passed.
3. **Due this week**: due within the next seven days.
4. **Later**: the rest (a review due in two weeks, a month's contact with three weeks left).

Within a group the kinds keep a fixed order (transitions, referral follow-ups, the month's contacts,
care-plan reviews: the shorter the loop, the sooner it closes), and within a kind the earliest deadline
comes first, so the longest overdue item of a kind leads it. Ties fall to the member's name and the task.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

DUE_THIS_WEEK = timedelta(days=7)


class WorkKind(StrEnum):
    CHECKLIST_ITEM = "checklist_item"
    MONTHLY_CONTACTS = "monthly_contacts"
    CARE_PLAN_REVIEW = "care_plan_review"
    REFERRAL_FOLLOW_UP = "referral_follow_up"


KIND_LABELS: dict[WorkKind, str] = {
    WorkKind.CHECKLIST_ITEM: "Transition checklist",
    WorkKind.MONTHLY_CONTACTS: "Monthly contact",
    WorkKind.CARE_PLAN_REVIEW: "Care plan review",
    WorkKind.REFERRAL_FOLLOW_UP: "Referral follow-up",
}

KIND_ORDER: tuple[WorkKind, ...] = (
    WorkKind.CHECKLIST_ITEM,
    WorkKind.REFERRAL_FOLLOW_UP,
    WorkKind.MONTHLY_CONTACTS,
    WorkKind.CARE_PLAN_REVIEW,
)


class Urgency(IntEnum):
    """The worklist's groups, most urgent first (the value is the group's place)."""

    TRANSITION = 0
    OVERDUE = 1
    DUE_THIS_WEEK = 2
    LATER = 3


URGENCY_LABELS: dict[Urgency, str] = {
    Urgency.TRANSITION: "Transition of care",
    Urgency.OVERDUE: "Overdue",
    Urgency.DUE_THIS_WEEK: "Due this week",
    Urgency.LATER: "Later",
}


def urgency(kind: WorkKind, due_at: datetime, now: datetime) -> Urgency:
    """The group a piece of work belongs to at ``now``."""
    if kind is WorkKind.CHECKLIST_ITEM:
        return Urgency.TRANSITION
    if due_at < now:
        return Urgency.OVERDUE
    if due_at - now <= DUE_THIS_WEEK:
        return Urgency.DUE_THIS_WEEK
    return Urgency.LATER


def rank(kind: WorkKind, due_at: datetime, now: datetime, member_name: str = "", title: str = "") -> tuple:
    """The sort key: group, kind, deadline (earliest first), member, task."""
    return (urgency(kind, due_at, now), KIND_ORDER.index(kind), due_at, member_name, title)
