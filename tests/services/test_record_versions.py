"""Two people editing the same record in a store file: the second save is refused with who and when."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from hhdesk.domain.enums import ContactMode, CoreService, Role, WithWhom
from hhdesk.errors import ChangedByOther
from hhdesk.services import contacts, members
from hhdesk.services.contacts import ContactInput
from hhdesk.services.members import MemberDetails

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 15, 0)


def _member(app) -> int:
    created = members.create_member(app, MemberDetails(medicaid_id="AB12345C", last_name="Rivera",
                                                       first_name="Luz", dob=date(1970, 3, 4)))
    assert created.member_id is not None
    return created.member_id


def test_the_second_profile_save_over_a_stale_copy_is_refused_naming_who_and_when(login_as) -> None:
    first, second = login_as(Role.SUPERVISOR), login_as(Role.CARE_MANAGER)
    member_id = _member(first)
    mine = members.get_details(first, member_id)
    theirs = members.get_details(second, member_id)
    members.update_member(second, member_id, replace(theirs, phone="5185550100"))

    with pytest.raises(ChangedByOther) as refused:
        members.update_member(first, member_id, replace(mine, city="Albany"))

    sentence = str(refused.value)
    assert sentence.startswith("caremanager changed this member's profile on ")
    assert "your changes were not saved" in sentence
    stored = members.get_details(first, member_id)
    assert (stored.phone, stored.city) == ("(518) 555-0100", "")
    # Saving again from the copy that includes their change goes through, and keeps both.
    members.update_member(first, member_id, replace(stored, city="Albany"))
    assert (members.get_details(first, member_id).phone, members.get_details(first, member_id).city) == (
        "(518) 555-0100", "Albany")


def test_a_save_without_a_version_seen_still_works(login_as) -> None:
    app = login_as(Role.SUPERVISOR)
    member_id = _member(app)
    details = replace(members.get_details(app, member_id), seen_version=None, city="Troy")
    assert members.update_member(app, member_id, details).city == "Troy"


def test_the_second_contact_edit_over_a_stale_copy_is_refused(login_as) -> None:
    supervisor = login_as(Role.SUPERVISOR)
    member_id = _member(supervisor)
    data = ContactInput(TODAY, ContactMode.PHONE, WithWhom.MEMBER, 15, frozenset({CoreService.CC}),
                        "first note", None)
    logged = contacts.log_contact(supervisor, member_id, data, today=TODAY).contact
    other = login_as(Role.ADMIN)
    contacts.edit_contact(other, logged.contact_id, replace(data, minutes=20), today=TODAY,
                          seen_version=logged.version)
    with pytest.raises(ChangedByOther, match=r"^Ada Admin \(admin\) changed this contact on "):
        contacts.edit_contact(supervisor, logged.contact_id, replace(data, note="second note"), today=TODAY,
                              seen_version=logged.version)
    stored = contacts.get_contact(supervisor, logged.contact_id)
    assert (stored.minutes, stored.note) == (20, "first note")


def test_a_care_plan_draft_saved_by_someone_else_since_is_not_overwritten(login_as) -> None:
    from hhdesk.services import careplans

    supervisor, admin = login_as(Role.SUPERVISOR), login_as(Role.ADMIN)
    member_id = _member(supervisor)
    draft = careplans.create_first_draft(supervisor, member_id)
    theirs = careplans.save_draft(admin, draft.id, draft.content, seen_version=draft.row_version)
    assert theirs.row_version == draft.row_version + 1  # the tree's save moves the draft's version
    with pytest.raises(ChangedByOther, match=r"^Ada Admin \(admin\) changed this care plan draft on "):
        careplans.save_draft(supervisor, draft.id, draft.content, seen_version=draft.row_version)
    careplans.save_draft(supervisor, draft.id, draft.content, seen_version=theirs.row_version)


# ---- referrals, transition episodes, directory entries ------------------------------------------------


def _referral(app, member_id: int):
    from hhdesk.domain.enums import ReferralCategory
    from hhdesk.services import directory, referrals
    from hhdesk.services.referrals import NewReferral

    agency = directory.create_entry(app, directory.DirectoryEntryInput(name="Dutchess Housing Coalition",
                                                                        categories=("housing",)))
    return referrals.create_referral(app, NewReferral(
        member_id=member_id, directory_entry_id=agency.id, category=ReferralCategory.HOUSING,
        reason="Facing eviction", sent_on=TODAY), today=TODAY).row


def test_a_referral_changed_by_someone_else_since_is_not_changed(login_as) -> None:
    from hhdesk.domain.enums import ReferralStatus
    from hhdesk.services import referrals

    supervisor, admin = login_as(Role.SUPERVISOR), login_as(Role.ADMIN)
    opened = _referral(supervisor, _member(supervisor))
    theirs = referrals.record_outcome(admin, opened.referral_id, "Intake on 11/24", today=TODAY,
                                      seen_version=opened.version).row
    assert theirs.version == opened.version + 1

    refusals = (
        lambda: referrals.change_status(supervisor, opened.referral_id, ReferralStatus.DECLINED, TODAY,
                                        "No beds", "Declined", today=TODAY, seen_version=opened.version),
        lambda: referrals.record_outcome(supervisor, opened.referral_id, "Mine", today=TODAY,
                                         seen_version=opened.version),
        lambda: referrals.set_follow_up(supervisor, opened.referral_id, date(2026, 12, 1), today=TODAY,
                                        seen_version=opened.version),
    )
    for refused_save in refusals:
        with pytest.raises(ChangedByOther, match=r"^Ada Admin \(admin\) changed this referral on "):
            refused_save()
    stored = referrals.get_referral(supervisor, opened.referral_id, today=TODAY).row
    assert (stored.status, stored.outcome, stored.follow_up_on, stored.version) == (
        ReferralStatus.SENT, "Intake on 11/24", opened.follow_up_on, theirs.version)
    moved = referrals.change_status(supervisor, opened.referral_id, ReferralStatus.ACCEPTED, TODAY, "Booked",
                                    today=TODAY, seen_version=theirs.version).row
    assert moved.status is ReferralStatus.ACCEPTED
    assert moved.version == referrals.get_referral(admin, opened.referral_id, today=TODAY).row.version  # saves again


def _episode(app, member_id: int):
    from hhdesk.domain.enums import TransitionSetting
    from hhdesk.services import transitions
    from hhdesk.services.transitions import EpisodeInput

    return transitions.open_episode(app, member_id, EpisodeInput(
        setting=TransitionSetting.INPATIENT_MEDICAL, admitted_on=date(2026, 11, 16),
        notified_at=datetime(2026, 11, 16, 9, 30), facility_name="Albany Med"), now=NOW)


def _item(view, key: str):
    return next(i for i in view.items if i.key == key)


def test_a_transition_episode_changed_by_someone_else_since_is_not_changed(login_as) -> None:
    from hhdesk.services import transitions

    supervisor, admin = login_as(Role.SUPERVISOR), login_as(Role.ADMIN)
    opened = _episode(supervisor, _member(supervisor))
    theirs = transitions.record_discharge(admin, opened.episode_id, datetime(2026, 11, 18, 11), "Home", now=NOW,
                                          seen_version=opened.version)
    assert theirs.version > opened.version

    with pytest.raises(ChangedByOther, match=r"^Ada Admin \(admin\) changed this transition episode on .*still in "
                                             r"the form"):
        transitions.record_discharge(supervisor, opened.episode_id, datetime(2026, 11, 19, 8), "Shelter", now=NOW,
                                     seen_version=opened.version)
    with pytest.raises(ChangedByOther, match="this transition episode"):
        transitions.close_episode(supervisor, opened.episode_id, care_plan_reviewed=True, now=NOW,
                                  seen_version=opened.version)
    stored = transitions.get_episode(supervisor, opened.episode_id, now=NOW)
    assert (stored.discharged_at, stored.discharge_destination, stored.is_open) == (
        datetime(2026, 11, 18, 11), "Home", True)
    transitions.close_episode(supervisor, opened.episode_id, care_plan_reviewed=True, now=NOW,
                              seen_version=stored.version)
    closed = transitions.get_episode(admin, opened.episode_id, now=NOW)
    with pytest.raises(ChangedByOther, match="so nothing was changed"):
        transitions.reopen_episode(admin, opened.episode_id, now=NOW, seen_version=stored.version)
    assert transitions.reopen_episode(admin, opened.episode_id, now=NOW, seen_version=closed.version).is_open


def test_a_checklist_item_changed_counts_as_a_change_to_its_episode(login_as) -> None:
    from hhdesk.domain.enums import ChecklistItemStatus
    from hhdesk.services import transitions

    supervisor, admin = login_as(Role.SUPERVISOR), login_as(Role.ADMIN)
    opened = _episode(supervisor, _member(supervisor))
    shared = _item(opened, "care_plan_shared")
    theirs = transitions.mark_item_not_applicable(admin, shared.item_id, "Shared at the bedside", now=NOW,
                                                  seen_version=shared.episode_version)
    assert theirs.version == opened.version + 1  # the item's change moved the episode's version

    with pytest.raises(ChangedByOther, match=r"^Ada Admin \(admin\) changed this transition episode on "):
        transitions.mark_item_done(supervisor, shared.item_id, datetime(2026, 11, 19, 10), now=NOW,
                                   seen_version=shared.episode_version)
    with pytest.raises(ChangedByOther, match="so nothing was changed"):
        transitions.mark_item_done(supervisor, shared.item_id, now=NOW, seen_version=shared.episode_version)
    stored = _item(transitions.get_episode(supervisor, opened.episode_id, now=NOW), "care_plan_shared")
    assert (stored.status, stored.not_applicable_reason) == (ChecklistItemStatus.NOT_APPLICABLE,
                                                             "Shared at the bedside")
    reopened = transitions.reopen_item(supervisor, shared.item_id, now=NOW, seen_version=stored.episode_version)
    assert _item(reopened, "care_plan_shared").status is ChecklistItemStatus.OPEN
    with pytest.raises(ChangedByOther, match="so nothing was changed"):
        transitions.reopen_item(admin, shared.item_id, now=NOW, seen_version=theirs.version)


def test_a_checklist_item_a_contact_completes_moves_its_episode_version(login_as) -> None:
    from hhdesk.services import transitions

    supervisor = login_as(Role.SUPERVISOR)
    member_id = _member(supervisor)
    opened = _episode(supervisor, member_id)
    discharged = transitions.record_discharge(supervisor, opened.episode_id, datetime(2026, 11, 19, 11), "Home",
                                              now=NOW, seen_version=opened.version)
    saved = contacts.log_contact(supervisor, member_id, ContactInput(
        TODAY, ContactMode.PHONE, WithWhom.MEMBER, 15, frozenset({CoreService.TC}), "home, has medicines", None),
        today=TODAY)
    assert saved.completed_items
    assert transitions.get_episode(supervisor, opened.episode_id, now=NOW).version == discharged.version + 1


def test_a_directory_entry_changed_by_someone_else_since_is_not_changed(login_as) -> None:
    from hhdesk.services import directory

    supervisor, manager = login_as(Role.SUPERVISOR), login_as(Role.CARE_MANAGER)
    opened = directory.create_entry(supervisor, directory.DirectoryEntryInput(name="Eastside Clinic",
                                                                              phone="5185550100"))
    theirs = directory.update_entry(manager, opened.id, replace(opened.entry, fax="5185550199"),
                                    seen_version=opened.version)
    assert theirs.version == opened.version + 1
    with pytest.raises(ChangedByOther, match=r"^caremanager changed this directory entry on .*still in the form"):
        directory.update_entry(supervisor, opened.id, replace(opened.entry, phone="5185550111"),
                               seen_version=opened.version)
    with pytest.raises(ChangedByOther, match=r"^caremanager changed this directory entry on .*nothing was changed"):
        directory.set_entry_active(supervisor, opened.id, False, seen_version=opened.version)
    stored = directory.get_entry(supervisor, opened.id)
    assert (stored.entry.phone, stored.entry.fax, stored.active) == ("5185550100", "5185550199", True)
    assert directory.set_entry_active(supervisor, opened.id, False, seen_version=stored.version).active is False
