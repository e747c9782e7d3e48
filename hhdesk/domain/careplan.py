"""The person-centred care plan's content as plain values, and the rules it follows (docs/domain.md §6).

A plan version holds strengths, preferences and barriers, and a tree: needs (each in one domain) → goals (in
the member's own words, with a target date and a status) → interventions (an action, who is responsible,
how often, and a status). :class:`PlanContent` is that tree as frozen values: the editor in the window
changes it by building a new value (the ``*_item`` functions below), which is what makes undo and redo a
matter of keeping the previous value.

Rows keep their store ``id`` so that saving a draft updates them in place (a referral may point at a goal);
an item made in the editor has ``id=None`` until it is saved.

Signing follows the program's rules: the member (or a guardian) and a care manager sign, each on a date;
the version's signing date is the later of the two, and its review falls due a number of months later (an
agency setting, six by default).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Union

from hhdesk.domain.enums import GoalStatus, InterventionStatus, NeedDomain, SignatureMethod

MAX_TEXT = 4000
MAX_SHORT_TEXT = 200
REVIEW_SOON_DAYS = 30
"""A review due within this many days shows as "due soon" in the member's header."""

NEED_DOMAIN_LABELS: dict[NeedDomain, str] = {
    NeedDomain.PHYSICAL_HEALTH: "Physical health",
    NeedDomain.BEHAVIOURAL_HEALTH: "Behavioural health",
    NeedDomain.SUBSTANCE_USE: "Substance use",
    NeedDomain.HOUSING: "Housing",
    NeedDomain.FOOD: "Food",
    NeedDomain.TRANSPORTATION: "Transportation",
    NeedDomain.INCOME_BENEFITS: "Income and benefits",
    NeedDomain.EMPLOYMENT: "Employment",
    NeedDomain.LEGAL: "Legal",
    NeedDomain.SAFETY: "Safety",
    NeedDomain.FAMILY_CAREGIVER: "Family and caregiver",
}

GOAL_STATUS_LABELS: dict[GoalStatus, str] = {
    GoalStatus.NOT_STARTED: "Not started",
    GoalStatus.IN_PROGRESS: "In progress",
    GoalStatus.MET: "Met",
    GoalStatus.NOT_MET: "Not met",
    GoalStatus.DISCONTINUED: "Discontinued",
}

INTERVENTION_STATUS_LABELS: dict[InterventionStatus, str] = {
    InterventionStatus.PLANNED: "Planned",
    InterventionStatus.ACTIVE: "Active",
    InterventionStatus.DONE: "Done",
    InterventionStatus.STOPPED: "Stopped",
}

SIGNATURE_METHOD_LABELS: dict[SignatureMethod, str] = {
    SignatureMethod.PAPER: "Signed on paper",
    SignatureMethod.SCANNED: "Signed on paper, scanned copy attached",
    SignatureMethod.ELECTRONIC: "Signed electronically",
}


class SignerRole(StrEnum):
    """Who signed for the member (the store's ``member_signer_role``)."""

    MEMBER = "member"
    GUARDIAN = "guardian"


# ---- the content --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanIntervention:
    """An action towards a goal. Responsible is a staff user, a care-team member, or words ("Member")."""

    action: str
    responsible_user_id: int | None = None
    responsible_team_member_id: int | None = None
    # The name as shown (filled in from the user or the care team when read); the only value for words.
    responsible_label: str = ""
    frequency: str = ""
    status: InterventionStatus = InterventionStatus.PLANNED
    id: int | None = None


@dataclass(frozen=True)
class PlanGoal:
    """A goal in the member's own words."""

    text: str
    target_date: date | None = None
    status: GoalStatus = GoalStatus.NOT_STARTED
    interventions: tuple[PlanIntervention, ...] = ()
    id: int | None = None


@dataclass(frozen=True)
class PlanNeed:
    """A need in one domain, and the goals that answer it."""

    domain: NeedDomain
    description: str = ""
    goals: tuple[PlanGoal, ...] = ()
    id: int | None = None


PlanItem = Union[PlanNeed, PlanGoal, PlanIntervention]  # noqa: UP007 - a runtime alias, kept readable
ItemPath = tuple[int, ...]
"""Where an item sits: (need,), (need, goal) or (need, goal, intervention), each index from 0."""


