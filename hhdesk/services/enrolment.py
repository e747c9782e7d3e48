"""Enrolment: conditions and eligibility, appropriateness, consent forms, segments and tiers (docs/domain.md §3-4).

The rules are the domain's (``hhdesk.domain.eligibility``, ``conditions``, ``segments``); this module loads
the member's records, applies a rule's plan in one transaction, and audits it. Every change is audited
with the member's id and a detail naming the fields, not their values. The one exception is an
enrolment override: its written reason is the point of the audit, so the event carries it.
"""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from hhdesk.db.models import Attachment, Condition, Consent, EnrolmentSegment, Member, TierPeriod, User
from hhdesk.domain import conditions as domain_conditions
from hhdesk.domain import segments as domain_segments
from hhdesk.domain.eligibility import CATEGORY_WORDS, EligibilityResult
from hhdesk.domain.enums import ChronicCategory, ConsentKind, EndReason, MemberStatus, SegmentType, Tier
from hhdesk.domain.permissions import Permission
from hhdesk.domain.program_profile import AppropriatenessCriterion, ConsentForm, ProgramProfile
from hhdesk.errors import NotFound, ValidationFailed
from hhdesk.services.context import AppSession, UnitOfWork
from hhdesk.services.member_records import (
    active_program_profile,
    age_band,
    age_on,
    appropriateness_of,
    as_segment,
    consent_rows,
    consents_of,
    domain_rules,
    eligibility_of,
    get_member,
    segment_rows,
    tier_rows,
    tiers_of,
)

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024  # a scanned multi-page form at 300 dpi fits comfortably

CATEGORY_LABELS: dict[ChronicCategory, str] = {
    category: words[:1].upper() + words[1:] for category, words in CATEGORY_WORDS.items()
}
END_REASON_LABELS: dict[EndReason, str] = {
    EndReason.MOVED: "Moved out of the area",
    EndReason.DECLINED: "Declined services",
    EndReason.GOALS_MET: "Care plan goals met",
    EndReason.LOST_MEDICAID: "Lost Medicaid",
    EndReason.DECEASED: "Deceased",
    EndReason.UNABLE_TO_LOCATE: "Unable to locate",
    EndReason.INCARCERATED: "Incarcerated",
    EndReason.TRANSFERRED: "Transferred to another Health Home",
    EndReason.CONSENT_WITHDRAWN: "Consent withdrawn",
    EndReason.ENROLLED: "Enrolled",
    EndReason.OTHER: "Other",
}
CONSENT_KIND_LABELS: dict[ConsentKind, str] = {
    ConsentKind.CONSENT: "Consent",
    ConsentKind.WITHDRAWAL: "Withdrawal of consent",
    ConsentKind.OPT_OUT: "Opt-out",
}
ADULT_TIERS = (Tier.STANDARD, Tier.HIGH_RISK, Tier.HH_PLUS)
CHILD_TIERS = (Tier.CHILD_LOW, Tier.CHILD_MEDIUM, Tier.CHILD_HIGH)

SUGGESTED: Literal["suggested"] = "suggested"
"""Pass as ``category`` to take the category the ICD-10-CM code suggests."""


# ---- read models ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConditionInfo:
    id: int
    member_id: int
    icd10: str
    description: str
    category: ChronicCategory | None
    at_risk: bool
    noted_on: date | None
    resolved_on: date | None

    @property
    def active(self) -> bool:
        return self.resolved_on is None

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS[self.category] if self.category else "Not a chronic-condition category"


@dataclass(frozen=True)
class Icd10Suggestion:
    code: str
    description: str
    category: ChronicCategory | None

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS[self.category] if self.category else ""


@dataclass(frozen=True)
class ConsentInfo:
    id: int
    member_id: int
    kind: ConsentKind
    form_type: str
    form_label: str
    signed_on: date
    signed_by: str
    note: str
    attachment_id: int | None
    attachment_name: str
    recorded_by: str

    @property
    def kind_label(self) -> str:
        return CONSENT_KIND_LABELS[self.kind]


