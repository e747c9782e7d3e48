"""Two people editing the same record in a store file: the second save is refused with who and when."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from hhdesk.domain.enums import ContactMode, CoreService, Role, WithWhom
from hhdesk.errors import ChangedByOther
from hhdesk.services import contacts, members
from hhdesk.services.contacts import ContactInput
from hhdesk.services.members import MemberDetails

TODAY = date(2026, 11, 20)


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
