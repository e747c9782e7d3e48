"""The contact log service: mode rules on the contact's date, staff, edits in the audit, the month line."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from hhdesk.clock import AgencyClock, FixedClock
from hhdesk.db.models import AuditEvent
from hhdesk.domain.contact_rules import (
    ATTEMPT_ENROLLED,
    MAIL_ENROLLED,
    MAIL_OUTREACH,
    core_service_block_reason,
)
from hhdesk.domain.enums import ContactMode, CoreService, Role, SegmentType, Tier, WithWhom
from hhdesk.errors import NotFound, PermissionDenied, ValidationFailed
from hhdesk.services import contacts
from hhdesk.services.contacts import ContactInput
from tests.services.care_helpers import add_member

TODAY = date(2026, 3, 20)
CM = frozenset({CoreService.CM})
ENROLLED = ((SegmentType.ENROLLED, date(2026, 1, 1), None),)
OUTREACH = ((SegmentType.OUTREACH, date(2026, 1, 1), None),)


def contact(day: date, mode: ContactMode, services=CM, **kw) -> ContactInput:
    return ContactInput(contact_date=day, mode=mode, core_services=services, minutes=kw.pop("minutes", 20), **kw)


def audit_events(app, action: str) -> list[AuditEvent]:
    with app.read(None) as session:
        return list(session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


@pytest.fixture
def cm(login_as):
    return login_as(Role.CARE_MANAGER)


@pytest.mark.parametrize("mode, message", [(ContactMode.MAIL, MAIL_ENROLLED), (ContactMode.ATTEMPT, ATTEMPT_ENROLLED)])
def test_enrolled_member_mail_or_attempt_cannot_carry_a_core_service(admin, cm, mode, message) -> None:
    member = add_member(admin, "AB12345C", segments=ENROLLED)
    with pytest.raises(ValidationFailed) as caught:
        contacts.log_contact(cm, member, contact(date(2026, 3, 2), mode), today=TODAY)
    assert caught.value.problems == [message]
    saved = contacts.log_contact(cm, member, contact(date(2026, 3, 2), mode, frozenset()), today=TODAY)
    assert saved.contact.mode is mode and not saved.contact.qualifying


def test_outreach_member_attempt_may_carry_a_core_service_but_mail_may_not(admin, cm) -> None:
    member = add_member(admin, "AB12345C", segments=OUTREACH)
    saved = contacts.log_contact(cm, member, contact(date(2026, 3, 2), ContactMode.ATTEMPT), today=TODAY)
    assert saved.contact.qualifying and saved.contact.segment_type is SegmentType.OUTREACH
    with pytest.raises(ValidationFailed, match="mail") as caught:
        contacts.log_contact(cm, member, contact(date(2026, 3, 2), ContactMode.MAIL), today=TODAY)
    assert caught.value.problems == [MAIL_OUTREACH]


def test_the_rule_follows_the_segment_on_the_contacts_date_not_today(admin, cm) -> None:
    member = add_member(admin, "AB12345C", segments=(
        (SegmentType.OUTREACH, date(2026, 1, 1), date(2026, 1, 31)),
        (SegmentType.ENROLLED, date(2026, 2, 1), None),
    ))
    late_entry = contacts.log_contact(cm, member, contact(date(2026, 1, 20), ContactMode.ATTEMPT), today=TODAY)
    assert late_entry.contact.segment_type is SegmentType.OUTREACH
    with pytest.raises(ValidationFailed):
        contacts.log_contact(cm, member, contact(date(2026, 2, 2), ContactMode.ATTEMPT), today=TODAY)


def test_no_segment_is_kept_with_a_warning_and_future_dates_and_minutes_are_refused(admin, cm) -> None:
    member = add_member(admin, "AB12345C")
    saved = contacts.log_contact(cm, member, contact(date(2026, 3, 2), ContactMode.PHONE), today=TODAY)
    assert saved.warnings and not saved.contact.qualifying
    with pytest.raises(ValidationFailed) as caught:
        contacts.log_contact(cm, member, contact(date(2026, 3, 21), ContactMode.PHONE, minutes=601), today=TODAY)
    assert len(caught.value.problems) == 2


def test_staff_defaults_to_the_actor_and_only_supervisors_may_choose_another(admin, cm, login_as) -> None:
    member = add_member(admin, "AB12345C", segments=ENROLLED)
    saved = contacts.log_contact(cm, member, contact(date(2026, 3, 2), ContactMode.PHONE), today=TODAY)
    assert saved.contact.staff == "caremanager"
    with pytest.raises(PermissionDenied):
        contacts.log_contact(cm, member, contact(date(2026, 3, 2), ContactMode.PHONE, staff="supervisor"),
                             today=TODAY)
    supervisor = login_as(Role.SUPERVISOR)
    other = contacts.log_contact(supervisor, member, contact(date(2026, 3, 3), ContactMode.PHONE, staff="caremanager"),
                                 today=TODAY)
    assert other.contact.staff == "caremanager"
    assert [s.username for s in contacts.form_facts(cm, member).staff_choices] == ["caremanager"]


def test_an_edit_is_audited_with_the_names_of_the_fields_changed_never_values(admin, cm) -> None:
    member = add_member(admin, "AB12345C", segments=ENROLLED)
    saved = contacts.log_contact(cm, member, contact(date(2026, 3, 2), ContactMode.PHONE, note="first"), today=TODAY)
    edited = contacts.edit_contact(cm, saved.contact.contact_id,
                                   contact(date(2026, 3, 3), ContactMode.PHONE, note="secret words", minutes=45),
                                   today=TODAY)
    assert edited.contact.minutes == 45 and edited.contact.staff == "caremanager"
    [event] = audit_events(admin, "contact_edited")
    assert event.detail == "fields: contact_date, minutes, note" and event.member_id == member
    assert "secret" not in event.detail
    contacts.delete_contact(cm, saved.contact.contact_id)
    assert audit_events(admin, "contact_deleted")[0].entity_id == str(saved.contact.contact_id)
    with pytest.raises(NotFound):
        contacts.get_contact(cm, saved.contact.contact_id)


def test_a_care_manager_cannot_change_a_colleagues_contact(admin, cm, login_as) -> None:
    member = add_member(admin, "AB12345C", segments=ENROLLED)
    supervisor = login_as(Role.SUPERVISOR)
    theirs = contacts.log_contact(supervisor, member, contact(date(2026, 3, 2), ContactMode.PHONE), today=TODAY)
    with pytest.raises(PermissionDenied):
        contacts.delete_contact(cm, theirs.contact.contact_id)
    with pytest.raises(PermissionDenied):
        contacts.log_contact(login_as(Role.BILLING), member, contact(date(2026, 3, 2), ContactMode.PHONE), today=TODAY)


def test_list_is_newest_first(admin, cm) -> None:
    member = add_member(admin, "AB12345C", segments=ENROLLED)
    for day in (5, 1, 9):
        contacts.log_contact(cm, member, contact(date(2026, 3, day), ContactMode.PHONE), today=TODAY)
    assert [c.contact_date.day for c in contacts.list_contacts(cm, member)] == [9, 5, 1]


def test_month_summary_for_health_home_plus_says_what_is_still_needed(admin, cm) -> None:
    member = add_member(admin, "AB12345C", segments=ENROLLED, tier=Tier.HH_PLUS)
    for day, mode in ((2, ContactMode.IN_PERSON), (4, ContactMode.PHONE), (6, ContactMode.PHONE)):
        contacts.log_contact(cm, member, contact(date(2026, 3, day), mode), today=TODAY)
    contacts.log_contact(cm, member, contact(date(2026, 3, 7), ContactMode.ATTEMPT, frozenset()), today=TODAY)
    contacts.log_contact(cm, member, contact(date(2026, 2, 7), ContactMode.IN_PERSON), today=TODAY)
    month = contacts.month_summary_for(cm, member, today=TODAY)
    s = month.summary
    assert (s.qualifying, s.in_person, s.required, s.required_in_person) == (3, 1, 4, 2)
    assert (s.more_needed, s.more_in_person_needed) == (1, 1)
    assert month.days_left == 11
    assert month.text == "March: 3 qualifying contacts (1 in person); needs 1 more, 1 in person (11 days left)."
    contacts.log_contact(cm, member, contact(date(2026, 3, 8), ContactMode.IN_PERSON), today=TODAY)
    assert contacts.month_summary_for(cm, member, today=TODAY).summary.met


def test_services_text_and_block_reason_for_the_form() -> None:
    assert contacts.encode_services({CoreService.IT, CoreService.CM, CoreService.TC}) == "CM;TC;IT"
    assert core_service_block_reason(SegmentType.ENROLLED, ContactMode.ATTEMPT) == ATTEMPT_ENROLLED
    assert core_service_block_reason(SegmentType.OUTREACH, ContactMode.ATTEMPT) is None
    assert core_service_block_reason(None, ContactMode.MAIL) == MAIL_OUTREACH
    assert core_service_block_reason(SegmentType.ENROLLED, ContactMode.COLLATERAL) is None
    assert WithWhom("family") is WithWhom.FAMILY


def test_a_contact_logged_today_counts_this_month_whatever_day_today_is(admin, cm) -> None:
    """Not pinned on purpose: the date guard (make test-dates) runs it on a month's first and last days,
    where a month that starts a day late, or ends a day early, loses today's contact."""
    today = AgencyClock().today()
    member = add_member(admin, "AB12345C", segments=((SegmentType.ENROLLED, today - timedelta(days=400), None),))
    contacts.log_contact(cm, member, contact(today, ContactMode.PHONE), today=today)
    last_month = today.replace(day=1) - timedelta(days=1)
    contacts.log_contact(cm, member, contact(last_month, ContactMode.PHONE), today=today)
    summary = contacts.month_summary_for(cm, member).summary
    assert summary.qualifying == 1 and summary.month == today.replace(day=1)


