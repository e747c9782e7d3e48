"""A supervisor's view of the caseloads: for each care manager, how many members by status and by tier,
how many contacts this month, and how many active members have no qualifying contact yet this month.

Counted in SQL, grouped, so that a 10,000-member store answers with a few dozen rows. "This month" runs from
the first of the month of `today` to `today` (the caller's clock, so that tests and the window agree on the
day). A qualifying contact is the one billing counts (docs/billing.md): dated in an outreach or enrolled
segment, carrying a core service, in a mode that may carry one in that segment.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from hhdesk.db.models import Contact, EnrolmentSegment, Member, User
from hhdesk.domain.contact_rules import ENROLLED_CORE_SERVICE_MODES, OUTREACH_CORE_SERVICE_MODES
from hhdesk.domain.enums import MemberStatus, Role, SegmentType, Tier
from hhdesk.domain.permissions import Permission
from hhdesk.services.caseload import status_expression, tier_expression
from hhdesk.services.context import AppSession

ACTIVE = (MemberStatus.OUTREACH, MemberStatus.ENROLLED)


@dataclass(frozen=True)
class CareManagerCounts:
    username: str  # "" for the members no one is assigned to
    full_name: str
    members: int
    by_status: tuple[tuple[MemberStatus, int], ...]  # every status, in MemberStatus order
    by_tier: tuple[tuple[Tier | None, int], ...]  # active members (outreach or enrolled) by tier; None: no tier
    contacts_this_month: int
    active: int  # members in outreach or enrolled on `today`
    no_qualifying_contact: int  # of the active members, those with no qualifying contact yet this month

    def status_count(self, status: MemberStatus) -> int:
        return dict(self.by_status).get(status, 0)

    def tier_count(self, tier: Tier | None) -> int:
        return dict(self.by_tier).get(tier, 0)


@dataclass(frozen=True)
class CaseloadCounts:
    month_start: date
    today: date
    rows: tuple[CareManagerCounts, ...]  # care managers by name, then the unassigned members
    total: CareManagerCounts
    tiers: tuple[Tier | None, ...]  # the tiers that occur, in Tier order, None (no tier) last


def _qualifying_contact_exists(first: date, today: date):  # a SQL expression
    segment = aliased(EnrolmentSegment)
    return (
        select(Contact.id)
        .join(segment, and_(segment.member_id == Contact.member_id, segment.start_date <= Contact.contact_date,
                            or_(segment.end_date.is_(None), segment.end_date >= Contact.contact_date)))
        .where(
            Contact.member_id == Member.id,
            Contact.contact_date >= first,
            Contact.contact_date <= today,
            Contact.core_services != "",
            or_(and_(segment.kind == SegmentType.ENROLLED.value,
                     Contact.mode.in_([m.value for m in ENROLLED_CORE_SERVICE_MODES])),
                and_(segment.kind == SegmentType.OUTREACH.value,
                     Contact.mode.in_([m.value for m in OUTREACH_CORE_SERVICE_MODES]))),
        )
        .exists()
    )


def _parse_tier(value: str | None) -> Tier | None:
    try:
        return Tier(value) if value else None
    except ValueError:
        return None


def care_manager_counts(app: AppSession, today: date) -> CaseloadCounts:
    """The counts per care manager on `today` (supervisors and administrators)."""
    first = today.replace(day=1)
    status = status_expression(today).label("status")
    tier = tier_expression(today).label("tier")
    qualified = case((_qualifying_contact_exists(first, today), 1), else_=0).label("qualified")
    # Each member's facts in a subquery, grouped outside it (a database may not group by a correlated
    # subquery itself).
    per_member = select(Member.care_manager_id.label("manager"), status, tier, qualified).subquery()
    grouped = (
        select(per_member.c.manager, per_member.c.status, per_member.c.tier, per_member.c.qualified, func.count())
        .group_by(per_member.c.manager, per_member.c.status, per_member.c.tier, per_member.c.qualified)
    )
    contacts = (
        select(Member.care_manager_id, func.count(Contact.id))
        .join(Member, Member.id == Contact.member_id)
        .where(Contact.contact_date >= first, Contact.contact_date <= today)
        .group_by(Member.care_manager_id)
    )
    with app.read(Permission.ASSIGN_CASELOAD) as session:
        groups = session.execute(grouped).all()
        contact_counts = {manager: count for manager, count in session.execute(contacts)}
        staff = {u.id: u for u in session.execute(select(User)).scalars()}

    status_counts: dict[int | None, dict[MemberStatus, int]] = defaultdict(lambda: defaultdict(int))
    tier_counts: dict[int | None, dict[Tier | None, int]] = defaultdict(lambda: defaultdict(int))
    unreached: dict[int | None, int] = defaultdict(int)
    for manager, status_value, tier_value, is_qualified, count in groups:
        member_status = MemberStatus(status_value)
        status_counts[manager][member_status] += count
        if member_status in ACTIVE:
            tier_counts[manager][_parse_tier(tier_value)] += count
            if not is_qualified:
                unreached[manager] += count

    # Everyone who holds members, and every enabled care manager even with none (an empty caseload shows).
    managers = set(status_counts) | set(contact_counts) | {
        user.id for user in staff.values() if user.role == Role.CARE_MANAGER.value and not user.disabled}
    tiers_seen = {t for counts in tier_counts.values() for t, n in counts.items() if n}
    tiers = tuple(t for t in Tier if t in tiers_seen) + ((None,) if None in tiers_seen else ())

    def row(manager: int | None) -> CareManagerCounts:
        user = staff.get(manager) if manager is not None else None
        statuses = status_counts.get(manager, {})
        member_tiers = tier_counts.get(manager, {})
        return CareManagerCounts(
            username=user.username if user else "",
            full_name=(user.full_name or user.username) if user else "",
            members=sum(statuses.values()),
            by_status=tuple((s, statuses.get(s, 0)) for s in MemberStatus),
            by_tier=tuple((t, member_tiers.get(t, 0)) for t in tiers),
            contacts_this_month=contact_counts.get(manager, 0),
            active=sum(statuses.get(s, 0) for s in ACTIVE),
            no_qualifying_contact=unreached.get(manager, 0),
        )

    named = sorted((m for m in managers if m is not None),
                   key=lambda m: (staff[m].full_name or staff[m].username).casefold())
    rows = [row(m) for m in named] + ([row(None)] if None in managers else [])
    total = CareManagerCounts(
        username="", full_name="All care managers",
        members=sum(r.members for r in rows),
        by_status=tuple((s, sum(r.status_count(s) for r in rows)) for s in MemberStatus),
        by_tier=tuple((t, sum(r.tier_count(t) for r in rows)) for t in tiers),
        contacts_this_month=sum(r.contacts_this_month for r in rows),
        active=sum(r.active for r in rows),
        no_qualifying_contact=sum(r.no_qualifying_contact for r in rows),
    )
    return CaseloadCounts(first, today, tuple(rows), total, tiers)
