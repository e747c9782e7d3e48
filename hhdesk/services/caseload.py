"""The caseload: searching and listing members, in SQL, with each member's status derived from segments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from hhdesk.db.models import EnrolmentSegment, Member, TierPeriod, User
from hhdesk.domain import entered_dates
from hhdesk.domain.enums import MemberStatus
from hhdesk.domain.identifiers import name_key, normalise_medicaid_id
from hhdesk.domain.permissions import Permission
from hhdesk.services.context import AppSession

_MEDICAID_LIKE = re.compile(r"^[A-Za-z]{1,2}\d")


@dataclass(frozen=True)
class CaseloadRow:
    member_id: int
    medicaid_id: str
    last_name: str
    first_name: str
    preferred_name: str
    dob: date
    status: MemberStatus
    tier: str
    care_manager: str  # username, "" when unassigned
    care_manager_name: str
    phone: str


@dataclass(frozen=True)
class CaseloadQuery:
    text: str = ""
    status: MemberStatus | None = None
    care_manager: str | None = None  # a username; "" means unassigned
    sort: str = "name"  # name | medicaid_id | dob | status | care_manager
    descending: bool = False
    limit: int = 500
    today: date | None = None


def status_expression(on: date):  # a SQL expression
    """The member's status on a date, as SQL (see domain.enums.MemberStatus)."""
    current = (
        select(EnrolmentSegment.kind)
        .where(
            EnrolmentSegment.member_id == Member.id,
            EnrolmentSegment.start_date <= on,
            or_(EnrolmentSegment.end_date.is_(None), EnrolmentSegment.end_date >= on),
        )
        .order_by(EnrolmentSegment.start_date.desc())
        .limit(1)
        .scalar_subquery()
    )
    had_any = exists().where(EnrolmentSegment.member_id == Member.id, EnrolmentSegment.start_date <= on)
    return case(
        (current.is_not(None), current),
        (had_any, MemberStatus.DISENROLLED.value),
        else_=MemberStatus.REFERRED.value,
    )


def tier_expression(on: date):
    return (
        select(TierPeriod.tier)
        .where(TierPeriod.member_id == Member.id, TierPeriod.effective_date <= on)
        .order_by(TierPeriod.effective_date.desc(), TierPeriod.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def parse_search_date(text: str) -> date | None:
    return entered_dates.parse_date(text)


def search(app: AppSession, query: CaseloadQuery) -> list[CaseloadRow]:
    """Members matching the query; filtering, sorting and limiting all happen in SQL."""
    today = query.today or app.clock.today()
    status = status_expression(today).label("status")
    tier = tier_expression(today).label("tier")
    manager = aliased(User)
    stmt = (
        select(Member.id, Member.medicaid_id, Member.last_name, Member.first_name, Member.preferred_name,
               Member.dob, status, tier, manager.username, manager.full_name, Member.phone)
        .outerjoin(manager, manager.id == Member.care_manager_id)
    )
    stmt = stmt.where(*_text_conditions(query.text.strip()))
    if query.status is not None:
        stmt = stmt.where(status_expression(today) == query.status.value)
    if query.care_manager is not None:
        stmt = stmt.where(manager.username == query.care_manager if query.care_manager
                          else Member.care_manager_id.is_(None))
    order = {
        "name": [Member.name_key],
        "medicaid_id": [Member.medicaid_id],
        "dob": [Member.dob, Member.name_key],
        "status": [status, Member.name_key],
        "care_manager": [manager.username, Member.name_key],
        "tier": [tier, Member.name_key],
    }.get(query.sort, [Member.name_key])
    stmt = stmt.order_by(*[col.desc() if query.descending else col for col in order]).limit(query.limit)
    with app.read(Permission.VIEW_MEMBERS) as session:
        return [
            CaseloadRow(r[0], r[1], r[2], r[3], r[4], r[5], MemberStatus(r[6]), r[7] or "", r[8] or "",
                        r[9] or "", r[10])
            for r in session.execute(stmt)
        ]


def count(app: AppSession, query: CaseloadQuery) -> int:
    today = query.today or app.clock.today()
    stmt = select(func.count(Member.id)).where(*_text_conditions(query.text.strip()))
    if query.status is not None:
        stmt = stmt.where(status_expression(today) == query.status.value)
    if query.care_manager is not None:
        manager = aliased(User)
        stmt = stmt.outerjoin(manager, manager.id == Member.care_manager_id).where(
            manager.username == query.care_manager if query.care_manager else Member.care_manager_id.is_(None)
        )
    with app.read(Permission.VIEW_MEMBERS) as session:
        return session.execute(stmt).scalar_one()


def _text_conditions(text: str) -> list:
    if not text:
        return []
    as_date = parse_search_date(text)
    if as_date is not None:
        return [Member.dob == as_date]
    if _MEDICAID_LIKE.match(text):
        return [Member.medicaid_id.like(f"{normalise_medicaid_id(text)}%")]
    conditions = []
    for token in name_key(text).split():
        # Each typed word must start a word of the name: "nun jo" finds "Núñez José".
        conditions.append(or_(Member.name_key.like(f"{token}%"), Member.name_key.like(f"% {token}%")))
    return [and_(*conditions)] if conditions else []


def member_name_key(last_name: str, first_name: str, preferred_name: str = "") -> str:
    return name_key(f"{last_name} {first_name} {preferred_name}")

