"""Comparing two versions of a care plan: pairing items by content and saying what changed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from hhdesk.domain.careplan import PlanContent, PlanGoal, PlanIntervention, PlanNeed
from hhdesk.domain.careplan_diff import ChangeKind, diff_plans, pair_items, quote
from hhdesk.domain.enums import GoalStatus, InterventionStatus, NeedDomain

HOUSING_GOAL = "I want my own apartment before winter"
DIABETES_GOAL = "Keep my sugar under control so I can keep my feet"


def _plan(**changes) -> PlanContent:
    plan = PlanContent(
        strengths="Close to his sister",
        needs=(
            PlanNeed(NeedDomain.HOUSING, "Staying with his sister", (
                PlanGoal(HOUSING_GOAL, date(2026, 12, 1), GoalStatus.IN_PROGRESS, (
                    PlanIntervention("Apply for Section 8", responsible_label="Housing Coalition",
                                     frequency="Weekly"),
                )),
            )),
            PlanNeed(NeedDomain.PHYSICAL_HEALTH, "Diabetes", (
                PlanGoal(DIABETES_GOAL, None, GoalStatus.NOT_STARTED, (
                    PlanIntervention("Check glucose daily", responsible_label="Member"),
                    PlanIntervention("Go to the endocrinologist together", responsible_label="Zoë"),
                )),
            )),
        ),
    )
    return replace(plan, **changes)


def test_the_same_plan_has_no_differences_even_with_other_row_ids():
    plan = _plan()
    with_ids = replace(plan, needs=tuple(replace(n, id=i) for i, n in enumerate(plan.needs, start=10)))
    assert diff_plans(plan, with_ids).empty


def test_a_reworded_goal_with_a_new_date_and_status():
    old = _plan()
    goal = old.needs[0].goals[0]
    new_goal = replace(goal, text="I want my own apartment near my sister before winter",
                       target_date=date(2027, 1, 15), status=GoalStatus.MET)
    new = replace(old, needs=(replace(old.needs[0], goals=(new_goal,)), old.needs[1]))
    changes = diff_plans(old, new).changes
    assert [c.kind for c in changes] == [ChangeKind.CHANGED] * 3
    assert {c.area for c in changes} == {"Need 1: Housing"}
    assert changes[0].text == (f"Goal reworded: was \u201c{HOUSING_GOAL}\u201d, now "
                               "\u201cI want my own apartment near my sister before winter\u201d.")
    assert changes[1].text.endswith("moved from 12/01/2026 to 01/15/2027.")
    assert changes[2].text.endswith("changed from In progress to Met.")


def test_added_and_removed_needs_goals_and_interventions():
    old = _plan()
    diabetes = old.needs[1]
    goal = diabetes.goals[0]
    new_goal = replace(goal, interventions=(goal.interventions[0],
                                            PlanIntervention("Cook with less salt", frequency="Daily")))
    new = replace(old, strengths="", needs=(
        replace(diabetes, goals=(new_goal, PlanGoal("Walk to church on Sundays"))),
        PlanNeed(NeedDomain.FOOD, "", (PlanGoal("Get SNAP back"),)),
    ))
    lines = diff_plans(old, new).lines()
    assert lines == [
        "Strengths cleared (was \u201cClose to his sister\u201d).",
        f"Intervention added to the goal \u201c{DIABETES_GOAL}\u201d: \u201cCook with less salt\u201d "
        "(no one named, Daily, planned).",
        f"Intervention removed from the goal \u201c{DIABETES_GOAL}\u201d: \u201cGo to the endocrinologist "
        "together\u201d (Zoë, no frequency, planned).",
        "Goal added: \u201cWalk to church on Sundays\u201d (no target date, not started).",
        "Need added: Food.",
        "Goal added: \u201cGet SNAP back\u201d (no target date, not started).",
        "Need removed: Housing, \u201cStaying with his sister\u201d, with its 1 goal.",
    ]


def test_intervention_changes_are_one_sentence_each():
    old = _plan()
    goal = old.needs[1].goals[0]
    changed = replace(goal.interventions[0], responsible_label="Sister", frequency="Twice a day",
                      status=InterventionStatus.ACTIVE)
    new_goal = replace(goal, interventions=(changed, goal.interventions[1]))
    new = replace(old, needs=(old.needs[0], replace(old.needs[1], goals=(new_goal,))))
    assert diff_plans(old, new).lines() == [
        "Responsible for the intervention \u201cCheck glucose daily\u201d changed from Member to Sister.",
        "Frequency of the intervention \u201cCheck glucose daily\u201d changed from not set to Twice a day.",
        "Status of the intervention \u201cCheck glucose daily\u201d changed from Planned to Active.",
    ]


def test_a_lone_rewrite_pairs_when_it_keeps_some_words_and_not_otherwise():
    old = _plan()

    def with_goal(goal: PlanGoal) -> PlanContent:
        return replace(old, needs=(replace(old.needs[0], goals=(goal,)), old.needs[1]))

    reworded = replace(old.needs[0].goals[0], text="An apartment of my own by spring")
    assert [c.kind for c in diff_plans(old, with_goal(reworded)).changes] == [ChangeKind.CHANGED]
    # Other words but the same interventions: still the same goal, rewritten.
    rewritten = replace(old.needs[0].goals[0], text="Move out of the shelter")
    assert [c.kind for c in diff_plans(old, with_goal(rewritten)).changes] == [ChangeKind.CHANGED]
    # Nothing in common: one goal went, another came.
    other = PlanGoal("Move out of the shelter", date(2026, 12, 1), GoalStatus.IN_PROGRESS)
    assert [c.kind for c in diff_plans(old, with_goal(other)).changes] == [ChangeKind.ADDED, ChangeKind.REMOVED]


def test_needs_pair_within_a_domain_only():
    old = PlanContent(needs=(PlanNeed(NeedDomain.HOUSING, "rent"),))
    new = PlanContent(needs=(PlanNeed(NeedDomain.INCOME_BENEFITS, "rent"),))
    kinds = [c.kind for c in diff_plans(old, new).changes]
    assert kinds == [ChangeKind.ADDED, ChangeKind.REMOVED]


def test_long_text_is_shortened_in_quotes():
    assert quote("word " * 100, 20) == "\u201cword word word word\u2026\u201d"


texts = st.lists(st.text(alphabet="abcdef ", min_size=1, max_size=12), max_size=6)


@given(texts, texts)
def test_pairing_uses_each_item_at_most_once_and_accounts_for_all(old, new):
    pairs, removed, added = pair_items(old, new, key=lambda t: t, text=lambda t: t)
    assert sorted([i for i, _ in pairs] + removed) == list(range(len(old)))
    assert sorted([j for _, j in pairs] + added) == list(range(len(new)))


@given(texts)
def test_a_list_pairs_with_itself_exactly(items):
    pairs, removed, added = pair_items(items, items, key=lambda t: t, text=lambda t: t)
    assert not removed and not added and all(items[i] == items[j] for i, j in pairs)
