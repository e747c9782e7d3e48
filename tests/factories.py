"""Test data written straight into a store, for layers whose services do not create it yet.

There is no member-creation service until the enrolment feature; these helpers insert members through the
ORM in one write transaction. Tests only: the window and the CLI always go through services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from hhdesk.clock import AgencyClock
from hhdesk.db.models import EnrolmentSegment, Member, TierPeriod, User
from hhdesk.db.store import Store
from hhdesk.services.caseload import member_name_key


@dataclass(frozen=True)
class MemberSpec:
    last_name: str
    first_name: str
    medicaid_id: str
    dob: date
    preferred_name: str = ""
    phone: str = ""
    care_manager: str | None = None  # a username
    status: str = "enrolled"  # enrolled | outreach | disenrolled | referred
    tier: str | None = None


SAMPLE_MEMBERS: list[MemberSpec] = [
    MemberSpec("Núñez", "José", "AB12345C", date(1961, 4, 2), "Pepe", "(518) 555-0141", "cm1", "enrolled",
               "high_risk"),
    MemberSpec("O'Brien", "Siobhan", "CD23456E", date(1978, 11, 19), "", "(518) 555-0188", "cm1", "outreach"),
    MemberSpec("Washington", "Denise", "EF34567G", date(1990, 1, 7), "", "(518) 555-0102", "cm2", "enrolled",
               "standard"),
    MemberSpec("Nguyen", "Thanh", "GH45678I", date(1955, 6, 30), "", "", None, "referred"),
    MemberSpec("Smith-Jones", "Robert", "IJ56789K", date(1983, 9, 14), "Bob", "(518) 555-0170", "cm2",
               "disenrolled"),
]


def add_members(store: Store, specs: list[MemberSpec], today: date | None = None) -> list[int]:
    """Insert members with their segment and tier as of `today`; returns their ids in order."""
    today = today or AgencyClock().today()
    ids = []
    with store.write_session() as session:
        users = {u.username: u.id for u in session.execute(select(User)).scalars()}
        for spec in specs:
            member = Member(
                medicaid_id=spec.medicaid_id, last_name=spec.last_name, first_name=spec.first_name,
                preferred_name=spec.preferred_name, dob=spec.dob, phone=spec.phone,
                name_key=member_name_key(spec.last_name, spec.first_name, spec.preferred_name),
                care_manager_id=users[spec.care_manager] if spec.care_manager else None,
            )
            session.add(member)
            session.flush()
            start = today - timedelta(days=120)
            if spec.status in ("enrolled", "outreach"):
                session.add(EnrolmentSegment(member_id=member.id, kind=spec.status, start_date=start))
            elif spec.status == "disenrolled":
                session.add(EnrolmentSegment(member_id=member.id, kind="enrolled", start_date=start,
                                             end_date=today - timedelta(days=30), end_reason="moved"))
            if spec.tier:
                session.add(TierPeriod(member_id=member.id, tier=spec.tier, effective_date=start))
            ids.append(member.id)
    return ids


def many_members(count: int, care_manager: str | None = None) -> list[MemberSpec]:
    """Plain generated members (Test0001, Member …) for lists longer than a screen."""
    return [
        MemberSpec(f"Test{n:04d}", "Member", f"ZZ{n:05d}A", date(1950, 1, 1) + timedelta(days=97 * n),
                   care_manager=care_manager)
        for n in range(1, count + 1)
    ]
