"""What changed between two versions of a care plan, in words a care manager reads (docs/domain.md §6).

A new version is a copy of the previous one, so its needs, goals and interventions are new rows: nothing
in the store says which goal of version 3 "is" which goal of version 2. Items are paired by content
instead, level by level:

1. the same words (a need: same domain and description; a goal: same text; an intervention: same action);
2. then the most alike of what is left (``difflib`` ratio over the words at least :data:`SIMILAR`); needs
   only pair within one domain, and any two needs of the same domain may pair;
3. then, when exactly one item is left on each side under the same parent and they still share some words
   (ratio at least :data:`LONE_SIMILAR`), those two: the care manager rewrote it.

A goal's words for steps 2 and 3 include its interventions' actions: a goal rewritten from scratch usually
keeps what is being done about it.

Whatever stays unpaired was added or removed. A paired item reports each attribute that differs (the
words, target date, status, who is responsible, frequency) as its own sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher
from enum import StrEnum
from typing import TypeVar

from hhdesk.domain.careplan import (
    GOAL_STATUS_LABELS,
    INTERVENTION_STATUS_LABELS,
    NEED_DOMAIN_LABELS,
    PlanContent,
    PlanGoal,
    PlanIntervention,
    PlanNeed,
)

SIMILAR = 0.5
LONE_SIMILAR = 0.25
QUOTE_LIMIT = 160
OVERVIEW_AREA = "Strengths, preferences and barriers"

T = TypeVar("T")


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class PlanChange:
    """One difference, as a sentence; ``area`` groups it (the overview, or a need such as 'Need 1: Housing')."""

    kind: ChangeKind
    area: str
    text: str


@dataclass(frozen=True)
class PlanDiff:
    """The differences from an older version to a newer one, in reading order of the newer plan."""

    changes: tuple[PlanChange, ...]

    @property
    def empty(self) -> bool:
        return not self.changes

    def areas(self) -> list[tuple[str, list[PlanChange]]]:
        """The changes grouped by area, areas in order of first appearance."""
        grouped: dict[str, list[PlanChange]] = {}
        for change in self.changes:
            grouped.setdefault(change.area, []).append(change)
        return list(grouped.items())

    def lines(self) -> list[str]:
        return [change.text for change in self.changes]


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """Text in curly quotes, on one line, shortened with an ellipsis past ``limit`` characters."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "\u2026"
    return f"\u201c{flat}\u201d"


def _date(value: date | None) -> str:
    return value.strftime("%m/%d/%Y") if value else "no date"


def _similarity(a: str, b: str) -> float:
    """How alike two texts are, word by word (0 to 1): letters in common say little about meaning."""
    return SequenceMatcher(None, _words(a), _words(b), autojunk=False).ratio()


def _words(text: str) -> list[str]:
    return "".join(ch if ch.isalnum() else " " for ch in text.casefold()).split()


