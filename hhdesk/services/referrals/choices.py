"""What a referral form offers: the agencies, the member's goals, the default follow-up date, whether consent is on file."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, literal, select

from hhdesk.db.models import (
    CarePlanVersion,
    DirectoryEntry,
    Referral,
)
from hhdesk.domain import referral_rules
from hhdesk.domain.enums import ReferralCategory
from hhdesk.domain.errors import DomainError
from hhdesk.domain.permissions import Permission
from hhdesk.services import settings
from hhdesk.services.context import AppSession
from hhdesk.services.labels import display_phone
from hhdesk.services.member_records import get_member
from hhdesk.services.referrals.read_models import AgencyChoice, GoalChoice
from hhdesk.services.referrals.shared import _care_team_consent


def _has_category(category: str):  # a SQL expression
    # categories is ';'-joined; wrapping both sides in ';' matches whole values only ("food" not "seafood").
    padded = literal(";") + func.replace(func.lower(DirectoryEntry.categories), " ", "") + literal(";")
    return padded.like(f"%;{category.lower()};%")


def agencies_for(app: AppSession, category: ReferralCategory | None = None) -> list[AgencyChoice]:
    """Active directory entries that offer ``category`` (all active entries when ``None``), by name."""
    stmt = select(DirectoryEntry).where(DirectoryEntry.active.is_(True))
    if category is not None:
        stmt = stmt.where(_has_category(ReferralCategory(category).value))
    stmt = stmt.order_by(func.lower(DirectoryEntry.name), DirectoryEntry.id)
    with app.read(Permission.VIEW_MEMBERS) as session:
        return [_choice(entry) for entry in session.execute(stmt).scalars()]


def referred_agencies(app: AppSession) -> list[AgencyChoice]:
    """Every directory entry that has at least one referral (the Referrals section's agency filter)."""
    stmt = (
        select(DirectoryEntry)
        .where(DirectoryEntry.id.in_(select(Referral.directory_entry_id)))
        .order_by(func.lower(DirectoryEntry.name), DirectoryEntry.id)
    )
    with app.read(Permission.VIEW_CLINICAL) as session:
        return [_choice(entry) for entry in session.execute(stmt).scalars()]


def _choice(entry: DirectoryEntry) -> AgencyChoice:
    categories = tuple(part.strip() for part in entry.categories.split(";") if part.strip())
    return AgencyChoice(entry.id, entry.name, entry.organisation, display_phone(entry.phone), display_phone(entry.fax),
                        categories, entry.city)


def default_follow_up_on(app: AppSession, sent_on: date) -> date:
    """The follow-up date a referral sent on ``sent_on`` gets unless the user picks another."""
    days = settings.get_settings(app).referral_follow_up_days
    try:
        return referral_rules.default_follow_up(sent_on, days)
    except DomainError:
        return referral_rules.default_follow_up(sent_on)


def has_consent_to_share(app: AppSession, member_id: int, entry_id: int, today: date | None = None) -> bool:
    """Whether the member's consent to share with this directory entry is on the care team already."""
    with app.read(Permission.VIEW_CLINICAL) as session:
        return _care_team_consent(session, member_id, entry_id, today or app.clock.today())


def goal_choices(app: AppSession, member_id: int) -> list[GoalChoice]:
    """The goals of the member's latest care plan version, for the optional linked goal."""
    with app.read(Permission.VIEW_CLINICAL) as session:
        get_member(session, member_id)
        latest = session.execute(
            select(CarePlanVersion)
            .where(CarePlanVersion.member_id == member_id)
            .order_by(CarePlanVersion.version_no.desc())
            .limit(1)
        ).scalar_one_or_none()
        if latest is None:
            return []
        return [
            GoalChoice(goal.id, goal.text, need.domain, latest.version_no)
            for need in latest.needs
            for goal in need.goals
        ]