def test_the_service_takes_the_day_from_the_sessions_clock(admin, cm) -> None:
    member = add_member(admin, "AB12345C", segments=ENROLLED)
    cm.clock = FixedClock.on(date(2026, 2, 20))
    contacts.log_contact(cm, member, contact(date(2026, 2, 10), ContactMode.IN_PERSON))
    month = contacts.month_summary_for(cm, member)
    assert (month.summary.qualifying, month.days_left) == (1, 8)
    with pytest.raises(ValidationFailed):  # the 21st is tomorrow on this clock, whatever the real day
        contacts.log_contact(cm, member, contact(date(2026, 2, 21), ContactMode.PHONE))
    cm.clock = FixedClock.on(date(2026, 3, 1))
    assert contacts.month_summary_for(cm, member).summary.qualifying == 0
    assert contacts.form_facts(cm, member).today == date(2026, 3, 1)


def test_the_service_says_who_may_edit_each_contact_by_the_rule_it_enforces(admin, cm, login_as) -> None:
    """The contacts list offers Edit and Delete from `may_edit`; a read-only user named as a contact's staff
    used to get both buttons for a change the service then refused."""
    member = add_member(admin, "AB12345C", segments=ENROLLED)
    supervisor = login_as(Role.SUPERVISOR)
    reader = login_as(Role.READ_ONLY)
    mine = contacts.log_contact(cm, member, contact(date(2026, 3, 2), ContactMode.PHONE), today=TODAY).contact
    theirs = contacts.log_contact(supervisor, member, contact(date(2026, 3, 3), ContactMode.PHONE), today=TODAY).contact
    readers = contacts.log_contact(supervisor, member, contact(date(2026, 3, 4), ContactMode.PHONE, staff="readonly"),
                                   today=TODAY).contact
    may_edit = {who: {c.contact_id: c.may_edit for c in contacts.list_contacts(app, member)}
                for who, app in (("cm", cm), ("supervisor", supervisor), ("reader", reader))}
    assert may_edit["cm"] == {mine.contact_id: True, theirs.contact_id: False, readers.contact_id: False}
    assert set(may_edit["supervisor"].values()) == {True}
    assert set(may_edit["reader"].values()) == {False}
    for who, app in (("cm", cm), ("supervisor", supervisor), ("reader", reader)):
        for contact_id, allowed in may_edit[who].items():
            if allowed:
                continue
            with pytest.raises(PermissionDenied):
                contacts.delete_contact(app, contact_id)