@dataclass(frozen=True)
class AttachmentFile:
    """A file kept inside the encrypted store (a scanned consent form)."""

    filename: str
    data: bytes
    mime_type: str = ""
    id: int | None = None


@dataclass(frozen=True)
class SegmentInfo:
    id: int
    kind: SegmentType
    start: date
    end: date | None
    end_reason: EndReason | None
    override_reason: str

    @property
    def label(self) -> str:
        return "Enrolled" if self.kind is SegmentType.ENROLLED else "Outreach"

    @property
    def end_reason_label(self) -> str:
        return END_REASON_LABELS[self.end_reason] if self.end_reason else ""


@dataclass(frozen=True)
class TierInfo:
    id: int
    tier: Tier
    effective_date: date
    note: str


@dataclass(frozen=True)
class EnrolmentRecord:
    """Everything the Enrolment tab shows, and which of its actions make sense today."""

    member_id: int
    on: date
    status: MemberStatus
    segments: tuple[SegmentInfo, ...]
    consents: tuple[ConsentInfo, ...]
    tiers: tuple[TierInfo, ...]
    tier: Tier | None
    consent_on_file: bool
    # None when the user may not see clinical data (eligibility is worked out from conditions).
    eligibility: EligibilityResult | None
    appropriateness: tuple[str, ...]
    can_start_outreach: bool
    can_enrol: bool
    can_disenrol: bool
    can_re_enrol: bool


# ---- conditions and eligibility ----------------------------------------------------------------


def preload_icd10() -> None:
    """Load the ICD-10-CM table and its search index now (under half a second), e.g. when a form opens."""
    domain_conditions.preload_icd10_index()


def suggest_icd10(text: str, limit: int = 30) -> list[Icd10Suggestion]:
    """ICD-10-CM codes for what was typed (code or words), offline, best first, with their category."""
    found = domain_conditions.search_icd10(text, limit)
    return [Icd10Suggestion(code, description, domain_conditions.category_for_icd10(code)) for code, description in found]


def _condition_info(row: Condition) -> ConditionInfo:
    return ConditionInfo(row.id, row.member_id, row.icd10, row.description,
                         ChronicCategory(row.category) if row.category else None, row.at_risk, row.noted_on,
                         row.resolved_on)


def list_conditions(app: AppSession, member_id: int) -> list[ConditionInfo]:
    """Active conditions first (diagnoses, then 'at risk of'), then resolved ones."""
    with app.read(Permission.VIEW_CLINICAL) as session:
        get_member(session, member_id)
        rows = session.execute(select(Condition).where(Condition.member_id == member_id)).scalars()
        infos = [_condition_info(r) for r in rows]
    return sorted(infos, key=lambda c: (not c.active, c.at_risk, c.icd10 or "~", c.description.casefold()))


