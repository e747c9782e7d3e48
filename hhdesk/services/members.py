"""The member record: creating and editing members, the chart header with its alerts, caseload assignment.

Reading a member's chart is an audited event (``member_viewed``); every change is audited with the
member's id and the names of the fields changed, never their values.

The header's alerts come from the registry in ``alerts``: this module registers the member record's own,
and features (care plans, contacts) register theirs when imported, without this module knowing them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hhdesk.db.models import CarePlanVersion, DirectoryEntry, Member, User
from hhdesk.domain import segments as domain_segments
from hhdesk.domain.enums import TIER_LABELS, ConsentKind, MemberStatus, Role, Tier
from hhdesk.domain.identifiers import name_key, normalise_medicaid_id, validate_medicaid_id
from hhdesk.domain.people import display_name
from hhdesk.domain.permissions import Permission
from hhdesk.domain.program_profile import ProgramProfile
from hhdesk.errors import NotFound, ValidationFailed
from hhdesk.services import alerts, settings
from hhdesk.services import careplans as _careplans  # noqa: F401 - registers the care plan review alert
from hhdesk.services import contacts as _contacts  # noqa: F401 - registers the contacts-this-month alert
from hhdesk.services.alerts import Alert, AlertContext
from hhdesk.services.caseload import member_name_key
from hhdesk.services.context import Actor, AppSession
from hhdesk.services.directory import entry_label
from hhdesk.services.labels import SEX_CHOICES, STATUS_LABELS, display_phone
from hhdesk.services.member_records import (
    NO_MEMBER,
    active_program_profile,
    age_on,
    consents_of,
    eligibility_of,
    get_member,
    segments_of,
    tiers_of,
)
from hhdesk.services.record_versions import lock_for_edit

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_STATE = re.compile(r"[A-Z]{2}")
_ZIP = re.compile(r"[0-9]{5}(?:-?[0-9]{4})?")
_PHONE_CHARACTERS = re.compile(r"[0-9()+.\- ]+")
_EARLIEST_DOB = date(1900, 1, 1)


# ---- read models ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberDetails:
    """What the Profile form edits (and the new-member dialog fills in)."""

    medicaid_id: str
    last_name: str
    first_name: str
    dob: date
    preferred_name: str = ""
    sex: str = ""
    gender_identity: str = ""
    language: str = "English"
    interpreter_needed: bool = False
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    phone: str = ""
    phone_alt: str = ""
    email: str = ""
    emergency_contact_name: str = ""
    emergency_contact_phone: str = ""
    plan_id: str = ""
    pcp_id: int | None = None
    # The stored version these details were read at; a save over an older one is refused (not a field).
    seen_version: int | None = None


DETAIL_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(MemberDetails) if f.name != "seen_version")


@dataclass(frozen=True)
class MemberChart:
    """The chart header and the Profile tab: who the member is and where they stand today."""

    member_id: int
    details: MemberDetails
    on: date
    age: int
    status: MemberStatus
    status_since: date | None
    tier: Tier | None
    care_manager: str  # username, "" when unassigned
    care_manager_name: str
    pcp_name: str
    consent_on_file: bool
    alerts: tuple[Alert, ...]

    @property
    def display_name(self) -> str:
        return display_name(self.details.last_name, self.details.first_name, self.details.preferred_name)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def tier_label(self) -> str:
        return TIER_LABELS[self.tier] if self.tier else ""


@dataclass(frozen=True)
class DuplicateCandidate:
    """A member already in the store with the same name and date of birth as a new one."""

    member_id: int
    medicaid_id: str
    name: str
    dob: date
    status: MemberStatus


@dataclass(frozen=True)
class MemberCreation:
    """What create_member did: the new id, or (nothing saved) the likely duplicates to show first."""

    member_id: int | None
    possible_duplicates: tuple[DuplicateCandidate, ...] = ()

    @property
    def created(self) -> bool:
        return self.member_id is not None


# ---- alerts ---------------------------------------------------------------------------------------


def _consent_alerts(ctx: AlertContext) -> list[Alert]:
    latest = max(
        (c for c in ctx.consents if c.signed_on <= ctx.on), key=lambda c: c.signed_on, default=None
    )
    found = []
    if latest is not None and latest.kind is ConsentKind.OPT_OUT:
        found.append(Alert("opted_out", f"Opted out of the Health Home ({latest.form_code or 'opt-out form'})"))
    if ctx.status is MemberStatus.ENROLLED and not domain_segments.consent_on_file(ctx.consents, ctx.on):
        if latest is not None and latest.kind is ConsentKind.WITHDRAWAL:
            found.append(Alert("no_consent", "Consent withdrawn: no consent on file"))
        else:
            found.append(Alert("no_consent", "No consent on file"))
    return found


def _care_plan_alerts(ctx: AlertContext) -> list[Alert]:
    if ctx.status is not MemberStatus.ENROLLED:
        return []
    current = domain_segments.segment_on(ctx.segments, ctx.on)
    signed = ctx.session.execute(
        select(CarePlanVersion.id).where(
            CarePlanVersion.member_id == ctx.member.id,
            CarePlanVersion.signed_on.is_not(None),
            CarePlanVersion.signed_on <= ctx.on,
        ).limit(1)
    ).first()
    if signed is not None or current is None:
        return []
    due = current.start + timedelta(days=ctx.settings.care_plan_grace_days)
    if ctx.on > due:
        return [Alert("no_care_plan", "No care plan signed")]
    return [Alert("no_care_plan", f"No care plan signed yet (due by {due:%m/%d/%Y})", "info")]


def _tier_alerts(ctx: AlertContext) -> list[Alert]:
    if ctx.status is MemberStatus.ENROLLED and domain_segments.tier_on(ctx.tiers, ctx.on) is None:
        return [Alert("no_tier", "No tier recorded")]
    return []


def _eligibility_alerts(ctx: AlertContext) -> list[Alert]:
    # Eligibility is worked out from conditions, which only clinical roles may see (minimum necessary).
    if not ctx.actor.can(Permission.VIEW_CLINICAL):
        return []
    if ctx.status not in (MemberStatus.OUTREACH, MemberStatus.ENROLLED):
        return []
    result = eligibility_of(ctx.session, ctx.member, ctx.profile, ctx.on)
    if result.eligible:
        return []
    return [Alert("not_eligible", "Eligibility rules not met yet (see the Enrolment tab)", "info")]


def _care_manager_alerts(ctx: AlertContext) -> list[Alert]:
    if ctx.member.care_manager_id is None and ctx.status in (MemberStatus.OUTREACH, MemberStatus.ENROLLED):
        return [Alert("no_care_manager", "No care manager assigned", "info")]
    return []


# The header's own alerts; features register theirs (care plans, contacts) with places between these.
alerts.register("consent", _consent_alerts, place=10)
alerts.register("care_plan", _care_plan_alerts, place=20)
alerts.register("tier", _tier_alerts, place=40)
alerts.register("eligibility", _eligibility_alerts, place=50)
alerts.register("care_manager", _care_manager_alerts, place=60)


# ---- creating and editing -------------------------------------------------------------------------


def _normalise_phone(text: str, label: str, problems: list[str]) -> str:
    text = text.strip()
    if not text:
        return ""
    digits = re.sub(r"[^0-9]", "", text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if _PHONE_CHARACTERS.fullmatch(text) is None or len(digits) != 10:
        problems.append(f"{label}: enter a 10-digit phone number, e.g. (555) 123-4567.")
        return text
    # Stored as people read it, the same way for every source (forms, roster imports).
    return display_phone(digits)


def check_details(details: MemberDetails, profile: ProgramProfile, today: date) -> MemberDetails:
    """The details cleaned up (trimmed, Medicaid ID and state upper case, phones as (555) 123-4567).

    Raises ValidationFailed listing every problem, each naming the field, never the value typed.
    """
    problems: list[str] = []
    cleaned: dict[str, Any] = {
        name: (value.strip() if isinstance(value, str) else value)
        for name, value in ((f, getattr(details, f)) for f in DETAIL_FIELDS)
    }
    try:
        cleaned["medicaid_id"] = validate_medicaid_id(details.medicaid_id, profile)
    except ValueError as exc:
        problems.append(str(exc))
    for field, label in (("last_name", "Last name"), ("first_name", "First name")):
        if not cleaned[field]:
            problems.append(f"{label} is required.")
        elif len(cleaned[field]) > 100:
            problems.append(f"{label} is longer than 100 characters.")
    if not isinstance(details.dob, date):
        problems.append("Date of birth is required.")
    elif details.dob > today:
        problems.append("Date of birth is in the future.")
    elif details.dob < _EARLIEST_DOB:
        problems.append("Date of birth is before 1900.")
    if cleaned["sex"].upper() not in SEX_CHOICES:
        problems.append("Sex: choose F, M, X or U (unknown).")
    cleaned["sex"] = cleaned["sex"].upper()
    cleaned["state"] = cleaned["state"].upper()
    if cleaned["state"] and not _STATE.fullmatch(cleaned["state"]):
        problems.append("State: use the two-letter code, e.g. NY.")
    if cleaned["zip"] and not _ZIP.fullmatch(cleaned["zip"]):
        problems.append("ZIP code: 5 digits, or ZIP+4.")
    if cleaned["email"] and not _EMAIL.fullmatch(cleaned["email"]):
        problems.append("Email address does not look like name@example.org.")
    for field, label in (("phone", "Phone"), ("phone_alt", "Other phone"),
                         ("emergency_contact_phone", "Emergency contact phone")):
        cleaned[field] = _normalise_phone(cleaned[field], label, problems)
    if not cleaned["language"]:
        cleaned["language"] = "English"
    if problems:
        raise ValidationFailed(problems[0], problems)
    return MemberDetails(**cleaned)


def _duplicates(session: Session, last_name: str, first_name: str, dob: date,
                today: date, exclude_member_id: int | None = None) -> list[DuplicateCandidate]:
    wanted = name_key(f"{last_name} {first_name}")
    found = []
    for member in session.execute(select(Member).where(Member.dob == dob)).scalars():
        if member.id == exclude_member_id or name_key(f"{member.last_name} {member.first_name}") != wanted:
            continue
        status = domain_segments.status_on(segments_of(session, member.id), today)
        found.append(DuplicateCandidate(member.id, member.medicaid_id,
                                        display_name(member.last_name, member.first_name, member.preferred_name),
                                        member.dob, status))
    return found


def find_possible_duplicates(app: AppSession, last_name: str, first_name: str, dob: date,
                             exclude_member_id: int | None = None) -> list[DuplicateCandidate]:
    """Members with the same name (ignoring case and accents) and date of birth."""
    with app.read(Permission.VIEW_MEMBERS) as session:
        return _duplicates(session, last_name, first_name, dob, app.clock.today(), exclude_member_id)


def _medicaid_id_taken(session: Session, medicaid_id: str, exclude_member_id: int | None = None) -> bool:
    stmt = select(Member.id).where(Member.medicaid_id == medicaid_id)
    if exclude_member_id is not None:
        stmt = stmt.where(Member.id != exclude_member_id)
    return session.execute(stmt.limit(1)).first() is not None


_MEDICAID_ID_TAKEN = ("Another member already has this Medicaid ID. Search the caseload for it: it is "
                      "probably the same person.")


def _check_pcp(session: Session, pcp_id: int | None) -> None:
    if pcp_id is not None and session.get(DirectoryEntry, pcp_id) is None:
        raise ValidationFailed("The chosen PCP is no longer in the directory; choose another.")


def _care_manager_id(session: Session, username: str) -> int:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"There is no user named {username}.")
    if user.disabled:
        raise ValidationFailed(f"{username}'s account is disabled; choose another care manager.")
    if Role(user.role) not in (Role.CARE_MANAGER, Role.SUPERVISOR):
        raise ValidationFailed(f"{username} is not a care manager or supervisor, so cannot hold a caseload.")
    return user.id


def create_member(app: AppSession, details: MemberDetails, *, allow_duplicate: bool = False,
                  care_manager: str | None = None) -> MemberCreation:
    """Add a member. Same Medicaid ID as another member: an error. Same name and date of birth: nothing
    is saved and the candidates come back, unless ``allow_duplicate`` (the user saw them and went on).

    ``care_manager`` (a username) assigns the member; assigning anyone but yourself needs the caseload
    assignment permission. Without it, a care manager who adds a member becomes its care manager, so the
    member appears in their caseload at once.
    """
    app.require(Permission.EDIT_DEMOGRAPHICS)
    if care_manager and care_manager != app.actor.username:
        app.require(Permission.ASSIGN_CASELOAD)
    with app.work(Permission.EDIT_DEMOGRAPHICS) as uow:
        session = uow.session
        cleaned = check_details(details, active_program_profile(session), app.clock.today())
        if _medicaid_id_taken(session, cleaned.medicaid_id):
            raise ValidationFailed(_MEDICAID_ID_TAKEN)
        _check_pcp(session, cleaned.pcp_id)
        if not allow_duplicate:
            candidates = _duplicates(session, cleaned.last_name, cleaned.first_name, cleaned.dob, app.clock.today())
            if candidates:
                return MemberCreation(None, tuple(candidates))
        if care_manager:
            manager_id: int | None = _care_manager_id(session, care_manager)
        elif app.actor.role is Role.CARE_MANAGER:
            manager_id = app.actor.user_id
        else:
            manager_id = None
        member = Member(**{f: getattr(cleaned, f) for f in DETAIL_FIELDS}, care_manager_id=manager_id,
                        name_key=member_name_key(cleaned.last_name, cleaned.first_name, cleaned.preferred_name))
        session.add(member)
        session.flush()
        filled = [f for f in DETAIL_FIELDS if getattr(cleaned, f) not in ("", None, False)]
        if manager_id is not None:
            filled.append("care_manager")
        uow.audit("member_created", "member", member.id, member.id, "fields: " + ", ".join(filled))
        if allow_duplicate and _duplicates(session, cleaned.last_name, cleaned.first_name, cleaned.dob,
                                           app.clock.today(), exclude_member_id=member.id):
            uow.audit("duplicate_warning_overridden", "member", member.id, member.id, "same name and date of birth")
        return MemberCreation(member.id)


def update_member(app: AppSession, member_id: int, details: MemberDetails) -> MemberDetails:
    """Save the Profile form. Returns the details as stored; audits the names of the fields changed."""
    with app.work(Permission.EDIT_DEMOGRAPHICS) as uow:
        session = uow.session
        member = lock_for_edit(session, Member, member_id, details.seen_version, "this member's profile")
        if member is None:
            raise NotFound(NO_MEMBER)
        cleaned = check_details(details, active_program_profile(session), app.clock.today())
        if cleaned.medicaid_id != member.medicaid_id and _medicaid_id_taken(session, cleaned.medicaid_id, member_id):
            raise ValidationFailed(_MEDICAID_ID_TAKEN)
        if cleaned.pcp_id != member.pcp_id:
            _check_pcp(session, cleaned.pcp_id)
        changed = [f for f in DETAIL_FIELDS if getattr(member, f) != getattr(cleaned, f)]
        if changed:
            for field in changed:
                setattr(member, field, getattr(cleaned, field))
            member.name_key = member_name_key(member.last_name, member.first_name, member.preferred_name)
            uow.audit("member_updated", "member", member.id, member.id, "fields: " + ", ".join(changed))
        return _details(member)


def _details(member: Member) -> MemberDetails:
    return MemberDetails(**{f: getattr(member, f) for f in DETAIL_FIELDS}, seen_version=member.row_version)


def find_by_medicaid_id(app: AppSession, medicaid_id: str) -> int | None:
    """The member id for a Medicaid ID as typed (spaces, dashes and case forgiven), or None."""
    with app.read(Permission.VIEW_MEMBERS) as session:
        return session.execute(
            select(Member.id).where(Member.medicaid_id == normalise_medicaid_id(medicaid_id))
        ).scalar_one_or_none()


def get_details(app: AppSession, member_id: int) -> MemberDetails:
    """The stored details without an audit event: for a form the user opened from the chart."""
    with app.read(Permission.VIEW_MEMBERS) as session:
        return _details(get_member(session, member_id))


def get_chart(app: AppSession, member_id: int, today: date | None = None, *, record_view: bool = True) -> MemberChart:
    """The chart header and profile; an audited read (``member_viewed``).

    ``record_view=False`` is for refreshing a chart already open after the user changed something in
    it: that is not a new look at the record, and one event per open chart keeps the log readable.
    """
    on = today or app.clock.today()
    if not record_view:
        with app.read(Permission.VIEW_MEMBERS) as session:
            return _chart(session, get_member(session, member_id), app.actor, on)
    with app.work(Permission.VIEW_MEMBERS) as uow:
        session = uow.session
        member = get_member(session, member_id)
        chart = _chart(session, member, app.actor, on)
        uow.audit("member_viewed", "member", member.id, member.id)
        return chart


def _chart(session: Session, member: Member, actor: Actor, on: date) -> MemberChart:
    segments = tuple(segments_of(session, member.id))
    consents = tuple(consents_of(session, member.id))
    tiers = tuple(tiers_of(session, member.id))
    status = domain_segments.status_on(segments, on)
    current = domain_segments.segment_on(segments, on)
    if current is not None:
        since: date | None = current.start
    else:
        ended = [s.end for s in segments if s.end is not None and s.end < on]
        since = max(ended) + timedelta(days=1) if ended and status is MemberStatus.DISENROLLED else None
    manager = session.get(User, member.care_manager_id) if member.care_manager_id else None
    pcp = session.get(DirectoryEntry, member.pcp_id) if member.pcp_id else None
    ctx = AlertContext(session, member, actor, on, status, segments, consents, tiers,
                       active_program_profile(session), settings.read_all(session))
    header_alerts = alerts.alerts_for(ctx)
    return MemberChart(
        member_id=member.id,
        details=_details(member),
        on=on,
        age=age_on(member.dob, on),
        status=status,
        status_since=since,
        tier=domain_segments.tier_on(tiers, on),
        care_manager=manager.username if manager else "",
        care_manager_name=manager.full_name if manager else "",
        pcp_name=entry_label(pcp.name, pcp.organisation) if pcp else "",
        consent_on_file=domain_segments.consent_on_file(consents, on),
        alerts=header_alerts,
    )


# ---- caseload assignment --------------------------------------------------------------------------


def assign_care_manager(app: AppSession, member_ids: Sequence[int], username: str | None) -> int:
    """Give one or many members to a care manager (``None`` or "" leaves them unassigned).

    Needs the caseload assignment permission (supervisors, administrators). Returns how many members
    changed hands; each change is audited on the member.
    """
    if not member_ids:
        return 0
    with app.work(Permission.ASSIGN_CASELOAD) as uow:
        session = uow.session
        manager_id = _care_manager_id(session, username) if username else None
        changed = 0
        for member_id in dict.fromkeys(member_ids):
            member = get_member(session, member_id)
            if member.care_manager_id == manager_id:
                continue
            member.care_manager_id = manager_id
            changed += 1
            uow.audit("care_manager_assigned", "member", member.id, member.id,
                      f"care_manager {username}" if username else "care_manager removed")
        return changed


def may_assign(app: AppSession) -> bool:
    return app.actor.can(Permission.ASSIGN_CASELOAD)
