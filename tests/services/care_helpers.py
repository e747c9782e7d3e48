"""Members with segments and tiers written straight into a test store, for the contact/transition tests.

The enrolment services are tested elsewhere; here we only need a member in a known segment on known dates.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from hhdesk.db.models import (
    CarePlanVersion,
    Condition,
    DirectoryEntry,
    EnrolmentSegment,
    Member,
    Referral,
    TierPeriod,
    User,
)
from hhdesk.domain.enums import SegmentType, Tier
from hhdesk.services.context import AppSession


def user_id(app: AppSession, username: str) -> int:
    with app.read(None) as session:
        return session.execute(select(User.id).where(User.username == username)).scalar_one()


def add_member(
    app: AppSession,
    medicaid_id: str,
    last_name: str = "Rivera",
    first_name: str = "Ana",
    *,
    segments: tuple[tuple[SegmentType, date, date | None], ...] = (),
    tier: Tier | None = None,
    tier_from: date = date(2000, 1, 1),
    care_manager: str | None = "caremanager",
    conditions: tuple[str, ...] = (),
    dob: date = date(1970, 5, 17),
) -> int:
    manager_id = user_id(app, care_manager) if care_manager else None
    with app.work(None) as uow:
        member = Member(medicaid_id=medicaid_id, last_name=last_name, first_name=first_name,
                        name_key=f"{last_name} {first_name}".lower(), dob=dob, care_manager_id=manager_id)
        uow.session.add(member)
        uow.session.flush()
        for kind, start, end in segments:
            uow.session.add(EnrolmentSegment(member_id=member.id, kind=kind.value, start_date=start, end_date=end,
                                             end_reason="moved" if end else None))
        if tier is not None:
            uow.session.add(TierPeriod(member_id=member.id, tier=tier.value, effective_date=tier_from))
        for category in conditions:
            uow.session.add(Condition(member_id=member.id, description=category, category=category))
        return member.id


def add_directory_entry(app: AppSession, name: str, categories: str = "hospital", *, fax: str = "") -> int:
    with app.work(None) as uow:
        entry = DirectoryEntry(kind="organisation", name=name, categories=categories, fax=fax)
        uow.session.add(entry)
        uow.session.flush()
        return entry.id


def add_care_plan(app: AppSession, member_id: int, review_due_on: date, status: str = "active") -> int:
    with app.work(None) as uow:
        plan = CarePlanVersion(member_id=member_id, version_no=1, status=status, signed_on=date(2026, 1, 5),
                               review_due_on=review_due_on)
        uow.session.add(plan)
        uow.session.flush()
        return plan.id


def add_referral(app: AppSession, member_id: int, entry_id: int, follow_up_on: date, status: str = "sent") -> int:
    with app.work(None) as uow:
        referral = Referral(member_id=member_id, directory_entry_id=entry_id, category="housing",
                            sent_on=date(2026, 1, 2), status=status, status_on=date(2026, 1, 2),
                            follow_up_on=follow_up_on)
        uow.session.add(referral)
        uow.session.flush()
        return referral.id
