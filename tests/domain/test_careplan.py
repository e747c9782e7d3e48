"""The care plan's content tree, its edits, and its rules (signing date, review date, problems)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.domain.careplan import (
    PlanContent,
    PlanGoal,
    PlanIntervention,
    PlanNeed,
    ReviewState,
    add_months,
    all_paths,
    content_problems,
    insert_item,
    item_at,
    move_item,
    remove_item,
    replace_item,
    review_due,
    review_state,
    signature_problems,
    signing_date,
    signing_problems,
)
from hhdesk.domain.enums import NeedDomain, SignatureMethod

words = st.text(alphabet="abcñé ", min_size=1, max_size=8)
interventions = st.builds(PlanIntervention, action=words)
goals = st.builds(PlanGoal, text=words, interventions=st.lists(interventions, max_size=3).map(tuple))
needs = st.builds(PlanNeed, domain=st.sampled_from(NeedDomain), goals=st.lists(goals, max_size=3).map(tuple))
contents = st.builds(PlanContent, needs=st.lists(needs, max_size=4).map(tuple))


def _plan() -> PlanContent:
    return PlanContent(needs=(
        PlanNeed(NeedDomain.HOUSING, goals=(PlanGoal("a", interventions=(PlanIntervention("a1"),
                                                                          PlanIntervention("a2"))),
                                            PlanGoal("b"))),
        PlanNeed(NeedDomain.FOOD),
    ))


def test_items_are_found_replaced_inserted_moved_and_removed_by_path():
    plan = _plan()
    assert item_at(plan, (0, 0, 1)).action == "a2"
    plan = replace_item(plan, (0, 1), PlanGoal("b, reworded"))
    assert item_at(plan, (0, 1)).text == "b, reworded"
    plan, path = insert_item(plan, (1,), PlanGoal("c"))
    assert path == (1, 0) and item_at(plan, path).text == "c"
    plan, path = move_item(plan, (0, 0, 0), +1)
    assert path == (0, 0, 1) and [i.action for i in plan.needs[0].goals[0].interventions] == ["a2", "a1"]
    plan = remove_item(plan, (0,))
    assert [n.domain for n in plan.needs] == [NeedDomain.FOOD]
    with pytest.raises(TypeError):
        insert_item(plan, (), PlanGoal("a goal cannot sit in the plan itself"))
    with pytest.raises(TypeError):
        replace_item(plan, (0,), PlanGoal("not a need"))
    with pytest.raises(IndexError):
        item_at(plan, (3,))


@given(contents, st.data())
def test_inserting_then_removing_gives_the_plan_back(plan, data):
    parents = [()] + [p for p in all_paths(plan) if len(p) < 3]
    parent = data.draw(st.sampled_from(parents))
    item = {0: PlanNeed(NeedDomain.LEGAL), 1: PlanGoal("new"), 2: PlanIntervention("new")}[len(parent)]
    index = data.draw(st.integers(min_value=0, max_value=5))
    with_item, path = insert_item(plan, parent, item, index)
    assert item_at(with_item, path) == item
    assert len(all_paths(with_item)) == len(all_paths(plan)) + 1
    assert remove_item(with_item, path) == plan


@given(contents, st.data())
def test_moving_keeps_every_item(plan, data):
    paths = all_paths(plan)
    if not paths:
        return
    path = data.draw(st.sampled_from(paths))
    moved, new_path = move_item(plan, path, data.draw(st.integers(min_value=-3, max_value=3)))
    assert item_at(moved, new_path) == item_at(plan, path)
    assert sorted(map(repr, (item_at(moved, p) for p in all_paths(moved) if len(p) == len(path)))) == \
        sorted(map(repr, (item_at(plan, p) for p in paths if len(p) == len(path))))


def test_without_ids_forgets_every_row():
    plan = PlanContent(needs=(PlanNeed(NeedDomain.FOOD, id=1, goals=(
        PlanGoal("g", id=2, interventions=(PlanIntervention("i", id=3),)),)),))
    copy = plan.without_ids()
    assert copy.needs[0].id is None and copy.needs[0].goals[0].id is None
    assert copy.needs[0].goals[0].interventions[0].id is None
    assert copy.counts_text() == "1 need, 1 goal, 1 intervention"


def test_problems_name_the_item_never_its_words():
    plan = PlanContent(needs=(PlanNeed(NeedDomain.HOUSING, goals=(
        PlanGoal("Núñez wants a flat", interventions=(PlanIntervention(" "),)), PlanGoal(""))),))
    problems = content_problems(plan)
    assert problems == ["Need 1 (Housing), goal 1, intervention 1: say what will be done.",
                        "Need 1 (Housing), goal 2: write the goal in the member's own words."]
    assert signing_problems(PlanContent()) == ["Add at least one need, with a goal, before the plan is signed."]
    assert signing_problems(PlanContent(needs=(PlanNeed(NeedDomain.FOOD),)))[-1].startswith(
        "Add at least one goal")


def test_the_signing_date_is_the_later_signature():
    assert signing_date(date(2026, 3, 2), date(2026, 2, 27)) == date(2026, 3, 2)


@pytest.mark.parametrize(("signed", "months", "due"), [
    (date(2026, 3, 2), 6, date(2026, 9, 2)),
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2027, 8, 31), 6, date(2028, 2, 29)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2026, 1, 31), 12, date(2027, 1, 31)),
])
def test_the_review_falls_due_months_after_signing(signed, months, due):
    assert review_due(signed, months) == due


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), st.integers(1, 36))
def test_adding_months_never_goes_back_and_keeps_the_day_when_it_can(day, months):
    later = add_months(day, months)
    assert later > day
    assert (later.year - day.year) * 12 + later.month - day.month == months
    assert later.day == day.day or (later + timedelta(days=1)).day == 1


def test_review_state_around_the_due_date():
    due = date(2026, 9, 2)
    assert review_state(None, due) is ReviewState.NOT_SIGNED
    assert review_state(due, date(2026, 7, 1)) is ReviewState.CURRENT
    assert review_state(due, date(2026, 8, 3)) is ReviewState.DUE_SOON
    assert review_state(due, due) is ReviewState.DUE_SOON
    assert review_state(due, date(2026, 9, 3)) is ReviewState.OVERDUE


def test_signature_problems():
    today = date(2026, 3, 2)
    assert signature_problems("José", today, today, today, method=SignatureMethod.PAPER,
                              has_scanned_copy=False) == []
    problems = signature_problems("", today + timedelta(days=1), None, today, method=SignatureMethod.SCANNED,
                                  has_scanned_copy=False)
    assert problems == [
        "Member or guardian: enter the name of the person who signed.",
        "Member or guardian: the date of the signature is in the future.",
        "Care manager: enter the date of the signature.",
        "Signed and scanned: attach the scanned copy, or choose 'signed on paper'.",
    ]
