"""The referral letter (with or without a fax cover): its content from the store, and the printed, audited PDF."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from hhdesk.db.models import (
    DirectoryEntry,
    Member,
    Referral,
    User,
)
from hhdesk.documents.data import (
    CareManagerContact,
    MemberSummary,
    PageSettings,
    Recipient,
    ReferralLetterDoc,
)
from hhdesk.domain import segments as domain_segments
from hhdesk.domain.enums import ReferralCategory, ReferralMethod
from hhdesk.domain.permissions import Permission
from hhdesk.errors import NotFound, ValidationFailed
from hhdesk.services import settings
from hhdesk.services.context import AppSession
from hhdesk.services.document_parts import address_lines, letterhead
from hhdesk.services.labels import display_phone
from hhdesk.services.member_records import as_consent, consent_rows, get_member
from hhdesk.services.referrals.labels import NO_AGENCY, reference
from hhdesk.services.referrals.read_models import ReferralLetter
from hhdesk.services.referrals.shared import _care_team_consent, _get_referral


def _consent_wording(session: Session, referral: Referral, member: Member, recipient: str,
                     on: date) -> tuple[date | None, str]:
    """(date of the Health Home consent to cite, or the statement itself); raises if there is no consent."""
    if not _care_team_consent(session, member.id, referral.directory_entry_id, on):
        raise ValidationFailed(
            "The member's consent to share information with this agency is not recorded, so the letter "
            "cannot be printed. Once the member agrees, record it (Referrals tab: Record consent), then print."
        )
    records = [as_consent(row) for row in consent_rows(session, member.id)]
    in_effect = domain_segments.consent_in_effect(records, on)
    if in_effect is not None:
        return in_effect.signed_on, ""
    if any(record.signed_on <= on for record in records):
        raise ValidationFailed(
            "The member withdrew consent or opted out of the Health Home, so the letter cannot be printed. "
            "Record a new consent form first if the member agrees again."
        )
    name = f"{member.first_name} {member.last_name}"
    return None, (
        f"{name} has agreed that we may share the information in this letter with {recipient} for the "
        "purpose of this referral. Please do not share it further without the member's consent."
    )


def letter_content(app: AppSession, referral_id: int, *, fax_cover: bool = False, fax_note: str = "",
                   today: date | None = None) -> ReferralLetter:
    """The referral letter's read model; raises ValidationFailed when consent to share is missing."""
    today = today or app.clock.today()
    app.require(Permission.PRINT_DOCUMENTS)
    with app.read(Permission.VIEW_CLINICAL) as session:
        return _letter(session, app, _get_referral(session, referral_id), fax_cover, fax_note, today)


def _letter(session: Session, app: AppSession, referral: Referral, fax_cover: bool, fax_note: str,
            today: date) -> ReferralLetter:
    member = get_member(session, referral.member_id)
    entry = session.get(DirectoryEntry, referral.directory_entry_id)
    if entry is None:
        raise NotFound(NO_AGENCY)
    heading = letterhead(session)
    values = settings.read_all(session)
    if entry.kind == "person" and entry.organisation and entry.organisation != entry.name:
        recipient = Recipient(name=entry.organisation, attention=entry.name)
    else:
        recipient = Recipient(name=entry.name)
    recipient = Recipient(
        name=recipient.name, attention=recipient.attention,
        address_lines=address_lines(entry.address_line1, entry.address_line2, entry.city, entry.state, entry.zip),
        phone=display_phone(entry.phone), fax=display_phone(entry.fax),
    )
    signer_id = member.care_manager_id or referral.created_by_id or app.actor.user_id
    signer = session.get(User, signer_id)
    care_manager = CareManagerContact(
        name=(signer.full_name or signer.username) if signer else app.actor.full_name,
        phone=display_phone(signer.phone) if signer and signer.phone else heading.phone,
        fax=heading.fax,
        email=signer.email if signer else "",
    )
    consent_on, statement = _consent_wording(session, referral, member, recipient.name, today)
    member_summary = MemberSummary(
        name=f"{member.first_name} {member.last_name}",
        date_of_birth=member.dob,
        medicaid_id=member.medicaid_id,
        preferred_name=member.preferred_name if member.preferred_name != member.first_name else "",
        language=member.language,
        interpreter_needed=member.interpreter_needed,
        address_lines=address_lines(member.address_line1, member.address_line2, member.city, member.state,
                                     member.zip),
        phone=display_phone(member.phone),
        plan=member.plan_id,
        care_manager_name=care_manager.name,
        care_manager_phone=care_manager.phone,
        care_manager_email=care_manager.email,
    )
    letter = ReferralLetterDoc(
        recipient=recipient,
        category=ReferralCategory(referral.category),
        reason=referral.reason,
        need=referral.need,
        request=referral.request,
        sent_on=referral.sent_on,
        care_manager=care_manager,
        method=ReferralMethod(referral.sent_how),
        reference=reference(referral.id),
        reply_by=referral.follow_up_on,
        consent_signed_on=consent_on,
        consent_statement=statement,
        include_fax_cover=fax_cover,
        fax_cover_note=fax_note.strip(),
    )
    return ReferralLetter(letter, member_summary, heading,
                          PageSettings(paper=values.paper_size))


def print_letter(app: AppSession, referral_id: int, *, fax_cover: bool = False, fax_note: str = "",
                 today: date | None = None) -> bytes:
    """The referral letter as PDF bytes (behind a fax cover sheet if asked); the print is audited."""
    from hhdesk.documents.referral_letter import render_referral_letter

    content = letter_content(app, referral_id, fax_cover=fax_cover, fax_note=fax_note, today=today)
    pdf = render_referral_letter(content.letter, content.member, content.letterhead, content.page)
    with app.work(Permission.PRINT_DOCUMENTS) as uow:
        referral = _get_referral(uow.session, referral_id)
        uow.audit("referral_letter_printed", "referral", referral.id, referral.member_id,
                  "with fax cover" if fax_cover else "letter")
    return pdf