def add_condition(app: AppSession, member_id: int, *, icd10: str | None = None, description: str = "",
                  category: ChronicCategory | None | Literal["suggested"] = SUGGESTED, at_risk: bool = False,
                  noted_on: date | None = None) -> ConditionInfo:
    """Record a diagnosis (or, ``at_risk``, a condition the member is at risk of).

    With a code, the description defaults to the official one and the category to the one the code
    suggests; without a code, a description is needed and the category is what the user chose.
    """
    code = (icd10 or "").strip()
    description = description.strip()
    if code:
        with domain_rules():
            if not domain_conditions.is_known_icd10(code):
                raise ValidationFailed("This is not an ICD-10-CM code; search by words to find the code.")
            known = domain_conditions.condition_from_icd10(code, at_risk=at_risk)
        code = known.icd10 or ""
        description = description or known.description
        if category == SUGGESTED:
            category = known.category
    elif not description:
        raise ValidationFailed("Give an ICD-10-CM code or describe the condition.")
    elif category == SUGGESTED:
        category = None
    if len(description) > 300:
        raise ValidationFailed("The description is longer than 300 characters.")
    with app.work(Permission.EDIT_CLINICAL) as uow:
        get_member(uow.session, member_id)
        for other in uow.session.execute(
            select(Condition).where(Condition.member_id == member_id, Condition.resolved_on.is_(None))
        ).scalars():
            same = other.icd10 == code if code else (not other.icd10 and other.description.casefold()
                                                     == description.casefold())
            if same and other.at_risk == at_risk:
                raise ValidationFailed("This condition is already on the member's list.")
        row = Condition(member_id=member_id, icd10=code, description=description,
                        category=category.value if isinstance(category, ChronicCategory) else None,
                        at_risk=at_risk, noted_on=noted_on or app.clock.today())
        uow.session.add(row)
        uow.session.flush()
        uow.audit("condition_added", "condition", row.id, member_id,
                  "fields: icd10, description, category, at_risk, noted_on")
        return _condition_info(row)


def _condition(session: Session, condition_id: int) -> Condition:
    row = session.get(Condition, condition_id)
    if row is None:
        raise NotFound("This condition is no longer on the member's record; refresh the chart.")
    return row


def update_condition(app: AppSession, condition_id: int, *,
                     category: ChronicCategory | None | Literal["unchanged"] = "unchanged",
                     at_risk: bool | None = None, description: str | None = None) -> ConditionInfo:
    """Change the category (e.g. a depression the care manager judges a serious mental illness), the
    'at risk of' flag, or the description of a condition."""
    with app.work(Permission.EDIT_CLINICAL) as uow:
        row = _condition(uow.session, condition_id)
        changed = []
        if category != "unchanged":
            value = category.value if isinstance(category, ChronicCategory) else None
            if value != row.category:
                row.category = value
                changed.append("category")
        if at_risk is not None and at_risk != row.at_risk:
            row.at_risk = at_risk
            changed.append("at_risk")
        if description is not None and description.strip() and description.strip() != row.description:
            row.description = description.strip()[:300]
            changed.append("description")
        if changed:
            uow.audit("condition_updated", "condition", row.id, row.member_id, "fields: " + ", ".join(changed))
        return _condition_info(row)


def resolve_condition(app: AppSession, condition_id: int, resolved_on: date | None = None) -> ConditionInfo:
    """Mark a condition resolved (it stays on the record, and stops counting for eligibility)."""
    resolved_on = resolved_on or app.clock.today()
    with app.work(Permission.EDIT_CLINICAL) as uow:
        row = _condition(uow.session, condition_id)
        if row.noted_on is not None and resolved_on < row.noted_on:
            raise ValidationFailed("The resolved date is before the date the condition was noted.")
        row.resolved_on = resolved_on
        uow.audit("condition_resolved", "condition", row.id, row.member_id, "fields: resolved_on")
        return _condition_info(row)


def remove_condition(app: AppSession, condition_id: int) -> None:
    """Delete a condition entered in error (a real condition that ended is resolved instead)."""
    with app.work(Permission.EDIT_CLINICAL) as uow:
        row = _condition(uow.session, condition_id)
        uow.audit("condition_removed", "condition", row.id, row.member_id, "entered in error")
        uow.session.delete(row)


def program_profile(app: AppSession) -> ProgramProfile:
    with app.read(None) as session:
        return active_program_profile(session)


def appropriateness_options(app: AppSession) -> tuple[AppropriatenessCriterion, ...]:
    """The program's appropriateness criteria (empty when the program does not use them)."""
    profile = program_profile(app)
    return profile.appropriateness_criteria if profile.appropriateness_required else ()


