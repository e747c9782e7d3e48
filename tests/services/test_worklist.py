"""The worklist: its four sources, urgency order, and who may see whose."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from hhdesk.domain.enums import ContactMode, CoreService, Role, SegmentType, Tier, TransitionSetting
from hhdesk.errors import PermissionDenied, ValidationFailed
from hhdesk.services import contacts, maintenance, transitions, worklist
from hhdesk.services.contacts import ContactInput
from hhdesk.services.transitions import EpisodeInput
from hhdesk.services.worklist import ALL, WorkKind
from tests.services.care_helpers import add_care_plan, add_directory_entry, add_member, add_referral

NOW = datetime(2026, 3, 20, 10, 0)
ENROLLED = ((SegmentType.ENROLLED, date(2025, 1, 1), None),)


@pytest.fixture
def caseload(admin, login_as):
    cm = login_as(Role.CARE_MANAGER)
    quiet = add_member(admin, "AA11111A", "Quiet", "Quinn", segments=ENROLLED)
    busy = add_member(admin, "BB22222B", "Busy", "Bea", segments=ENROLLED)
    plus = add_member(admin, "CC33333C", "Plus", "Pat", segments=ENROLLED, tier=Tier.HH_PLUS)
    theirs = add_member(admin, "DD44444D", "Other", "Otto", segments=ENROLLED, care_manager="supervisor")
    outreach = add_member(admin, "EE55555E", "Reach", "Ray", segments=((SegmentType.OUTREACH, date(2026, 1, 1), None),))
    for member in (busy, plus, theirs):
        contacts.log_contact(cm if member != theirs else admin, member,
                             ContactInput(date(2026, 3, 3), ContactMode.IN_PERSON, core_services=frozenset({CoreService.CM})),
                             today=NOW.date())
    episode = transitions.open_episode(
        cm, busy, EpisodeInput(TransitionSetting.INPATIENT_MEDICAL, date(2026, 3, 18), datetime(2026, 3, 18, 9, 30),
                               facility_name="General"), now=datetime(2026, 3, 18, 10))
    transitions.record_discharge(cm, episode.episode_id, datetime(2026, 3, 19, 12), now=datetime(2026, 3, 19, 13))
    add_care_plan(admin, theirs, date(2026, 3, 10))  # 10 days overdue
    add_care_plan(admin, quiet, date(2026, 3, 30))  # due within 14 days
    add_care_plan(admin, plus, date(2026, 4, 10))  # not yet
    entry = add_directory_entry(admin, "Hudson Housing", "housing")
    add_referral(admin, quiet, entry, date(2026, 3, 20))
    add_referral(admin, busy, entry, date(2026, 3, 25))  # not yet
    add_referral(admin, busy, entry, date(2026, 3, 1), status="completed")
    return {"episode": episode.episode_id, "cm": cm, "quiet": quiet, "busy": busy, "plus": plus, "theirs": theirs, "outreach": outreach}


def test_a_care_manager_sees_their_own_members_work_sorted_by_urgency(caseload) -> None:
    items = worklist.worklist(caseload["cm"], now=NOW)
    summary = [(i.kind, i.member_name.split(",")[0], i.overdue, i.urgency_label(NOW)) for i in items]
    assert summary == [
        (WorkKind.CHECKLIST_ITEM, "Busy", True, "Transition of care"),  # care plan shared: due 03/19 09:30
        (WorkKind.CHECKLIST_ITEM, "Busy", False, "Transition of care"),  # discharge recorded: due 03/20 12:00
        (WorkKind.REFERRAL_FOLLOW_UP, "Quiet", False, "Due this week"),  # due today
        # The 48-hour items (due 03/21 12:00) are more than a day away: not on the list yet.
        (WorkKind.MONTHLY_CONTACTS, "Plus", False, "Later"),  # HH+: 1 of 4, by 03/31
        (WorkKind.MONTHLY_CONTACTS, "Quiet", False, "Later"),  # none this month
        (WorkKind.CARE_PLAN_REVIEW, "Quiet", False, "Later"),  # 03/30
    ]
    assert [i.title for i in items][0] == "Care plan shared with the inpatient team"
    assert items[0].tab == "transitions" and items[2].tab == "referrals" and items[-1].tab == "care_plan"
    assert items[0].record_id == caseload["episode"] and items[2].record_id == items[2].entity_id
    plus = items[-3]
    assert plus.title == "Needs 3 more contacts this month (1 in person)"
    assert plus.detail == "1 of 4 qualifying, 1 of 2 in person; 11 days left"
    assert items[-2].title == "No qualifying contact this month"
    assert items[0].when_text(NOW) == "24 hours overdue"
    assert items[2].when_text(NOW) == "due today"


def test_transitions_come_first_then_overdue_work(caseload, login_as) -> None:
    supervisor = login_as(Role.SUPERVISOR)
    items = worklist.worklist(supervisor, ALL, now=NOW)
    # The transition items lead even though a care-plan review is 9 days overdue.
    assert [i.kind for i in items[:2]] == [WorkKind.CHECKLIST_ITEM, WorkKind.CHECKLIST_ITEM]
    review = items[2]
    assert review.kind is WorkKind.CARE_PLAN_REVIEW and review.member_name.startswith("Other")
    assert review.overdue and review.when_text(NOW) == "9 days overdue" and review.urgency_label(NOW) == "Overdue"
    assert not any(i.overdue for i in items[3:])
    assert [i.urgency(NOW) for i in items] == sorted(i.urgency(NOW) for i in items)
    # Outreach members have no monthly-contact line (their minimum is not a worklist matter).
    assert caseload["outreach"] not in {i.member_id for i in items}


def test_scoping_by_role(caseload, login_as) -> None:
    cm = caseload["cm"]
    assert caseload["theirs"] not in {i.member_id for i in worklist.worklist(cm, now=NOW)}
    with pytest.raises(PermissionDenied):
        worklist.worklist(cm, "supervisor", now=NOW)
    with pytest.raises(PermissionDenied):
        worklist.worklist(cm, ALL, now=NOW)
    supervisor = login_as(Role.SUPERVISOR)
    theirs = worklist.worklist(supervisor, now=NOW)
    assert {i.member_id for i in theirs} == {caseload["theirs"]}
    assert {i.member_id for i in worklist.worklist(supervisor, "caremanager", now=NOW)} == {
        caseload["quiet"], caseload["busy"], caseload["plus"]}
    with pytest.raises(PermissionDenied):
        worklist.worklist(login_as(Role.BILLING), now=NOW)


def test_done_work_leaves_the_list(caseload) -> None:
    cm = caseload["cm"]
    first = worklist.worklist(cm, now=NOW)[0]
    transitions.mark_item_done(cm, first.entity_id, now=NOW)
    contacts.log_contact(cm, caseload["quiet"], ContactInput(date(2026, 3, 20), ContactMode.PHONE,
                                                             core_services=frozenset({CoreService.CC})), today=NOW.date())
    after = worklist.worklist(cm, now=NOW)
    assert first.entity_id not in {i.entity_id for i in after if i.kind is WorkKind.CHECKLIST_ITEM}
    assert not [i for i in after if i.kind is WorkKind.MONTHLY_CONTACTS and i.member_id == caseload["quiet"]]
    assert worklist.worklist(cm, now=NOW + timedelta(days=40)) is not None


def test_the_hh_plus_minimum_follows_the_members_aot_order_and_population(caseload, admin) -> None:
    """NY DOH HH+ notice (2023-04-04): under an AOT order all 4 core services in person; the worklist asks for
    what billing will ask for, and an in-person contact with a provider is not in person with the member."""
    from hhdesk.domain.enums import WithWhom
    from hhdesk.services import billing_facts

    plus, cm = caseload["plus"], caseload["cm"]
    for day, mode, who in ((4, ContactMode.IN_PERSON, WithWhom.MEMBER), (5, ContactMode.PHONE, WithWhom.MEMBER),
                           (6, ContactMode.IN_PERSON, WithWhom.PROVIDER)):
        contacts.log_contact(cm, plus, ContactInput(date(2026, 3, day), mode, with_whom=who,
                                                    core_services=frozenset({CoreService.CC})), today=NOW.date())
    # SMI minimum met: 4 contacts, 2 in person with the member (the one with a provider does not count)
    assert plus not in {i.member_id for i in worklist.worklist(cm, now=NOW)}
    billing_facts.add_aot_order(admin, plus, date(2026, 1, 1))
    item = next(i for i in worklist.worklist(cm, now=NOW) if i.member_id == plus)
    assert item.title == "Needs 2 more contacts this month (2 in person)"
    assert item.detail == "4 of 4 qualifying, 2 of 4 in person; 11 days left"
def test_filter_by_kind(caseload) -> None:
    cm = caseload["cm"]
    items = worklist.worklist(cm, now=NOW, kinds={WorkKind.MONTHLY_CONTACTS, WorkKind.REFERRAL_FOLLOW_UP})
    assert {i.kind for i in items} == {WorkKind.MONTHLY_CONTACTS, WorkKind.REFERRAL_FOLLOW_UP}
    assert worklist.worklist(cm, now=NOW, kinds=()) == []


def test_tick_off_from_the_list_is_audited_and_refuses_what_is_done_elsewhere(caseload, admin) -> None:
    cm = caseload["cm"]
    items = worklist.worklist(cm, now=NOW)
    first, second = items[0], items[1]
    assert "Done:" in worklist.mark_done(cm, first, now=NOW)
    # As the window does after each tick: the list is read again (a change to a checklist item is a change to
    # its episode, and an item ticked off a list read before is refused: see test_record_versions).
    second = next(i for i in worklist.worklist(cm, now=NOW) if i.entity_id == second.entity_id)
    with pytest.raises(ValidationFailed, match="Say why"):
        worklist.mark_not_applicable(cm, second, "no", now=NOW)
    worklist.mark_not_applicable(cm, second, "Discharge date came with the summary", now=NOW)
    follow_up = next(i for i in items if i.kind is WorkKind.REFERRAL_FOLLOW_UP)
    assert "next follow-up is on 04/03/2026" in worklist.mark_done(cm, follow_up, now=NOW)
    with pytest.raises(ValidationFailed, match="status"):
        worklist.mark_not_applicable(cm, follow_up, "Member moved away", now=NOW)
    review = next(i for i in items if i.kind is WorkKind.CARE_PLAN_REVIEW)
    with pytest.raises(ValidationFailed, match="signing"):
        worklist.mark_done(cm, review, now=NOW)
    after = {(i.kind, i.entity_id) for i in worklist.worklist(cm, now=NOW)}
    assert (first.kind, first.entity_id) not in after and (second.kind, second.entity_id) not in after
    assert (WorkKind.REFERRAL_FOLLOW_UP, follow_up.entity_id) not in after
    actions = [(e.username, e.action) for e in maintenance.audit_log(admin, limit=10)]
    assert ("caremanager", "checklist_item_done") in actions
    assert ("caremanager", "checklist_item_not_applicable") in actions
    assert ("caremanager", "referral_updated") in actions
