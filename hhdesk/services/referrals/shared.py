"""The steps reading and changing share: domain calls, text checks, fetching a referral, the care team's consent to share."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hhdesk.db.models import (
    CarePlanGoal,
    CarePlanNeed,
    CarePlanVersion,
    CareTeamMember,
    Referral,
)
from hhdesk.domain.enums import ReferralCategory
from hhdesk.domain.errors import DomainError
from hhdesk.errors import NotFound, ValidationFailed
from hhdesk.services.context import UnitOfWork
from hhdesk.services.record_versions import lock_for_edit
from hhdesk.services.referrals.labels import (
    CATEGORY_LABELS,
    CONSENT_ROLE_PREFIX,
    MAX_TEXT,
    NO_REFERRAL,
    reference,
)


def _domain(call, *args, **kwargs):  # a thin wrapper
    try:
        return call(*args, **kwargs)
    except DomainError as exc:
        raise ValidationFailed(str(exc)) from None


def _text(value: str, field_label: str, problems: list[str], *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        problems.append(f"{field_label} is required.")
    if len(value) > MAX_TEXT:
        problems.append(f"{field_label} is longer than {MAX_TEXT} characters.")
    return value


def _get_referral(session: Session, referral_id: int) -> Referral:
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound(NO_REFERRAL)
    return referral


def _referral_to_change(session: Session, referral_id: int, seen_version: int | None) -> Referral:
    """The referral, locked for this change; ChangedByOther if someone saved it since ``seen_version``."""
    referral = lock_for_edit(session, Referral, referral_id, seen_version, "this referral")
    if referral is None:
        raise NotFound(NO_REFERRAL)
    return referral


def _check_goal(session: Session, member_id: int, goal_id: int | None) -> None:
    if goal_id is None:
        return
    owner = session.execute(
        select(CarePlanVersion.member_id)
        .join(CarePlanNeed, CarePlanNeed.version_id == CarePlanVersion.id)
        .join(CarePlanGoal, CarePlanGoal.need_id == CarePlanNeed.id)
        .where(CarePlanGoal.id == goal_id)
    ).scalar_one_or_none()
    if owner != member_id:
        raise ValidationFailed("The linked goal is not in this member's care plan; choose another.")


def _care_team_consent(session: Session, member_id: int, entry_id: int, on: date) -> bool:
    found = session.execute(
        select(CareTeamMember.id).where(
            CareTeamMember.member_id == member_id,
            CareTeamMember.directory_entry_id == entry_id,
            CareTeamMember.consent_to_share.is_(True),
            or_(CareTeamMember.start_date.is_(None), CareTeamMember.start_date <= on),
            or_(CareTeamMember.end_date.is_(None), CareTeamMember.end_date >= on),
        ).limit(1)
    ).first()
    return found is not None


def _put_on_care_team(uow: UnitOfWork, member_id: int, entry_id: int, category: ReferralCategory, on: date,
                      referral_id: int) -> None:
    """Tick consent to share for the agency on the member's care team, adding it to the team if missing.

    Audited as the care-team service audits its own changes, so the care team's history reads the same.
    """
    session = uow.session
    if _care_team_consent(session, member_id, entry_id, on):
        return
    current = session.execute(
        select(CareTeamMember).where(
            CareTeamMember.member_id == member_id,
            CareTeamMember.directory_entry_id == entry_id,
            CareTeamMember.end_date.is_(None),
        ).order_by(CareTeamMember.id.desc())
    ).scalars().first()
    if current is not None:
        current.consent_to_share = True
        fields_changed = "consent_to_share"
        if current.start_date is not None and current.start_date > on:
            current.start_date = on
            fields_changed += ", start_date"
        uow.audit("care_team_changed", "care_team", current.id, member_id,
                  f"fields: {fields_changed} (referral {reference(referral_id)})")
        return
    row = CareTeamMember(member_id=member_id, directory_entry_id=entry_id,
                         role=f"{CONSENT_ROLE_PREFIX}: {CATEGORY_LABELS[category]}"[:60],
                         consent_to_share=True, start_date=on)
    session.add(row)
    session.flush()
    uow.audit("care_team_added", "care_team", row.id, member_id,
              f"fields: directory_entry, role, consent_to_share (referral {reference(referral_id)})")
