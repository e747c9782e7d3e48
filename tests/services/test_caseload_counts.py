"""Counts per care manager for supervisors: members by status and tier, contacts this month, and the active
members with no qualifying contact yet this month, at month and year boundaries."""

from __future__ import annotations

from datetime import date

import pytest

from hhdesk.db.models import Contact
from hhdesk.domain.enums import ContactMode, MemberStatus, Role, SegmentType, Tier
from hhdesk.errors import PermissionDenied
from hhdesk.services.caseload_counts import care_manager_counts
from hhdesk.services.context import AppSession
from tests.services.care_helpers import add_member

SINCE_2025 = ((SegmentType.ENROLLED, date(2025, 1, 1), None),)


def add_contact(app: AppSession, member_id: int, on: date, mode: ContactMode, services: str = "CM") -> None:
    """Straight into the store: some of these (mail carrying a service) the contact form would refuse."""
    with app.work(None) as uow:
        uow.session.add(Contact(member_id=member_id, contact_date=on, mode=mode.value, core_services=services))


@pytest.fixture
def caseloads(admin: AppSession) -> AppSession:
    a = add_member(admin, "AA11111A", "Alpha", segments=SINCE_2025, tier=Tier.STANDARD)
    add_contact(admin, a, date(2026, 11, 30), ContactMode.PHONE)  # last month on Dec 1
    add_contact(admin, a, date(2026, 12, 1), ContactMode.PHONE)  # qualifies
    b = add_member(admin, "BB22222B", "Bravo", segments=SINCE_2025, tier=Tier.HH_PLUS)
    add_contact(admin, b, date(2026, 12, 1), ContactMode.MAIL)  # a contact, but mail never qualifies
    c = add_member(admin, "CC33333C", "Charlie", segments=((SegmentType.OUTREACH, date(2026, 10, 1), None),))
    add_contact(admin, c, date(2026, 12, 1), ContactMode.ATTEMPT)  # an attempt qualifies in outreach
    add_member(admin, "DD44444D", "Delta", segments=((SegmentType.ENROLLED, date(2025, 1, 1), date(2026, 6, 30)),))
    e = add_member(admin, "EE55555E", "Echo", segments=SINCE_2025, tier=Tier.STANDARD)
    add_contact(admin, e, date(2026, 12, 2), ContactMode.IN_PERSON)  # after "today" on Dec 1
    add_contact(admin, e, date(2026, 12, 3), ContactMode.PHONE, services="")  # no core service
    add_member(admin, "FF66666F", "Foxtrot", segments=SINCE_2025, tier=Tier.HIGH_RISK, care_manager="supervisor")
    add_member(admin, "GG77777G", "Golf", care_manager=None)  # referred, no one assigned
    return admin


def by_name(counts) -> dict:
    return {row.username: row for row in counts.rows}


def test_counts_on_the_first_of_the_month(caseloads: AppSession, login_as) -> None:
    counts = care_manager_counts(login_as(Role.SUPERVISOR), date(2026, 12, 1))
    assert counts.month_start == date(2026, 12, 1)
    rows = by_name(counts)
    assert list(rows) == ["caremanager", "supervisor", ""]  # by name, the unassigned members last
    cm = rows["caremanager"]
    assert cm.members == 5 and cm.active == 4
    assert cm.status_count(MemberStatus.ENROLLED) == 3 and cm.status_count(MemberStatus.OUTREACH) == 1
    assert cm.status_count(MemberStatus.DISENROLLED) == 1 and cm.status_count(MemberStatus.REFERRED) == 0
    assert cm.tier_count(Tier.STANDARD) == 2 and cm.tier_count(Tier.HH_PLUS) == 1 and cm.tier_count(None) == 1
    assert cm.contacts_this_month == 3  # Alpha, Bravo, Charlie on Dec 1; not Nov 30, not Dec 2 or 3
    assert cm.no_qualifying_contact == 2  # Bravo (mail), Echo (nothing yet by Dec 1)
    supervisor = rows["supervisor"]
    assert (supervisor.members, supervisor.tier_count(Tier.HIGH_RISK), supervisor.no_qualifying_contact) == (1, 1, 1)
    unassigned = rows[""]
    assert unassigned.status_count(MemberStatus.REFERRED) == 1 and unassigned.active == 0
    assert counts.tiers == (Tier.STANDARD, Tier.HIGH_RISK, Tier.HH_PLUS, None)
    assert counts.total.members == 7 and counts.total.no_qualifying_contact == 3
    assert counts.total.contacts_this_month == 3


def test_later_in_the_month_and_at_the_turn_of_the_year(caseloads: AppSession, login_as) -> None:
    supervisor = login_as(Role.SUPERVISOR)
    cm = by_name(care_manager_counts(supervisor, date(2026, 12, 4)))["caremanager"]
    assert cm.contacts_this_month == 5 and cm.no_qualifying_contact == 1  # Echo met in person on Dec 2
    cm = by_name(care_manager_counts(supervisor, date(2026, 11, 30)))["caremanager"]
    assert cm.contacts_this_month == 1 and cm.no_qualifying_contact == 3  # only Alpha, on Nov 30
    january = care_manager_counts(supervisor, date(2027, 1, 1))
    cm = by_name(january)["caremanager"]
    assert january.month_start == date(2027, 1, 1)
    assert cm.contacts_this_month == 0 and cm.no_qualifying_contact == cm.active == 4


def test_a_care_manager_with_no_members_is_listed(admin: AppSession, login_as) -> None:
    counts = care_manager_counts(login_as(Role.SUPERVISOR), date(2026, 12, 4))
    assert [(r.username, r.members) for r in counts.rows] == [("caremanager", 0)]


@pytest.mark.parametrize("role", [Role.CARE_MANAGER, Role.BILLING, Role.READ_ONLY])
def test_only_supervisors_and_administrators(caseloads: AppSession, login_as, role: Role) -> None:
    with pytest.raises(PermissionDenied):
        care_manager_counts(login_as(role), date(2026, 12, 4))