@dataclass(frozen=True)
class PlanContent:
    """What a care plan version says; everything the editor changes and a diff compares."""

    strengths: str = ""
    preferences: str = ""
    barriers: str = ""
    needs: tuple[PlanNeed, ...] = ()

    @property
    def goal_count(self) -> int:
        return sum(len(need.goals) for need in self.needs)

    @property
    def intervention_count(self) -> int:
        return sum(len(goal.interventions) for need in self.needs for goal in need.goals)

    def counts_text(self) -> str:
        """'3 needs, 4 goals, 6 interventions': what an audit event may say about a plan (never its words)."""
        counts = ((len(self.needs), "need"), (self.goal_count, "goal"), (self.intervention_count, "intervention"))
        return ", ".join(f"{count} {noun}{'' if count == 1 else 's'}" for count, noun in counts)

    def without_ids(self) -> PlanContent:
        """The same content as new items, for a copy saved as another version."""
        return replace(self, needs=tuple(
            replace(need, id=None, goals=tuple(
                replace(goal, id=None, interventions=tuple(replace(i, id=None) for i in goal.interventions))
                for goal in need.goals))
            for need in self.needs))


# ---- editing the tree ---------------------------------------------------------------------------


def item_at(content: PlanContent, path: ItemPath) -> PlanItem:
    """The need, goal or intervention at ``path``; IndexError if there is none."""
    if not 1 <= len(path) <= 3 or any(index < 0 for index in path):
        raise IndexError(f"not an item path: {path}")
    need = content.needs[path[0]]
    if len(path) == 1:
        return need
    goal = need.goals[path[1]]
    if len(path) == 2:
        return goal
    return goal.interventions[path[2]]


def _children(item: PlanContent | PlanNeed | PlanGoal) -> tuple:
    if isinstance(item, PlanContent):
        return item.needs
    if isinstance(item, PlanNeed):
        return item.goals
    return item.interventions


def _with_children(item: PlanContent | PlanNeed | PlanGoal, children: tuple) -> PlanContent | PlanNeed | PlanGoal:
    if isinstance(item, PlanContent):
        return replace(item, needs=children)
    if isinstance(item, PlanNeed):
        return replace(item, goals=children)
    return replace(item, interventions=children)


_CHILD_TYPES: tuple[type, ...] = (PlanNeed, PlanGoal, PlanIntervention)


def _edit_children(content: PlanContent, parent_path: ItemPath, change) -> PlanContent:
    """A new content whose item at ``parent_path`` has ``change(children)`` as its children."""
    if not parent_path:
        return _with_children(content, change(content.needs))  # type: ignore[return-value]
    parent = item_at(content, parent_path)
    if isinstance(parent, PlanIntervention):
        raise IndexError("an intervention has no items under it")
    new_parent = _with_children(parent, change(_children(parent)))
    return replace_item(content, parent_path, new_parent)  # type: ignore[arg-type]


def replace_item(content: PlanContent, path: ItemPath, item: PlanItem) -> PlanContent:
    """The content with the item at ``path`` replaced by ``item`` (of the same kind)."""
    current = item_at(content, path)
    if type(current) is not type(item):
        raise TypeError("an item can only be replaced by one of the same kind")
    index = path[-1]
    return _edit_children(content, path[:-1], lambda children: (*children[:index], item, *children[index + 1:]))


def insert_item(content: PlanContent, parent_path: ItemPath, item: PlanItem,
                index: int | None = None) -> tuple[PlanContent, ItemPath]:
    """Add ``item`` under ``parent_path`` (at ``index``, else last); returns the content and the new path."""
    if len(parent_path) > 2 or not isinstance(item, _CHILD_TYPES[len(parent_path)]):
        raise TypeError("needs go in the plan, goals under a need, interventions under a goal")
    parent = content if not parent_path else item_at(content, parent_path)
    count = len(_children(parent))  # type: ignore[arg-type]
    at = count if index is None else max(0, min(index, count))
    new = _edit_children(content, parent_path, lambda children: (*children[:at], item, *children[at:]))
    return new, (*parent_path, at)


def remove_item(content: PlanContent, path: ItemPath) -> PlanContent:
    """The content without the item at ``path`` (and everything under it)."""
    item_at(content, path)
    index = path[-1]
    return _edit_children(content, path[:-1], lambda children: (*children[:index], *children[index + 1:]))


def move_item(content: PlanContent, path: ItemPath, delta: int) -> tuple[PlanContent, ItemPath]:
    """Move an item up (``delta`` < 0) or down among its siblings; returns the content and its new path."""
    item = item_at(content, path)
    parent = content if len(path) == 1 else item_at(content, path[:-1])
    count = len(_children(parent))  # type: ignore[arg-type]
    target = max(0, min(path[-1] + delta, count - 1))
    if target == path[-1]:
        return content, path
    without = remove_item(content, path)
    return insert_item(without, path[:-1], item, target)


def all_paths(content: PlanContent) -> list[ItemPath]:
    """Every item's path, in reading order (a need, its first goal, that goal's interventions, ...)."""
    paths: list[ItemPath] = []
    for n, need in enumerate(content.needs):
        paths.append((n,))
        for g, goal in enumerate(need.goals):
            paths.append((n, g))
            paths.extend((n, g, i) for i in range(len(goal.interventions)))
    return paths