def set_appropriateness(app: AppSession, member_id: int, codes: list[str],
                        assessed_on: date | None = None, today: date | None = None) -> tuple[str, ...]:
    """Record which of the program's appropriateness criteria apply to the member, and the day they were
    assessed (today when not given; NY re-assesses children's every 12 months)."""
    today = today or app.clock.today()
    assessed = assessed_on or today
    if assessed > today:
        raise ValidationFailed("The assessment date is in the future; give the day it was done.")
    with app.work(Permission.EDIT_CLINICAL) as uow:
        member = get_member(uow.session, member_id)
        profile = active_program_profile(uow.session)
        unknown = [code for code in codes if profile.criterion(code) is None]
        if unknown:
            raise ValidationFailed("One of the criteria is not in this program's appropriateness list.")
        chosen = list(dict.fromkeys(codes))
        if chosen != appropriateness_of(member) or member.appropriateness_checked_on != assessed:
            member.appropriateness_json = json.dumps(chosen)
            member.appropriateness_checked_on = assessed
            uow.audit("appropriateness_changed", "member", member.id, member.id,
                      f"fields: appropriateness, assessed {assessed.isoformat()}")
        return tuple(chosen)


def explain_eligibility(app: AppSession, member_id: int, today: date | None = None) -> EligibilityResult:
    """Whether the member qualifies under the program profile, and why (or what is missing), in words."""
    with app.read(Permission.VIEW_CLINICAL) as session:
        member = get_member(session, member_id)
        return eligibility_of(session, member, active_program_profile(session), today or app.clock.today())


# ---- consent ------------------------------------------------------------------------------------


def consent_forms(app: AppSession, member_id: int | None = None,
                  kind: ConsentKind | None = None) -> tuple[ConsentForm, ...]:
    """The program's forms, for this member's age (NY's children's forms for under-18s) when given."""
    with app.read(Permission.VIEW_MEMBERS) as session:
        profile = active_program_profile(session)
        band = None
        if member_id is not None:
            band = age_band(get_member(session, member_id).dob, app.clock.today())
    # Forms the state has retired stay readable on old records but are not offered for new ones.
    in_use = tuple(f for f in profile.consent_forms if f.in_use)
    forms = profile.forms_of_kind(kind, band, in_use_only=True) if kind is not None else in_use
    if band is not None and kind is None:
        forms = tuple(f for f in forms if f.age_band == band)
    # A form of the other age band is still better than none (a profile may list adult forms only).
    return forms or (profile.forms_of_kind(kind, in_use_only=True) if kind is not None else in_use)


def _consent_info(row: Consent, profile: ProgramProfile, attachment_names: dict[int, str],
                  usernames: dict[int, str]) -> ConsentInfo:
    form = profile.consent_form(row.form_type)
    return ConsentInfo(
        id=row.id, member_id=row.member_id, kind=ConsentKind(row.kind), form_type=row.form_type,
        form_label=form.label if form else "", signed_on=row.signed_on, signed_by=row.signed_by,
        note=row.note, attachment_id=row.attachment_id,
        attachment_name=attachment_names.get(row.attachment_id, "") if row.attachment_id else "",
        recorded_by=usernames.get(row.recorded_by_id, "") if row.recorded_by_id else "",
    )


def _consent_infos(session: Session, rows: list[Consent]) -> list[ConsentInfo]:
    profile = active_program_profile(session)
    attachment_ids = [r.attachment_id for r in rows if r.attachment_id]
    names = dict(session.execute(select(Attachment.id, Attachment.filename)
                                 .where(Attachment.id.in_(attachment_ids))).all()) if attachment_ids else {}
    user_ids = [r.recorded_by_id for r in rows if r.recorded_by_id]
    usernames = dict(session.execute(select(User.id, User.username)
                                     .where(User.id.in_(user_ids))).all()) if user_ids else {}
    return [_consent_info(r, profile, names, usernames) for r in rows]