def pair_items(old: Sequence[T], new: Sequence[T], key: Callable[[T], object], text: Callable[[T], str],
               *, may_pair: Callable[[T, T], bool] = lambda _a, _b: True,
               threshold: float = SIMILAR,
               lone_threshold: float = LONE_SIMILAR) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair old items with new ones (see the module docstring): (pairs, unpaired old, unpaired new)."""
    pairs: list[tuple[int, int]] = []
    old_left = list(range(len(old)))
    new_left = list(range(len(new)))
    for j in list(new_left):
        for i in old_left:
            if key(old[i]) == key(new[j]):
                pairs.append((i, j))
                old_left.remove(i)
                new_left.remove(j)
                break
    scored = sorted(
        ((_similarity(text(old[i]), text(new[j])), i, j)
         for i in old_left for j in new_left if may_pair(old[i], new[j])),
        key=lambda s: (-s[0], s[1], s[2]),
    )
    for score, i, j in scored:
        if score < threshold:
            break
        if i in old_left and j in new_left:
            pairs.append((i, j))
            old_left.remove(i)
            new_left.remove(j)
    if (len(old_left) == 1 and len(new_left) == 1 and may_pair(old[old_left[0]], new[new_left[0]])
            and _similarity(text(old[old_left[0]]), text(new[new_left[0]])) >= lone_threshold):
        pairs.append((old_left.pop(), new_left.pop()))
    pairs.sort(key=lambda p: p[1])
    return pairs, old_left, new_left


def diff_plans(old: PlanContent, new: PlanContent) -> PlanDiff:
    """Every difference from ``old`` to ``new``; empty when they say the same."""
    changes: list[PlanChange] = []
    for field, title in (("strengths", "Strengths"), ("preferences", "Preferences"), ("barriers", "Barriers")):
        changes += _text_change(OVERVIEW_AREA, title, getattr(old, field), getattr(new, field))

    pairs, removed, added = pair_items(
        old.needs, new.needs,
        key=lambda n: (n.domain, " ".join(n.description.split())),
        text=_need_text,
        may_pair=lambda a, b: a.domain == b.domain,
        threshold=0.0,
        lone_threshold=0.0,
    )
    paired_new = dict((j, i) for i, j in pairs)
    for j, need in enumerate(new.needs):
        area = _need_area(j, need)
        if j in paired_new:
            changes += _need_changes(area, old.needs[paired_new[j]], need)
        else:
            changes.append(PlanChange(ChangeKind.ADDED, area, f"Need added: {_need_summary(need)}."))
            for goal in need.goals:
                changes.append(PlanChange(ChangeKind.ADDED, area, f"Goal added: {_goal_summary(goal)}."))
    for i in removed:
        need = old.needs[i]
        area = f"Removed: {NEED_DOMAIN_LABELS[need.domain]}"
        goals = len(need.goals)
        tail = f", with its {goals} goal{'s' if goals != 1 else ''}" if goals else ""
        changes.append(PlanChange(ChangeKind.REMOVED, area, f"Need removed: {_need_summary(need)}{tail}."))
    return PlanDiff(tuple(changes))


def _text_change(area: str, title: str, before: str, after: str) -> list[PlanChange]:
    if " ".join(before.split()) == " ".join(after.split()):
        return []
    if not before.strip():
        return [PlanChange(ChangeKind.ADDED, area, f"{title} written: {quote(after)}.")]
    if not after.strip():
        return [PlanChange(ChangeKind.REMOVED, area, f"{title} cleared (was {quote(before)}).")]
    return [PlanChange(ChangeKind.CHANGED, area,
                       f"{title} changed from {quote(before)} to {quote(after)}.")]


def _need_text(need: PlanNeed) -> str:
    return " ".join([need.description, *(goal.text for goal in need.goals)])


def _goal_text(goal: PlanGoal) -> str:
    # A goal rewritten in other words usually keeps its interventions: they count as evidence too.
    return " ".join([goal.text, *(i.action for i in goal.interventions)])


def _need_area(index: int, need: PlanNeed) -> str:
    return f"Need {index + 1}: {NEED_DOMAIN_LABELS[need.domain]}"


def _need_summary(need: PlanNeed) -> str:
    domain = NEED_DOMAIN_LABELS[need.domain]
    return f"{domain}, {quote(need.description)}" if need.description.strip() else domain


def _goal_summary(goal: PlanGoal) -> str:
    parts = [f"target {_date(goal.target_date)}" if goal.target_date else "no target date",
             GOAL_STATUS_LABELS[goal.status].lower()]
    count = len(goal.interventions)
    if count:
        parts.append(f"{count} intervention{'s' if count != 1 else ''}")
    return f"{quote(goal.text)} ({', '.join(parts)})"


def _intervention_summary(intervention: PlanIntervention) -> str:
    parts = [intervention.responsible_label.strip() or "no one named",
             intervention.frequency.strip() or "no frequency",
             INTERVENTION_STATUS_LABELS[intervention.status].lower()]
    return f"{quote(intervention.action)} ({', '.join(parts)})"


def _need_changes(area: str, old: PlanNeed, new: PlanNeed) -> list[PlanChange]:
    changes = _text_change(area, "Need description", old.description, new.description)
    pairs, removed, added = pair_items(old.goals, new.goals, key=lambda g: " ".join(g.text.split()),
                                       text=_goal_text)
    paired_new = dict((j, i) for i, j in pairs)
    for j, goal in enumerate(new.goals):
        if j in paired_new:
            changes += _goal_changes(area, old.goals[paired_new[j]], goal)
        else:
            changes.append(PlanChange(ChangeKind.ADDED, area, f"Goal added: {_goal_summary(goal)}."))
    for i in removed:
        changes.append(PlanChange(ChangeKind.REMOVED, area, f"Goal removed: {_goal_summary(old.goals[i])}."))
    return changes


def _goal_changes(area: str, old: PlanGoal, new: PlanGoal) -> list[PlanChange]:
    changes: list[PlanChange] = []
    the_goal = f"the goal {quote(new.text, 80)}"
    if " ".join(old.text.split()) != " ".join(new.text.split()):
        changes.append(PlanChange(ChangeKind.CHANGED, area,
                                  f"Goal reworded: was {quote(old.text)}, now {quote(new.text)}."))
    if old.target_date != new.target_date:
        if old.target_date is None:
            sentence = f"Target date of {the_goal} set to {_date(new.target_date)}."
        elif new.target_date is None:
            sentence = f"Target date of {the_goal} removed (was {_date(old.target_date)})."
        else:
            sentence = (f"Target date of {the_goal} moved from {_date(old.target_date)} "
                        f"to {_date(new.target_date)}.")
        changes.append(PlanChange(ChangeKind.CHANGED, area, sentence))
    if old.status != new.status:
        changes.append(PlanChange(
            ChangeKind.CHANGED, area,
            f"Status of {the_goal} changed from {GOAL_STATUS_LABELS[old.status]} to "
            f"{GOAL_STATUS_LABELS[new.status]}."))
    pairs, removed, added = pair_items(old.interventions, new.interventions,
                                       key=lambda i: " ".join(i.action.split()), text=lambda i: i.action)
    paired_new = dict((j, i) for i, j in pairs)
    for j, intervention in enumerate(new.interventions):
        if j in paired_new:
            changes += _intervention_changes(area, the_goal, old.interventions[paired_new[j]], intervention)
        else:
            changes.append(PlanChange(ChangeKind.ADDED, area,
                                      f"Intervention added to {the_goal}: {_intervention_summary(intervention)}."))
    for i in removed:
        changes.append(PlanChange(
            ChangeKind.REMOVED, area,
            f"Intervention removed from {the_goal}: {_intervention_summary(old.interventions[i])}."))
    return changes


def _intervention_changes(area: str, the_goal: str, old: PlanIntervention,
                          new: PlanIntervention) -> list[PlanChange]:
    changes: list[PlanChange] = []
    the_action = f"the intervention {quote(new.action, 80)}"
    if " ".join(old.action.split()) != " ".join(new.action.split()):
        changes.append(PlanChange(
            ChangeKind.CHANGED, area,
            f"Intervention for {the_goal} reworded: was {quote(old.action)}, now {quote(new.action)}."))
    for title, before, after in (
        ("Responsible for", old.responsible_label.strip() or "no one named",
         new.responsible_label.strip() or "no one named"),
        ("Frequency of", old.frequency.strip() or "not set", new.frequency.strip() or "not set"),
        ("Status of", INTERVENTION_STATUS_LABELS[old.status], INTERVENTION_STATUS_LABELS[new.status]),
    ):
        if before != after:
            changes.append(PlanChange(ChangeKind.CHANGED, area,
                                      f"{title} {the_action} changed from {before} to {after}."))
    return changes
