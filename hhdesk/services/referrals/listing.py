"""Reading referrals: the filtered list, a member's referrals, one referral in detail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from hhdesk.db.models import (
    CarePlanGoal,
    DirectoryEntry,
    Member,
    Referral,
    User,
)
from hhdesk.domain import referral_rules
from hhdesk.domain.enums import ReferralCategory, ReferralMethod, ReferralStatus
from hhdesk.domain.permissions import Permission
from hhdesk.errors import NotFound
from hhdesk.services.context import AppSession
from hhdesk.services.directory import entry_label
from hhdesk.services.labels import display_name, display_phone
from hhdesk.services.member_records import get_member
from hhdesk.services.referrals.labels import NO_AGENCY
from hhdesk.services.referrals.read_models import (
    ReferralDetail,
    ReferralFilter,
    ReferralRow,
    StatusChangeView,
)
from hhdesk.services.referrals.shared import _care_team_consent, _get_referral

_Manager = aliased(User)


def _rows_query(filters: ReferralFilter, today: date) -> Select:
    stmt = (
        select(Referral, Member, DirectoryEntry, _Manager)
        .join(Member, Member.id == Referral.member_id)
        .join(DirectoryEntry, DirectoryEntry.id == Referral.directory_entry_id)
        .outerjoin(_Manager, _Manager.id == Member.care_manager_id)
    )
    if filters.member_id is not None:
        stmt = stmt.where(Referral.member_id == filters.member_id)
    if filters.status is not None:
        stmt = stmt.where(Referral.status == ReferralStatus(filters.status).value)
    if filters.open_only or filters.waiting_only:
        stmt = stmt.where(Referral.status.in_([s.value for s in referral_rules.OPEN_STATUSES]))
    if filters.waiting_only:
        stmt = stmt.where(Referral.follow_up_on.is_not(None), Referral.follow_up_on <= today)
    if filters.category is not None:
        stmt = stmt.where(Referral.category == ReferralCategory(filters.category).value)
    if filters.agency_id is not None:
        stmt = stmt.where(Referral.directory_entry_id == filters.agency_id)
    if filters.care_manager is not None:
        if filters.care_manager == "":
            stmt = stmt.where(Member.care_manager_id.is_(None))
        else:
            stmt = stmt.where(_Manager.username == filters.care_manager)
    return stmt


def _row(referral: Referral, member: Member, entry: DirectoryEntry, manager: User | None,
         today: date) -> ReferralRow:
    status = ReferralStatus(referral.status)
    return ReferralRow(
        referral_id=referral.id,
        member_id=member.id,
        medicaid_id=member.medicaid_id,
        member_name=display_name(member.last_name, member.first_name, member.preferred_name),
        category=ReferralCategory(referral.category),
        agency_id=entry.id,
        agency_name=entry_label(entry.name, entry.organisation),
        reason=referral.reason,
        need=referral.need,
        request=referral.request,
        sent_on=referral.sent_on,
        sent_how=ReferralMethod(referral.sent_how),
        status=status,
        status_on=referral.status_on,
        follow_up_on=referral.follow_up_on,
        outcome=referral.outcome,
        care_manager=manager.username if manager else "",
        care_manager_name=(manager.full_name or manager.username) if manager else "",
        waiting=referral_rules.is_waiting(_WaitingView(status, referral.follow_up_on), today),
        version=referral.row_version,
    )


@dataclass(frozen=True)
class _WaitingView:
    status: ReferralStatus
    follow_up_on: date | None


def list_referrals(app: AppSession, filters: ReferralFilter | None = None,
                   today: date | None = None) -> list[ReferralRow]:
    """Referrals matching ``filters``, newest sent first (filtered in SQL)."""
    filters = filters or ReferralFilter()
    today = today or app.clock.today()
    stmt = _rows_query(filters, today).order_by(Referral.sent_on.desc(), Referral.id.desc()).limit(filters.limit)
    with app.read(Permission.VIEW_CLINICAL) as session:
        return [_row(*found, today) for found in session.execute(stmt)]


def member_referrals(app: AppSession, member_id: int, today: date | None = None) -> list[ReferralRow]:
    """A member's referrals, for the chart's Referrals tab."""
    with app.read(Permission.VIEW_CLINICAL) as session:
        get_member(session, member_id)
    return list_referrals(app, ReferralFilter(member_id=member_id), today)


def get_referral(app: AppSession, referral_id: int, today: date | None = None) -> ReferralDetail:
    today = today or app.clock.today()
    with app.read(Permission.VIEW_CLINICAL) as session:
        return _detail(session, _get_referral(session, referral_id), today)


def _detail(session: Session, referral: Referral, today: date) -> ReferralDetail:
    member = get_member(session, referral.member_id)
    entry = session.get(DirectoryEntry, referral.directory_entry_id)
    if entry is None:  # the foreign key forbids it; a clear message all the same
        raise NotFound(NO_AGENCY)
    manager = session.get(User, member.care_manager_id) if member.care_manager_id else None
    goal = session.get(CarePlanGoal, referral.goal_id) if referral.goal_id else None
    changers = {
        user.id: (user.full_name or user.username)
        for user in session.execute(
            select(User).where(User.id.in_({c.changed_by_id for c in referral.changes if c.changed_by_id}))
        ).scalars()
    }
    history = tuple(
        StatusChangeView(ReferralStatus(c.status), c.changed_on, c.note, changers.get(c.changed_by_id, ""))
        for c in referral.changes
    )
    return ReferralDetail(
        row=_row(referral, member, entry, manager, today),
        goal_id=referral.goal_id,
        goal_text=goal.text if goal else "",
        history=history,
        consent_to_share=_care_team_consent(session, member.id, entry.id, today),
        agency_phone=display_phone(entry.phone),
        agency_fax=display_phone(entry.fax),
    )