def _store_attachment(uow: UnitOfWork, member_id: int, file: AttachmentFile) -> Attachment:
    name = file.filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name:
        raise ValidationFailed("The attached file needs a name.")
    if not file.data:
        raise ValidationFailed("The attached file is empty.")
    if len(file.data) > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(f"The attached file is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB; "
                               "scan it at a lower resolution.")
    mime = file.mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    row = Attachment(member_id=member_id, filename=name[:255], mime_type=mime[:100], data=file.data)
    uow.session.add(row)
    uow.session.flush()
    return row


def record_consent(app: AppSession, member_id: int, kind: ConsentKind, form_type: str, signed_on: date, *,
                   signed_by: str = "", note: str = "", file: AttachmentFile | None = None) -> ConsentInfo:
    """Record a signed consent, withdrawal or opt-out form, with the scanned form if there is one.

    The scan is kept inside the store, so it is encrypted like everything else.
    """
    kind = ConsentKind(kind)
    if signed_on > app.clock.today():
        raise ValidationFailed("The signing date is in the future.")
    with app.work(Permission.RECORD_CONSENT) as uow:
        member = get_member(uow.session, member_id)
        profile = active_program_profile(uow.session)
        form = profile.consent_form(form_type)
        if form is None:
            raise ValidationFailed("Choose one of the program's consent forms.")
        if form.kind is not kind:
            raise ValidationFailed(f"{form.code} is not a {CONSENT_KIND_LABELS[kind].lower()} form.")
        if signed_on < member.dob:
            raise ValidationFailed("The signing date is before the member's date of birth.")
        attachment = _store_attachment(uow, member_id, file) if file is not None else None
        row = Consent(member_id=member_id, kind=kind.value, form_type=form.code, signed_on=signed_on,
                      signed_by=signed_by.strip()[:200], note=note.strip(),
                      attachment_id=attachment.id if attachment else None, recorded_by_id=app.actor.user_id)
        uow.session.add(row)
        uow.session.flush()
        detail = "fields: kind, form_type, signed_on" + (", signed_by" if row.signed_by else "") + (
            ", note" if row.note else "") + (", attachment" if attachment else "")
        uow.audit(f"{kind.value}_recorded", "consent", row.id, member_id, detail)
        return _consent_infos(uow.session, [row])[0]


def attach_consent_file(app: AppSession, consent_id: int, file: AttachmentFile) -> ConsentInfo:
    """Attach (or replace) the scanned form of a consent record already on file."""
    with app.work(Permission.RECORD_CONSENT) as uow:
        row = uow.session.get(Consent, consent_id)
        if row is None:
            raise NotFound("This consent record is no longer on file; refresh the chart.")
        old = uow.session.get(Attachment, row.attachment_id) if row.attachment_id else None
        attachment = _store_attachment(uow, row.member_id, file)
        row.attachment_id = attachment.id
        if old is not None:
            uow.session.delete(old)
        uow.audit("consent_file_attached", "consent", row.id, row.member_id,
                  "fields: attachment" + (" (replaced)" if old is not None else ""))
        return _consent_infos(uow.session, [row])[0]


def get_attachment(app: AppSession, attachment_id: int) -> AttachmentFile:
    """The stored file, for viewing; an audited read."""
    with app.work(Permission.VIEW_MEMBERS) as uow:
        row = uow.session.get(Attachment, attachment_id)
        if row is None:
            raise NotFound("This file is no longer in the store.")
        uow.audit("attachment_viewed", "attachment", row.id, row.member_id)
        return AttachmentFile(row.filename, row.data, row.mime_type, row.id)


def remove_consent(app: AppSession, consent_id: int) -> None:
    """Delete a consent record entered in error (a real withdrawal is recorded as a withdrawal form)."""
    with app.work(Permission.RECORD_CONSENT) as uow:
        row = uow.session.get(Consent, consent_id)
        if row is None:
            raise NotFound("This consent record is no longer on file; refresh the chart.")
        uow.audit("consent_removed", "consent", row.id, row.member_id, "entered in error")
        attachment = uow.session.get(Attachment, row.attachment_id) if row.attachment_id else None
        uow.session.delete(row)
        if attachment is not None:
            uow.session.delete(attachment)


