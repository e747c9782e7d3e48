"""Transition-of-care checklists: shipped templates, due times on hand-worked cases, states, readmissions."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.domain.checklists import (
    BH_FOLLOWUP_7D_KEY,
    BH_FOLLOWUP_30D_KEY,
    CARE_PLAN_REVIEWED_KEY,
    EPISODE_OPENED_KEY,
    MEMBER_CONTACTED_KEY,
    ChecklistTemplate,
    ItemCondition,
    ItemState,
    PlannedItem,
    TemplateError,
    TemplateItem,
    build_checklist,
    conditions_from_chronic_categories,
    due_at,
    episode_problems,
    is_readmission,
    item_state,
    tc_contact_completes_member_contacted,
    template_from_json,
    template_to_json,
)
from hhdesk.domain.enums import (
    ChecklistAnchor,
    ChecklistItemStatus,
    ChronicCategory,
    ContactMode,
    CoreService,
    TransitionSetting,
    WithWhom,
)
from hhdesk.resources_path import resource_path

NOTIFIED = datetime(2026, 3, 2, 9, 0)
DISCHARGED = datetime(2026, 3, 5, 14, 0)
TC = frozenset({CoreService.TC})


def shipped(setting: TransitionSetting) -> ChecklistTemplate:
    return template_from_json(resource_path(f"checklists/{setting.value}.json").read_text(encoding="utf-8"))


def by_key(items: list[PlannedItem]) -> dict[str, PlannedItem]:
    return {item.key: item for item in items}


# -- shipped templates -------------------------------------------------------------------------------------


@pytest.mark.parametrize("setting", list(TransitionSetting))
def test_every_setting_has_a_valid_template_named_after_it(setting):
    template = shipped(setting)
    assert template.setting is setting
    keys = [item.key for item in template.items]
    assert len(keys) == len(set(keys))
    for key in (EPISODE_OPENED_KEY, MEMBER_CONTACTED_KEY, CARE_PLAN_REVIEWED_KEY):
        assert key in keys
    assert all(item.basis for item in template.items)


def test_the_member_contact_is_due_48_hours_after_discharge_everywhere():
    for setting in TransitionSetting:
        item = shipped(setting).item(MEMBER_CONTACTED_KEY)
        assert (item.anchor, item.due_hours) == (ChecklistAnchor.DISCHARGE, 48)


@pytest.mark.parametrize("setting", [TransitionSetting.INPATIENT_PSYCHIATRIC, TransitionSetting.DETOX_REHAB])
def test_psychiatric_and_detox_stays_have_unconditional_7_and_30_day_follow_up(setting):
    template = shipped(setting)
    for key, hours in ((BH_FOLLOWUP_7D_KEY, 168), (BH_FOLLOWUP_30D_KEY, 720)):
        item = template.item(key)
        assert (item.anchor, item.due_hours, item.applies_when) == (ChecklistAnchor.DISCHARGE, hours, None)


def test_emergency_department_has_fewer_items_and_conditional_behavioural_follow_up():
    template = shipped(TransitionSetting.EMERGENCY_DEPARTMENT)
    assert len(template.items) < len(shipped(TransitionSetting.INPATIENT_MEDICAL).items)
    assert template.item("care_plan_shared") is None
    assert template.item(BH_FOLLOWUP_7D_KEY).applies_when is ItemCondition.BEHAVIOURAL_HEALTH_CONDITION


def test_shipped_templates_survive_a_round_trip():
    for setting in TransitionSetting:
        template = shipped(setting)
        assert template_from_json(template_to_json(template)) == template


# -- due times, hand-worked --------------------------------------------------------------------------------


def test_due_times_of_a_psychiatric_stay():
    items = by_key(build_checklist(shipped(TransitionSetting.INPATIENT_PSYCHIATRIC), NOTIFIED, DISCHARGED))
    expected = {
        "episode_opened": datetime(2026, 3, 3, 9, 0),  # notification + 24 h
        "care_plan_shared": datetime(2026, 3, 3, 9, 0),  # notification + 24 h
        "discharge_recorded": datetime(2026, 3, 6, 14, 0),  # discharge + 24 h
        "discharge_summary_reviewed": datetime(2026, 3, 8, 14, 0),  # discharge + 72 h
        "member_contacted": datetime(2026, 3, 7, 14, 0),  # discharge + 48 h
        "medication_reconciled": datetime(2026, 3, 8, 14, 0),  # discharge + 72 h
        "pcp_followup_7d": datetime(2026, 3, 12, 14, 0),  # discharge + 7 days
        "bh_followup_7d": datetime(2026, 3, 12, 14, 0),
        "bh_followup_30d": datetime(2026, 4, 4, 14, 0),  # discharge + 30 days
        "services_arranged": datetime(2026, 3, 7, 14, 0),  # discharge + 48 h
        "care_plan_reviewed": datetime(2026, 3, 12, 14, 0),
    }
    assert {key: item.due_at for key, item in items.items()} == expected
    assert all(item.status is ChecklistItemStatus.OPEN for item in items.values())


def test_discharge_items_have_no_due_time_until_the_discharge_is_known():
    template = shipped(TransitionSetting.INPATIENT_MEDICAL)
    items = build_checklist(template, NOTIFIED, None)
    for item in items:
        if item.anchor is ChecklistAnchor.DISCHARGE:
            assert item.due_at is None
        else:
            assert item.due_at == NOTIFIED + timedelta(hours=item.due_hours)
    # When the discharge is recorded, the stored items get their due times from their own hours.
    member_contacted = by_key(items)[MEMBER_CONTACTED_KEY]
    assert due_at(member_contacted, NOTIFIED, DISCHARGED) == datetime(2026, 3, 7, 14, 0)


def test_an_item_without_hours_has_no_deadline():
    item = TemplateItem("note", "Anything else", ChecklistAnchor.NOTIFICATION, None)
    assert due_at(item, NOTIFIED, DISCHARGED) is None


def test_late_notification_makes_discharge_items_overdue_at_once():
    # The agency hears of the stay three days after discharge: the 48-hour contact is already late.
    notified = DISCHARGED + timedelta(days=3)
    items = by_key(build_checklist(shipped(TransitionSetting.INPATIENT_MEDICAL), notified, DISCHARGED))
    assert item_state(items[MEMBER_CONTACTED_KEY], notified) is ItemState.OVERDUE
    assert items[EPISODE_OPENED_KEY].due_at == notified + timedelta(hours=24)


def test_conditional_items_follow_the_members_conditions():
    template = shipped(TransitionSetting.INPATIENT_MEDICAL)
    unknown = by_key(build_checklist(template, NOTIFIED, DISCHARGED))
    assert unknown[BH_FOLLOWUP_30D_KEY].status is ChecklistItemStatus.OPEN

    without = by_key(build_checklist(template, NOTIFIED, DISCHARGED, member_conditions=frozenset()))
    assert without[BH_FOLLOWUP_30D_KEY].status is ChecklistItemStatus.NOT_APPLICABLE
    assert without[BH_FOLLOWUP_30D_KEY].not_applicable_reason
    assert without[MEMBER_CONTACTED_KEY].status is ChecklistItemStatus.OPEN

    conditions = conditions_from_chronic_categories([ChronicCategory.DIABETES, ChronicCategory.SMI])
    with_bh = by_key(build_checklist(template, NOTIFIED, DISCHARGED, member_conditions=conditions))
    assert with_bh[BH_FOLLOWUP_30D_KEY].status is ChecklistItemStatus.OPEN
    assert conditions_from_chronic_categories([ChronicCategory.ASTHMA]) == frozenset()


def test_mixing_naive_and_aware_times_is_refused():
    from datetime import UTC

    with pytest.raises(ValueError):
        build_checklist(shipped(TransitionSetting.INPATIENT_MEDICAL), NOTIFIED, DISCHARGED.replace(tzinfo=UTC))


# -- item states -------------------------------------------------------------------------------------------


def planned(status=ChecklistItemStatus.OPEN, due=datetime(2026, 3, 7, 14, 0)) -> PlannedItem:
    return PlannedItem("member_contacted", "Member contacted", ChecklistAnchor.DISCHARGE, 48, due, status)


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (datetime(2026, 3, 6, 13, 59), ItemState.OPEN),  # more than 24 h ahead
        (datetime(2026, 3, 6, 14, 0), ItemState.DUE_SOON),  # exactly 24 h ahead
        (datetime(2026, 3, 7, 14, 0), ItemState.DUE_SOON),  # the due moment itself
        (datetime(2026, 3, 7, 14, 1), ItemState.OVERDUE),
        (datetime(2026, 5, 1), ItemState.OVERDUE),
    ],
)
def test_open_item_states(now, state):
    assert item_state(planned(), now) is state


def test_done_and_not_applicable_items_are_never_overdue():
    late = datetime(2026, 6, 1)
    assert item_state(planned(ChecklistItemStatus.DONE), late) is ItemState.DONE
    assert item_state(planned(ChecklistItemStatus.NOT_APPLICABLE), late) is ItemState.NOT_APPLICABLE
    assert item_state(planned(due=None), late) is ItemState.OPEN


def test_due_soon_window_can_be_changed():
    now = datetime(2026, 3, 5, 14, 0)  # 48 h before the due time
    assert item_state(planned(), now) is ItemState.OPEN
    assert item_state(planned(), now, soon=timedelta(hours=48)) is ItemState.DUE_SOON


# -- template validation -----------------------------------------------------------------------------------

VALID_ITEM = {"key": "a", "label": "A", "anchor": "notification", "due_hours": 24}


def test_from_dict_reports_every_problem():
    data = {
        "setting": "hospital",
        "colour": "red",
        "items": [
            VALID_ITEM,
            {"key": "a", "label": " ", "anchor": "admission", "due_hours": True, "applies_when": "always"},
            {"key": "Bad Key", "label": "B", "anchor": "discharge", "due_hours": -1, "extra": 1},
            "not an item",
        ],
    }
    with pytest.raises(TemplateError) as caught:
        ChecklistTemplate.from_dict(data)
    problems = caught.value.problems
    text = "\n".join(problems)
    for fragment in (
        "unknown fields: colour",
        "setting must be one of",
        "Item 2 (a): the key is used by an earlier item",
        "Item 2 (a): label",
        "Item 2 (a): anchor",
        "Item 2 (a): due_hours",
        "Item 2 (a): applies_when",
        "Item 3: key must be",
        "Item 3 has unknown fields: extra",
        "Item 3: due_hours",
        "Item 4 must be an object",
    ):
        assert fragment in text, fragment
    assert str(caught.value).startswith("The checklist template is not valid")


@pytest.mark.parametrize("data", [None, [], "x", {"setting": "emergency_department", "items": []}])
def test_from_dict_refuses_shapes_that_are_not_templates(data):
    with pytest.raises(TemplateError):
        ChecklistTemplate.from_dict(data)


def test_json_syntax_error_names_the_line():
    with pytest.raises(TemplateError, match="line 2"):
        template_from_json('{"setting": "detox_rehab",\n "items": [,]}')


item_dicts = st.fixed_dictionaries(
    {
        "key": st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
        "label": st.text(min_size=1, max_size=40).filter(lambda text: text.strip() == text and text),
        "anchor": st.sampled_from([anchor.value for anchor in ChecklistAnchor]),
        "due_hours": st.none() | st.integers(0, 24 * 366),
        "applies_when": st.none() | st.sampled_from([condition.value for condition in ItemCondition]),
        "basis": st.text(max_size=30),
    }
)


@given(
    st.sampled_from([setting.value for setting in TransitionSetting]),
    st.lists(item_dicts, min_size=1, max_size=8, unique_by=lambda item: item["key"]),
)
def test_valid_dicts_round_trip(setting, items):
    data = {"setting": setting, "description": "", "items": items}
    template = ChecklistTemplate.from_dict(data)
    assert template.to_dict() == data
    assert ChecklistTemplate.from_dict(json.loads(template_to_json(template))) == template


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@given(json_values | st.fixed_dictionaries({"setting": st.just("skilled_nursing"), "items": json_values}))
def test_from_dict_only_ever_raises_template_error(data):
    try:
        ChecklistTemplate.from_dict(data)
    except TemplateError as error:
        assert error.problems


# -- readmissions and the member contact ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("admitted", "readmission"),
    [
        (date(2026, 3, 5), True),  # same day
        (date(2026, 3, 6), True),
        (date(2026, 4, 4), True),  # day 30
        (date(2026, 4, 5), False),  # day 31
        (date(2026, 3, 4), False),  # before the discharge
    ],
)
def test_readmission_window(admitted, readmission):
    assert is_readmission([date(2026, 3, 5)], admitted) is readmission


def test_readmission_against_several_discharges_and_none():
    assert is_readmission([date(2025, 1, 1), DISCHARGED], date(2026, 3, 20))
    assert not is_readmission([], date(2026, 3, 20))


@pytest.mark.parametrize(
    ("contact_date", "mode", "services", "with_whom", "completes"),
    [
        (date(2026, 3, 7), ContactMode.PHONE, TC, WithWhom.MEMBER, True),  # deadline day
        (date(2026, 3, 5), ContactMode.IN_PERSON, TC, WithWhom.MEMBER, True),  # discharge day
        (date(2026, 3, 6), ContactMode.VIDEO, TC | {CoreService.CM}, WithWhom.FAMILY, True),
        (date(2026, 3, 8), ContactMode.PHONE, TC, WithWhom.MEMBER, False),  # too late
        (date(2026, 3, 4), ContactMode.PHONE, TC, WithWhom.MEMBER, False),  # before discharge
        (date(2026, 3, 6), ContactMode.ATTEMPT, TC, WithWhom.MEMBER, False),  # reached no one
        (date(2026, 3, 6), ContactMode.MAIL, TC, WithWhom.MEMBER, False),
        (date(2026, 3, 6), ContactMode.COLLATERAL, TC, WithWhom.PROVIDER, False),
        (date(2026, 3, 6), ContactMode.PHONE, TC, WithWhom.PROVIDER, False),  # not the member
        (date(2026, 3, 6), ContactMode.PHONE, frozenset({CoreService.CM}), WithWhom.MEMBER, False),  # no TC
        (datetime(2026, 3, 7, 14, 0), ContactMode.PHONE, TC, WithWhom.MEMBER, True),  # exact time
        (datetime(2026, 3, 7, 14, 1), ContactMode.PHONE, TC, WithWhom.MEMBER, False),
        (datetime(2026, 3, 5, 13, 0), ContactMode.PHONE, TC, WithWhom.MEMBER, False),
    ],
)
def test_tc_contact_completes_member_contacted(contact_date, mode, services, with_whom, completes):
    assert tc_contact_completes_member_contacted(DISCHARGED, contact_date, mode, services, with_whom) is completes


def test_member_contact_window_follows_the_items_hours():
    args = (DISCHARGED, date(2026, 3, 8), ContactMode.PHONE, TC, WithWhom.MEMBER)
    assert not tc_contact_completes_member_contacted(*args)
    assert tc_contact_completes_member_contacted(*args, within_hours=72)


def test_episode_dates():
    now = datetime(2026, 3, 10, 12, 0)
    assert episode_problems(date(2026, 3, 1), DISCHARGED, NOTIFIED, now) == []
    assert episode_problems(date(2026, 3, 8), None, datetime(2026, 3, 7), now) == []  # planned admission
    problems = episode_problems(date(2026, 3, 11), datetime(2026, 3, 10, 13, 0), datetime(2026, 3, 11), now)
    assert len(problems) == 4  # admission, notification and discharge in the future; discharge before admission
    assert episode_problems(date(2026, 3, 6), DISCHARGED, NOTIFIED, now) == ["The discharge is before the admission date."]


def test_overlapping_stays_are_found_and_a_same_day_transfer_is_not_one() -> None:
    from hhdesk.domain.checklists import Stay, overlapping_stays

    first = Stay(date(2026, 11, 2), date(2026, 11, 9), "first")
    still_in = Stay(date(2026, 11, 20), None, "still in")
    stays = [first, still_in]
    assert overlapping_stays(stays, date(2026, 11, 5), None) == [first, still_in]
    assert overlapping_stays(stays, date(2026, 11, 9), date(2026, 11, 12)) == [], "a transfer on the 9th"
    assert overlapping_stays(stays, date(2026, 10, 30), date(2026, 11, 2)) == [], "left the day the other began"
    assert overlapping_stays(stays, date(2026, 11, 2), date(2026, 11, 2)) == [first], "the same admission twice"
    assert overlapping_stays(stays, date(2026, 11, 25), None) == [still_in]
    assert overlapping_stays(stays, date(2026, 11, 12), date(2026, 11, 15)) == []


def test_the_due_time_reason_in_plain_words_leaves_the_sources_for_the_tooltip() -> None:
    from hhdesk.domain.checklists import basis_in_plain_words

    assert basis_in_plain_words("Within 48 hours of discharge (DC rule 22-A2508). A spoken contact with the "
                                "member or family carrying TC completes it.") == (
        "Within 48 hours of discharge. A spoken contact with the member or family carrying TC completes it.")
    assert basis_in_plain_words("Within 24 hours of notification (hhdesk recommendation).") == (
        "Within 24 hours of notification.")
    assert basis_in_plain_words("") == ""
