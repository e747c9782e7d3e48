"""What every printed document shares, filled from the store: the agency's letterhead, the page settings,
address lines and the member summary block.

Features that print (care plans, referrals, transitions) use this narrow module rather than each other.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hhdesk.db.models import Agency, Condition, DirectoryEntry, Member, User
from hhdesk.documents.data import Letterhead, MemberSummary, PageSettings
from hhdesk.domain import segments as domain_segments
from hhdesk.services import settings
from hhdesk.services.directory import entry_label
from hhdesk.services.labels import SEX_CHOICES, TIER_LABELS, display_phone
from hhdesk.services.member_records import segments_of, tiers_of


def letterhead(session: Session) -> Letterhead:
    """The agency's letterhead: name, address, phone, fax, NPI and logo from the agency settings."""
    agency = session.execute(select(Agency)).scalars().first()
    if agency is None:
        return Letterhead(agency_name="")
    return Letterhead(
        agency_name=agency.name,
        address_lines=address_lines(agency.address_line1, agency.address_line2, agency.city, agency.state,
                                     agency.zip),
        phone=display_phone(agency.phone),
        fax=display_phone(agency.fax),
        npi=agency.npi,
        medicaid_provider_id=agency.medicaid_provider_id,
        logo_png=agency.logo_png,
    )


def page_settings(session: Session) -> PageSettings:
    return PageSettings(paper=settings.read_all(session).paper_size)


def address_lines(line1: str, line2: str, city: str, state: str, zip_code: str) -> tuple[str, ...]:
    place = " ".join(part for part in (state, zip_code) if part)
    city_line = ", ".join(part for part in (city.strip(), place) if part)
    return tuple(line for line in (line1.strip(), line2.strip(), city_line) if line)


def member_summary(session: Session, member: Member, on: date) -> MemberSummary:
    """Demographics, program facts, PCP and care manager as the documents print them."""
    pcp = session.get(DirectoryEntry, member.pcp_id) if member.pcp_id else None
    manager = session.get(User, member.care_manager_id) if member.care_manager_id else None
    tier = domain_segments.tier_on(tiers_of(session, member.id), on)
    conditions = tuple(
        (icd10 or "", description)
        for icd10, description in session.execute(
            select(Condition.icd10, Condition.description).where(
                Condition.member_id == member.id, Condition.at_risk.is_(False),
                or_(Condition.resolved_on.is_(None), Condition.resolved_on > on),
            ).order_by(Condition.icd10, Condition.id)
        )
    )
    agency_phone = session.execute(select(Agency.phone)).scalars().first() or ""
    return MemberSummary(
        name=" ".join(f"{member.first_name} {member.last_name}".split()),
        date_of_birth=member.dob,
        medicaid_id=member.medicaid_id,
        preferred_name=member.preferred_name if member.preferred_name != member.first_name else "",
        sex=SEX_CHOICES.get(member.sex, member.sex) if member.sex else "",
        language=member.language,
        interpreter_needed=member.interpreter_needed,
        address_lines=address_lines(member.address_line1, member.address_line2, member.city, member.state,
                                     member.zip),
        phone=display_phone(member.phone),
        tier_label=TIER_LABELS[tier] if tier else "",
        status=domain_segments.status_on(segments_of(session, member.id), on),
        pcp_name=entry_label(pcp.name, pcp.organisation) if pcp else "",
        pcp_phone=display_phone(pcp.phone) if pcp else "",
        pcp_fax=display_phone(pcp.fax) if pcp else "",
        care_manager_name=(manager.full_name or manager.username) if manager else "",
        care_manager_phone=display_phone((manager.phone if manager else "") or agency_phone) if manager else "",
        care_manager_email=manager.email if manager else "",
        plan=member.plan_id,
        conditions=conditions,
    )