# ---- segments -----------------------------------------------------------------------------------


def _segment_info(row: EnrolmentSegment) -> SegmentInfo:
    return SegmentInfo(row.id, SegmentType(row.kind), row.start_date, row.end_date,
                       EndReason(row.end_reason) if row.end_reason else None, row.override_reason)


def _tier_info(row: TierPeriod) -> TierInfo:
    return TierInfo(row.id, Tier(row.tier), row.effective_date, row.note)


def get_enrolment(app: AppSession, member_id: int, today: date | None = None) -> EnrolmentRecord:
    """The Enrolment tab: segments, consents, tiers, eligibility (for clinical roles), allowed actions."""
    on = today or app.clock.today()
    with app.read(Permission.VIEW_MEMBERS) as session:
        member = get_member(session, member_id)
        segment_list = segment_rows(session, member_id)
        history = [as_segment(r) for r in segment_list]
        consents = consent_rows(session, member_id)
        tiers = tier_rows(session, member_id)
        eligibility = None
        if app.actor.can(Permission.VIEW_CLINICAL):
            eligibility = eligibility_of(session, member, active_program_profile(session), on)
        status = domain_segments.status_on(history, on)
        open_segment = domain_segments.open_segment(history)
        ever_enrolled = any(s.type is SegmentType.ENROLLED and not s.is_open for s in history)
        may_edit = app.actor.can(Permission.EDIT_ENROLMENT)
        return EnrolmentRecord(
            member_id=member_id, on=on, status=status,
            segments=tuple(_segment_info(r) for r in segment_list),
            consents=tuple(_consent_infos(session, consents)),
            tiers=tuple(_tier_info(r) for r in tiers),
            tier=domain_segments.tier_on([_as_domain_tier(t) for t in tiers], on),
            consent_on_file=domain_segments.consent_on_file(
                [domain_segments.ConsentRecord(ConsentKind(c.kind), c.signed_on, c.form_type) for c in consents], on),
            eligibility=eligibility,
            appropriateness=tuple(appropriateness_of(member)),
            can_start_outreach=may_edit and open_segment is None,
            can_enrol=may_edit and not ever_enrolled and (
                open_segment is None or open_segment.type is SegmentType.OUTREACH),
            can_disenrol=may_edit and open_segment is not None,
            can_re_enrol=may_edit and ever_enrolled and (
                open_segment is None or open_segment.type is SegmentType.OUTREACH),
        )


def _as_domain_tier(row: TierPeriod) -> domain_segments.TierPeriod:
    return domain_segments.TierPeriod(Tier(row.tier), row.effective_date)


def list_segments(app: AppSession, member_id: int) -> list[SegmentInfo]:
    with app.read(Permission.VIEW_MEMBERS) as session:
        get_member(session, member_id)
        return [_segment_info(r) for r in segment_rows(session, member_id)]


def _check_not_future(day: date, what: str, *, allow_until: date) -> None:
    if day > allow_until:
        raise ValidationFailed(f"The {what} is in the future; record it on or after the day it happens.")


def _apply_plan(uow: UnitOfWork, member: Member, rows: list[EnrolmentSegment],
                plan: domain_segments.SegmentPlan, override_reason: str = "") -> EnrolmentSegment | None:
    """Write a domain SegmentPlan: close, drop and add rows. Returns the row added, if any."""
    by_value = {as_segment(r): r for r in rows}
    for before, after in plan.closed:
        row = by_value[before]
        row.end_date = after.end
        row.end_reason = after.end_reason.value if after.end_reason else None
    for gone in plan.removed:
        uow.session.delete(by_value[gone])
    added = None
    for new in plan.added:
        added = EnrolmentSegment(member_id=member.id, kind=new.type.value, start_date=new.start,
                                 end_date=new.end, end_reason=new.end_reason.value if new.end_reason else None,
                                 override_reason=override_reason)
        uow.session.add(added)
    uow.session.flush()
    return added


