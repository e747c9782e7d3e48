"""Two people editing the same record on the agency's server, each with their own login."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date

import pytest

from hhdesk.db.models import Member
from hhdesk.domain.enums import Role
from hhdesk.errors import ChangedByOther
from hhdesk.services import members
from hhdesk.services.agency import login
from hhdesk.services.members import MemberDetails
from hhdesk.services.record_versions import lock_for_edit
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
