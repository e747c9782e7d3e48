"""Two people editing the same record on the agency's server, each with their own login."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, timedelta

import pytest

from hhdesk.db.models import Member
from hhdesk.domain.enums import ChecklistItemStatus, ReferralCategory, ReferralStatus, Role, TransitionSetting
from hhdesk.errors import ChangedByOther
from hhdesk.services import directory, members, referrals, transitions
from hhdesk.services.agency import login
from hhdesk.services.members import MemberDetails
from hhdesk.services.record_versions import lock_for_edit
from hhdesk.services.referrals import NewReferral
from hhdesk.services.transitions import EpisodeInput
from tests.pg.conftest import STAFF_PASSWORD, AgencyDatabase, add_staff


@pytest.fixture
def two_people(agency: AgencyDatabase):
    supervisor = login(agency.address, add_staff(agency, Role.SUPERVISOR), STAFF_PASSWORD)
    manager = login(agency.address, add_staff(agency, Role.CARE_MANAGER), STAFF_PASSWORD)
    created = members.create_member(supervisor, MemberDetails(medicaid_id="AB12345C", last_name="Rivera",
                                                              first_name="Luz", dob=date(1970, 3, 4)))
    yield supervisor, manager, created.member_id
    supervisor.close()
    manager.close()


def test_a_save_over_a_stale_copy_is_refused_with_who_and_when(two_people) -> None:
    supervisor, manager, member_id = two_people
    mine = members.get_details(manager, member_id)
    members.update_member(supervisor, member_id, replace(members.get_details(supervisor, member_id),
                                                         phone="5185550100"))
    with pytest.raises(ChangedByOther, match=rf"^{supervisor.actor.username} changed this member's profile on "
                                             r"\d\d/\d\d/\d{4} at \d\d:\d\d, after you opened it"):
        members.update_member(manager, member_id, replace(mine, city="Albany"))
    stored = members.get_details(manager, member_id)
    assert (stored.phone, stored.city, stored.seen_version) == ("(518) 555-0100", "", 2)


def test_two_saves_at_the_same_moment_queue_on_the_row_and_the_second_is_refused(two_people) -> None:
    supervisor, manager, member_id = two_people
    seen = members.get_details(manager, member_id)
    outcome: list[BaseException | None] = []

    def the_care_managers_save() -> None:
        try:
            members.update_member(manager, member_id, replace(seen, city="Albany"))
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    with supervisor.work(None) as uow:
        row = lock_for_edit(uow.session, Member, member_id, seen.seen_version, "this member's profile")
        assert row is not None
        row.city = "Troy"
        uow.session.flush()
        waiting = threading.Thread(target=the_care_managers_save)
        waiting.start()
        waiting.join(1.5)
        assert waiting.is_alive() and not outcome  # FOR UPDATE: the second save waits for the first
    waiting.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], ChangedByOther)
    assert members.get_details(manager, member_id).city == "Troy"


def test_the_version_counter_refuses_an_update_that_lost_the_race_unchecked(two_people) -> None:
    """A write that does not come through a form (no version seen) still cannot overwrite silently."""
    supervisor, manager, member_id = two_people
    with pytest.raises(ChangedByOther, match="at the same moment"), manager.work(None) as uow:
        row = uow.session.get(Member, member_id)
        assert row is not None
        members.update_member(supervisor, member_id, replace(members.get_details(supervisor, member_id),
                                                             city="Troy"))
        row.city = "Albany"
    assert members.get_details(manager, member_id).city == "Troy"


# ---- referrals, transition episodes and directory entries, each login on its own connection -----------


def _agency(app) -> directory.DirectoryEntryInfo:
    return directory.create_entry(app, directory.DirectoryEntryInput(name="Dutchess Housing Coalition",
                                                                     phone="8455550300", categories=("housing",)))


def test_a_referral_saved_by_one_login_refuses_the_others_stale_change(two_people) -> None:
    supervisor, manager, member_id = two_people
    opened = referrals.create_referral(supervisor, NewReferral(
        member_id=member_id, directory_entry_id=_agency(supervisor).id, category=ReferralCategory.HOUSING,
        reason="Facing eviction", sent_on=date(2026, 11, 16)), today=date(2026, 11, 20)).row
    mine = referrals.get_referral(manager, opened.referral_id, today=date(2026, 11, 20)).row
    referrals.record_outcome(supervisor, opened.referral_id, "Intake on 11/24", today=date(2026, 11, 20),
                             seen_version=opened.version)
    with pytest.raises(ChangedByOther, match=rf"^{supervisor.actor.username} changed this referral on "):
        referrals.change_status(manager, opened.referral_id, ReferralStatus.DECLINED, date(2026, 11, 20),
                                "No beds", "Declined", today=date(2026, 11, 20), seen_version=mine.version)
    stored = referrals.get_referral(manager, opened.referral_id, today=date(2026, 11, 20)).row
    assert (stored.status, stored.outcome) == (ReferralStatus.SENT, "Intake on 11/24")


def test_a_checklist_item_saved_by_one_login_refuses_the_others_stale_episode_change(two_people) -> None:
    supervisor, manager, member_id = two_people
    now = transitions.local_now(supervisor.clock)
    opened = transitions.open_episode(supervisor, member_id, EpisodeInput(
        setting=TransitionSetting.INPATIENT_MEDICAL, admitted_on=(now - timedelta(days=2)).date(),
        notified_at=now - timedelta(days=2), facility_name="Albany Med"), now=now)
    mine = transitions.get_episode(manager, opened.episode_id)
    item = next(i for i in opened.items if i.status is ChecklistItemStatus.OPEN)
    transitions.mark_item_not_applicable(supervisor, item.item_id, "Shared at the bedside",
                                         seen_version=item.episode_version)
    with pytest.raises(ChangedByOther, match=rf"^{supervisor.actor.username} changed this transition episode on "):
        transitions.record_discharge(manager, opened.episode_id, now - timedelta(hours=1), "Home",
                                     seen_version=mine.version)
    with pytest.raises(ChangedByOther, match="nothing was changed"):
        transitions.mark_item_done(manager, item.item_id, seen_version=mine.version)
    stored = transitions.get_episode(manager, opened.episode_id)
    assert stored.discharged_at is None
    assert next(i for i in stored.items if i.item_id == item.item_id).status is ChecklistItemStatus.NOT_APPLICABLE


def test_a_directory_entry_saved_by_one_login_refuses_the_others_stale_save(two_people) -> None:
    supervisor, manager, _member_id = two_people
    opened = _agency(supervisor)
    mine = directory.get_entry(manager, opened.id)
    directory.update_entry(supervisor, opened.id, replace(opened.entry, fax="8455550301"),
                           seen_version=opened.version)
    with pytest.raises(ChangedByOther, match=rf"^{supervisor.actor.username} changed this directory entry on "):
        directory.update_entry(manager, opened.id, replace(mine.entry, phone="8455550399"), seen_version=mine.version)
    with pytest.raises(ChangedByOther, match="nothing was changed"):
        directory.set_entry_active(manager, opened.id, False, seen_version=mine.version)
    stored = directory.get_entry(manager, opened.id)
    assert (stored.entry.phone, stored.entry.fax, stored.active) == ("8455550300", "8455550301", True)