def start_outreach(app: AppSession, member_id: int, start: date) -> SegmentInfo:
    """Open an outreach segment (finding and engaging the member)."""
    _check_not_future(start, "outreach start date", allow_until=app.clock.today())
    with app.work(Permission.EDIT_ENROLMENT) as uow:
        member = get_member(uow.session, member_id)
        rows = segment_rows(uow.session, member_id)
        with domain_rules():
            plan = domain_segments.start_outreach([as_segment(r) for r in rows], start)
        added = _apply_plan(uow, member, rows, plan)
        assert added is not None
        uow.audit("outreach_started", "segment", added.id, member_id, "fields: kind, start_date")
        return _segment_info(added)


def enrolment_blockers(app: AppSession, member_id: int, enrol_date: date) -> list[str]:
    """What stands in the way of enrolling on that date (no consent, not eligible), as sentences.

    The enrol dialog shows these before saving and asks for an override reason if the user goes on.
    """
    with app.read(Permission.EDIT_ENROLMENT) as session:
        member = get_member(session, member_id)
        return domain_segments.check_enrolment(
            consents_of(session, member_id),
            eligibility_of(session, member, active_program_profile(session), enrol_date),
            enrol_date,
        )


def _enrol(app: AppSession, member_id: int, enrol_date: date, override_reason: str | None,
           *, again: bool) -> SegmentInfo:
    _check_not_future(enrol_date, "enrolment date", allow_until=app.clock.today())
    with app.work(Permission.EDIT_ENROLMENT) as uow:
        session = uow.session
        member = get_member(session, member_id)
        rows = segment_rows(session, member_id)
        history = [as_segment(r) for r in rows]
        # The dates first: no point asking for an override of an enrolment that cannot happen.
        with domain_rules():
            plan = (domain_segments.re_enrol if again else domain_segments.enrol)(history, enrol_date)
        eligibility = eligibility_of(session, member, active_program_profile(session), enrol_date)
        consents = consents_of(session, member_id)
        blockers = domain_segments.check_enrolment(consents, eligibility, enrol_date)
        if blockers:
            problems = domain_segments.check_enrolment(consents, eligibility, enrol_date, override_reason)
            if problems:
                if not (override_reason or "").strip():
                    problems = [*problems, "To enrol anyway, give an override reason (it is audited)."]
                    raise ValidationFailed(problems[0], problems)
                # The reason was given but is too short: that is what the user must fix now.
                raise ValidationFailed(problems[-1], problems)
        reason = (override_reason or "").strip() if blockers else ""
        added = _apply_plan(uow, member, rows, plan, reason)
        assert added is not None
        action = "re_enrolled" if again else "enrolled"
        uow.audit(action, "segment", added.id, member_id, "fields: kind, start_date"
                  + (", override_reason" if reason else ""))
        if reason:
            overridden = []
            if not domain_segments.consent_on_file(consents, enrol_date):
                overridden.append("no consent on file")
            if not eligibility.eligible:
                overridden.append("eligibility not met")
            uow.audit("enrolment_override", "segment", added.id, member_id,
                      f"overrode: {', '.join(overridden)}; reason: {reason}")
        return _segment_info(added)


def enrol(app: AppSession, member_id: int, enrol_date: date, override_reason: str | None = None) -> SegmentInfo:
    """Enrol the member (an open outreach segment ends the day before).

    Needs consent on file and eligibility on the enrolment date, or a written override reason.
    """
    return _enrol(app, member_id, enrol_date, override_reason, again=False)


def re_enrol(app: AppSession, member_id: int, enrol_date: date, override_reason: str | None = None) -> SegmentInfo:
    """Enrol a member who was enrolled before and disenrolled since; the same checks as ``enrol``."""
    return _enrol(app, member_id, enrol_date, override_reason, again=True)


