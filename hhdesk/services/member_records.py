"""Shared plumbing of the member services: the active program profile, ORM rows as domain values.

The member, enrolment and roster-import services all need the same few things: the program profile the
agency chose (setting ``program_profile``), a member row or a clear "not found", and the member's
segments, consents, tiers and conditions as the plain values the domain rules take. They live here so the
services agree on them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from hhdesk.db.models import Condition, Consent, EnrolmentSegment, Member, TierPeriod
from hhdesk.domain import conditions as domain_conditions
from hhdesk.domain import segments as domain_segments
from hhdesk.domain.eligibility import EligibilityResult, evaluate_eligibility
from hhdesk.domain.enums import ChronicCategory, ConsentKind, EndReason, SegmentType, Tier
from hhdesk.domain.errors import DomainError
from hhdesk.domain.people import age_on
from hhdesk.domain.program_profile import AgeBand, ProgramProfile
from hhdesk.errors import NotFound, ValidationFailed
from hhdesk.profiles import load_program_profile
from hhdesk.services import settings

NO_MEMBER = "That member is not in the store: check the Medicaid ID or number, or refresh the list."


def active_program_profile(session: Session) -> ProgramProfile:
    """The program profile named by the ``program_profile`` setting (New York by default)."""
    name = settings.read_all(session).program_profile
    try:
        return load_program_profile(name)
    except DomainError as exc:
        raise ValidationFailed(f"The program profile setting is wrong: {exc} Ask your administrator.") from None


@contextmanager
def domain_rules() -> Iterator[None]:
    """Turn a broken domain rule into the ValidationFailed the window and the CLI show as it is."""
    try:
        yield
    except DomainError as exc:
        raise ValidationFailed(str(exc)) from None


def get_member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(NO_MEMBER)
    return member


def age_band(dob: date, on: date) -> AgeBand:
    """NY uses separate consent forms for people under 18."""
    return AgeBand.CHILD if age_on(dob, on) < 18 else AgeBand.ADULT


# ---- ORM rows as domain values --------------------------------------------------------------------


def as_segment(row: EnrolmentSegment) -> domain_segments.Segment:
    return domain_segments.Segment(
        SegmentType(row.kind), row.start_date, row.end_date, EndReason(row.end_reason) if row.end_reason else None
    )


def as_consent(row: Consent) -> domain_segments.ConsentRecord:
    return domain_segments.ConsentRecord(ConsentKind(row.kind), row.signed_on, row.form_type)


def as_tier(row: TierPeriod) -> domain_segments.TierPeriod:
    return domain_segments.TierPeriod(Tier(row.tier), row.effective_date)


def as_condition(row: Condition) -> domain_conditions.Condition:
    return domain_conditions.Condition(
        row.icd10 or None, row.description, ChronicCategory(row.category) if row.category else None, row.at_risk
    )


def segment_rows(session: Session, member_id: int) -> list[EnrolmentSegment]:
    return list(
        session.execute(
            select(EnrolmentSegment)
            .where(EnrolmentSegment.member_id == member_id)
            .order_by(EnrolmentSegment.start_date, EnrolmentSegment.id)
        ).scalars()
    )


def consent_rows(session: Session, member_id: int) -> list[Consent]:
    return list(
        session.execute(
            select(Consent).where(Consent.member_id == member_id).order_by(Consent.signed_on, Consent.id)
        ).scalars()
    )


def tier_rows(session: Session, member_id: int) -> list[TierPeriod]:
    return list(
        session.execute(
            select(TierPeriod)
            .where(TierPeriod.member_id == member_id)
            .order_by(TierPeriod.effective_date, TierPeriod.id)
        ).scalars()
    )


def condition_rows(session: Session, member_id: int, *, active_on: date | None = None) -> list[Condition]:
    """The member's conditions; with ``active_on``, only those not resolved by that date."""
    stmt = select(Condition).where(Condition.member_id == member_id)
    rows = list(session.execute(stmt.order_by(Condition.at_risk, Condition.icd10, Condition.id)).scalars())
    if active_on is not None:
        rows = [r for r in rows if r.resolved_on is None or r.resolved_on > active_on]
    return rows


def segments_of(session: Session, member_id: int) -> list[domain_segments.Segment]:
    return [as_segment(r) for r in segment_rows(session, member_id)]


def consents_of(session: Session, member_id: int) -> list[domain_segments.ConsentRecord]:
    return [as_consent(r) for r in consent_rows(session, member_id)]


def tiers_of(session: Session, member_id: int) -> list[domain_segments.TierPeriod]:
    return [as_tier(r) for r in tier_rows(session, member_id)]


def conditions_of(session: Session, member_id: int, on: date) -> list[domain_conditions.Condition]:
    return [as_condition(r) for r in condition_rows(session, member_id, active_on=on)]


def appropriateness_of(member: Member) -> list[str]:
    try:
        codes = json.loads(member.appropriateness_json or "[]")
    except ValueError:
        return []
    return [str(code) for code in codes] if isinstance(codes, list) else []


def eligibility_of(session: Session, member: Member, profile: ProgramProfile, on: date) -> EligibilityResult:
    """The domain's verdict over the member's conditions not resolved by ``on``.

    hhdesk does not track Medicaid coverage, so active Medicaid is assumed (the roster and the plan
    assignment lists are of Medicaid members).
    """
    return evaluate_eligibility(
        conditions_of(session, member.id, on), profile, has_active_medicaid=True,
        appropriateness=appropriateness_of(member), age_band=age_band(member.dob, on),
        appropriateness_checked_on=member.appropriateness_checked_on, on=on,
    )