# ---- rules ----------------------------------------------------------------------------------------


def item_name(content: PlanContent, path: ItemPath) -> str:
    """'Need 2 (Housing), goal 1, intervention 3': how a message points at an item without quoting it."""
    need = content.needs[path[0]]
    parts = [f"Need {path[0] + 1} ({NEED_DOMAIN_LABELS[need.domain]})"]
    if len(path) > 1:
        parts.append(f"goal {path[1] + 1}")
    if len(path) > 2:
        parts.append(f"intervention {path[2] + 1}")
    return ", ".join(parts)


def content_problems(content: PlanContent) -> list[str]:
    """What stops a draft from being saved: empty goals or actions, text too long. Messages name the item."""
    problems: list[str] = []
    for field, title in (("strengths", "Strengths"), ("preferences", "Preferences"), ("barriers", "Barriers")):
        if len(getattr(content, field)) > MAX_TEXT:
            problems.append(f"{title}: keep it under {MAX_TEXT} characters.")
    for n, need in enumerate(content.needs):
        where = item_name(content, (n,))
        if not isinstance(need.domain, NeedDomain):
            problems.append(f"{where}: choose a domain.")
        if len(need.description) > MAX_TEXT:
            problems.append(f"{where}: keep the description under {MAX_TEXT} characters.")
        for g, goal in enumerate(need.goals):
            where = item_name(content, (n, g))
            if not goal.text.strip():
                problems.append(f"{where}: write the goal in the member's own words.")
            elif len(goal.text) > MAX_TEXT:
                problems.append(f"{where}: keep the goal under {MAX_TEXT} characters.")
            for i, intervention in enumerate(goal.interventions):
                where = item_name(content, (n, g, i))
                if not intervention.action.strip():
                    problems.append(f"{where}: say what will be done.")
                elif len(intervention.action) > MAX_TEXT:
                    problems.append(f"{where}: keep the action under {MAX_TEXT} characters.")
                if len(intervention.frequency) > 100:
                    problems.append(f"{where}: keep the frequency under 100 characters.")
                if len(intervention.responsible_label) > MAX_SHORT_TEXT:
                    problems.append(f"{where}: keep who is responsible under {MAX_SHORT_TEXT} characters.")
    return problems


def signing_problems(content: PlanContent) -> list[str]:
    """What a plan needs before it can be signed, beyond being saveable: at least one need with a goal."""
    problems = content_problems(content)
    if not content.needs:
        problems.append("Add at least one need, with a goal, before the plan is signed.")
    elif content.goal_count == 0:
        problems.append("Add at least one goal, in the member's own words, before the plan is signed.")
    return problems


def signing_date(member_signed_on: date, care_manager_signed_on: date) -> date:
    """A version is signed when its last signature is made."""
    return max(member_signed_on, care_manager_signed_on)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the month's last day when it is shorter (Aug 31 + 6 -> Feb 28/29)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_due(signed_on: date, review_months: int) -> date:
    if review_months < 1:
        raise ValueError("the review interval is at least one month")
    return add_months(signed_on, review_months)


class ReviewState(StrEnum):
    NOT_SIGNED = "not_signed"
    CURRENT = "current"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


def review_state(review_due_on: date | None, today: date, soon_days: int = REVIEW_SOON_DAYS) -> ReviewState:
    """Where a signed plan's review stands today (the due day itself is not yet overdue)."""
    if review_due_on is None:
        return ReviewState.NOT_SIGNED
    if today > review_due_on:
        return ReviewState.OVERDUE
    if (review_due_on - today).days <= soon_days:
        return ReviewState.DUE_SOON
    return ReviewState.CURRENT


def signature_problems(member_signer_name: str, member_signed_on: date | None,
                       care_manager_signed_on: date | None, today: date, *,
                       method: SignatureMethod | None, has_scanned_copy: bool) -> list[str]:
    """What is wrong with the signatures as entered; each message names the field."""
    problems: list[str] = []
    if not member_signer_name.strip():
        problems.append("Member or guardian: enter the name of the person who signed.")
    elif len(member_signer_name.strip()) > MAX_SHORT_TEXT:
        problems.append(f"Member or guardian: keep the name under {MAX_SHORT_TEXT} characters.")
    for when, who in ((member_signed_on, "Member or guardian"), (care_manager_signed_on, "Care manager")):
        if when is None:
            problems.append(f"{who}: enter the date of the signature.")
        elif when > today:
            problems.append(f"{who}: the date of the signature is in the future.")
    if method is None:
        problems.append("Say how the plan was signed: on paper, scanned, or electronically.")
    elif method is SignatureMethod.SCANNED and not has_scanned_copy:
        problems.append("Signed and scanned: attach the scanned copy, or choose 'signed on paper'.")
    return problems