def disenrolment_reasons(app: AppSession) -> tuple[EndReason, ...]:
    return program_profile(app).disenrolment_reasons


def disenrol(app: AppSession, member_id: int, end_date: date, reason: EndReason) -> SegmentInfo:
    """End the open segment (enrolled, or outreach that did not lead to enrolment) on end_date, its last day.

    The end date may be up to the end of next month: agencies often disenrol at the end of a month.
    """
    today = app.clock.today()
    end_of_next_month = (today.replace(day=1) + timedelta(days=62)).replace(day=1) - timedelta(days=1)
    _check_not_future(end_date, "end date", allow_until=end_of_next_month)
    with app.work(Permission.EDIT_ENROLMENT) as uow:
        member = get_member(uow.session, member_id)
        rows = segment_rows(uow.session, member_id)
        profile = active_program_profile(uow.session)
        with domain_rules():
            plan = domain_segments.disenrol([as_segment(r) for r in rows], end_date, EndReason(reason),
                                            profile.disenrolment_reasons)
        _apply_plan(uow, member, rows, plan)
        (before, after), = plan.closed
        row = next(r for r in rows if as_segment(r) == after)
        action = "disenrolled" if before.type is SegmentType.ENROLLED else "outreach_ended"
        uow.audit(action, "segment", row.id, member_id, "fields: end_date, end_reason")
        return _segment_info(row)


# ---- tiers --------------------------------------------------------------------------------------


def tiers_for_age(age: int) -> tuple[Tier, ...]:
    """NY: adults are standard, high risk/need or Health Home Plus; children low, medium or high (CANS)."""
    return CHILD_TIERS if age < 18 else ADULT_TIERS


def tier_choices(app: AppSession, member_id: int) -> tuple[Tier, ...]:
    with app.read(Permission.VIEW_MEMBERS) as session:
        return tiers_for_age(age_on(get_member(session, member_id).dob, app.clock.today()))


def list_tiers(app: AppSession, member_id: int) -> list[TierInfo]:
    with app.read(Permission.VIEW_MEMBERS) as session:
        get_member(session, member_id)
        return [_tier_info(r) for r in tier_rows(session, member_id)]


def tier_on(app: AppSession, member_id: int, day: date) -> Tier | None:
    with app.read(Permission.VIEW_MEMBERS) as session:
        return domain_segments.tier_on(tiers_of(session, member_id), day)


def set_tier(app: AppSession, member_id: int, tier: Tier, effective_date: date, note: str = "") -> TierInfo:
    """Add a tier from effective_date on (until the next entry). One entry per date."""
    tier = Tier(tier)
    with app.work(Permission.EDIT_ENROLMENT) as uow:
        member = get_member(uow.session, member_id)
        if effective_date < member.dob:
            raise ValidationFailed("The tier's effective date is before the member's date of birth.")
        with domain_rules():
            domain_segments.validate_new_tier(tiers_of(uow.session, member_id),
                                              domain_segments.TierPeriod(tier, effective_date))
        row = TierPeriod(member_id=member_id, tier=tier.value, effective_date=effective_date, note=note.strip())
        uow.session.add(row)
        uow.session.flush()
        uow.audit("tier_set", "tier", row.id, member_id, "fields: tier, effective_date" + (", note" if row.note else ""))
        return _tier_info(row)


def remove_tier(app: AppSession, tier_id: int) -> None:
    """Delete a tier entry made in error."""
    with app.work(Permission.EDIT_ENROLMENT) as uow:
        row = uow.session.get(TierPeriod, tier_id)
        if row is None:
            raise NotFound("This tier entry is no longer on file; refresh the chart.")
        uow.audit("tier_removed", "tier", row.id, row.member_id, "entered in error")
        uow.session.delete(row)
