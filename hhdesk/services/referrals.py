"""Closed-loop referrals to community and social supports (docs/domain.md §9).

A referral goes from a member to a directory entry; its status moves by the rules in
:mod:`hhdesk.domain.referral_rules`, and every move is kept as a dated ``ReferralStatusChange`` row (the
first row is the sending itself) and audited. Referrals are clinical: reading them needs
``VIEW_CLINICAL``, changing them ``EDIT_CLINICAL``, printing a letter ``PRINT_DOCUMENTS`` as well.

Decisions where the issue is silent:

* **Consent to share.** A letter is printed only when the member's consent to share with *that* agency is
  recorded: the agency is on the member's care team with "consent to share" ticked (the care team's flag
  is the one place that says "this member agreed we may talk to this organisation"). Making a referral
  with ``consent_to_share=True``, or :func:`record_consent_to_share` later, puts the agency on the care team
  with the flag set. The letter's statement then cites the member's Health Home consent form (its signing
  date) when one is in effect, and otherwise says the member agreed to the sharing. A member whose Health
  Home consent was withdrawn, or who opted out, gets no letter until a new consent is on file.
* **Whose contact details.** The letter is signed by the member's assigned care manager; without one, by
  whoever made the referral; without that, by whoever prints it. Their phone falls back to the agency's,
  and the fax is always the agency's (staff have no fax of their own).
* **The care manager filter** means the member's care manager (the caseload), not who typed the referral.
* **The summary** applies the category, agency and care manager filters but not the status ones: a
  summary of only the completed referrals would say nothing.
* **Reference.** The letter quotes ``R-<id>`` so that the agency's reply can be matched to the referral.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from hhdesk.db.models import (
    CarePlanGoal,
    CarePlanNeed,
    CarePlanVersion,
    CareTeamMember,
    DirectoryEntry,
    Member,
    Referral,
    ReferralStatusChange,
    User,
)
from hhdesk.documents.data import (
    CareManagerContact,
    Letterhead,
    MemberSummary,
    PageSettings,
    Recipient,
    ReferralLetterDoc,
)
from hhdesk.domain import referral_rules
from hhdesk.domain import segments as domain_segments
from hhdesk.domain.enums import ReferralCategory, ReferralMethod, ReferralStatus
from hhdesk.domain.errors import DomainError
from hhdesk.domain.permissions import Permission
from hhdesk.errors import NotFound, ValidationFailed
from hhdesk.services import settings
from hhdesk.services.context import AppSession, UnitOfWork
from hhdesk.services.directory import entry_label
from hhdesk.services.document_parts import address_lines, letterhead
from hhdesk.services.labels import display_name, display_phone
from hhdesk.services.member_records import as_consent, consent_rows, get_member

NO_REFERRAL = "No referral with that number is in the store: check the number, or refresh the list."
NO_AGENCY = "The chosen agency is no longer in the directory; choose another."
MAX_TEXT = 4000
CONSENT_ROLE_PREFIX = "Referral"

STATUS_LABELS: dict[ReferralStatus, str] = {
    ReferralStatus.SENT: "Sent",
    ReferralStatus.ACCEPTED: "Accepted",
    ReferralStatus.COMPLETED: "Completed",
    ReferralStatus.DECLINED: "Declined",
    ReferralStatus.NO_RESPONSE: "No response",
}
CATEGORY_LABELS: dict[ReferralCategory, str] = {
    ReferralCategory.HOUSING: "Housing",
    ReferralCategory.FOOD: "Food",
    ReferralCategory.TRANSPORTATION: "Transportation",
    ReferralCategory.BENEFITS: "Benefits",
    ReferralCategory.EMPLOYMENT: "Employment",
    ReferralCategory.LEGAL: "Legal",
    ReferralCategory.BEHAVIOURAL_HEALTH: "Behavioural health",
    ReferralCategory.SUBSTANCE_USE: "Substance use",
    ReferralCategory.MEDICAL_SPECIALTY: "Medical specialty",
    ReferralCategory.OTHER: "Other",
}
METHOD_LABELS: dict[ReferralMethod, str] = {
    ReferralMethod.LETTER: "Letter",
    ReferralMethod.FAX: "Fax",
    ReferralMethod.PHONE: "Phone",
    ReferralMethod.PORTAL: "Portal",
}


# ---- values in and out ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NewReferral:
    """What the New referral dialog (or a test) fills in.

    ``sent_on`` defaults to today and ``follow_up_on`` to ``sent_on`` plus the agency's
    ``referral_follow_up_days`` setting. ``consent_to_share``: the member agreed that we share their
    information with this agency; it is recorded on the care team (see the module notes).
    """

    member_id: int
    directory_entry_id: int
    category: ReferralCategory
    reason: str
    need: str = ""
    request: str = ""
    sent_on: date | None = None
    sent_how: ReferralMethod = ReferralMethod.LETTER
    follow_up_on: date | None = None
    goal_id: int | None = None
    consent_to_share: bool = False


@dataclass(frozen=True)
class ReferralFilter:
    """Which referrals a list shows. ``None`` means any; ``care_manager=""`` means unassigned members."""

    member_id: int | None = None
    status: ReferralStatus | None = None
    open_only: bool = False
    waiting_only: bool = False  # open, with the follow-up date come (domain is_waiting)
    category: ReferralCategory | None = None
    agency_id: int | None = None
    care_manager: str | None = None
    limit: int = 5000


@dataclass(frozen=True)
class ReferralRow:
    """One referral as lists show it."""

    referral_id: int
    member_id: int
    medicaid_id: str
    member_name: str  # "Last, First"
    category: ReferralCategory
    agency_id: int
    agency_name: str
    reason: str
    need: str
    request: str
    sent_on: date
    sent_how: ReferralMethod
    status: ReferralStatus
    status_on: date
    follow_up_on: date | None
    outcome: str
    care_manager: str  # the member's care manager's username, "" when unassigned
    care_manager_name: str
    waiting: bool  # open and the follow-up date has come (on the day the list was made)

    @property
    def reference(self) -> str:
        return reference(self.referral_id)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS[self.category]

    @property
    def method_label(self) -> str:
        return METHOD_LABELS[self.sent_how]

    @property
    def closed(self) -> bool:
        return referral_rules.is_closed(self.status)

    @property
    def next_statuses(self) -> tuple[ReferralStatus, ...]:
        return referral_rules.next_allowed(self.status)


@dataclass(frozen=True)
class StatusChangeView:
    status: ReferralStatus
    changed_on: date
    note: str
    changed_by: str  # full name, else username, else ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class ReferralDetail:
    """A referral with its history, its linked goal and whether a letter may be printed."""

    row: ReferralRow
    goal_id: int | None
    goal_text: str
    history: tuple[StatusChangeView, ...]
    consent_to_share: bool  # the agency is on the care team with consent to share
    agency_phone: str
    agency_fax: str


@dataclass(frozen=True)
class AgencyChoice:
    """A directory entry offered when choosing where to refer."""

    entry_id: int
    name: str
    organisation: str
    phone: str
    fax: str
    categories: tuple[str, ...]
    city: str = ""

    @property
    def display(self) -> str:
        text = self.name
        if self.organisation and self.organisation != self.name:
            text += f", {self.organisation}"
        if self.city:
            text += f" ({self.city})"
        return text


@dataclass(frozen=True)
class GoalChoice:
    goal_id: int
    text: str
    need_domain: str
    version_no: int


@dataclass(frozen=True)
class SummaryLine:
    """One row of the summary table: a category or an agency and its counts."""

    key: Any  # ReferralCategory, or the directory entry id
    label: str
    counts: referral_rules.ReferralCounts


@dataclass(frozen=True)
class ReferralSummaryReport:
    overall: referral_rules.ReferralCounts
    by_category: tuple[SummaryLine, ...]
    by_agency: tuple[SummaryLine, ...]
    waiting: int  # open referrals whose follow-up date has come


@dataclass(frozen=True)
class ReferralLetter:
    """Everything the referral letter renderer takes, filled from the store."""

    letter: ReferralLetterDoc
    member: MemberSummary
    letterhead: Letterhead
    page: PageSettings = field(default_factory=PageSettings)


def reference(referral_id: int) -> str:
    return f"R-{referral_id}"


# ---- helpers --------------------------------------------------------------------------------------


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


# ---- listing --------------------------------------------------------------------------------------

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


# ---- choosing an agency and a goal ----------------------------------------------------------------


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


# ---- changing -------------------------------------------------------------------------------------


def create_referral(app: AppSession, new: NewReferral, today: date | None = None) -> ReferralDetail:
    """Record a referral that has been (or is being) sent today or earlier; returns it with its history."""
    today = today or app.clock.today()
    problems: list[str] = []
    reason = _text(new.reason, "Reason for referral", problems, required=True)
    need = _text(new.need, "What the member needs", problems)
    request = _text(new.request, "What we are asking", problems)
    try:
        category = ReferralCategory(new.category)
    except ValueError:
        problems.append("Category: choose one from the list.")
    try:
        method = ReferralMethod(new.sent_how)
    except ValueError:
        problems.append("How it was sent: letter, fax, phone or portal.")
    if problems:
        raise ValidationFailed(problems[0], problems)
    sent_on = new.sent_on or today
    with app.work(Permission.EDIT_CLINICAL) as uow:
        session = uow.session
        member = get_member(session, new.member_id)
        entry = session.get(DirectoryEntry, new.directory_entry_id)
        if entry is None or not entry.active:
            raise ValidationFailed(NO_AGENCY)
        _check_goal(session, member.id, new.goal_id)
        follow_up_on = new.follow_up_on
        if follow_up_on is None:
            days = settings.read_all(session).referral_follow_up_days
            follow_up_on = _domain(referral_rules.default_follow_up, sent_on, days)
        _domain(referral_rules.validate_new_referral, sent_on, follow_up_on, today)
        referral = Referral(
            member_id=member.id, directory_entry_id=entry.id, category=category.value, reason=reason,
            need=need, request=request, goal_id=new.goal_id, sent_on=sent_on, sent_how=method.value,
            status=ReferralStatus.SENT.value, status_on=sent_on, follow_up_on=follow_up_on,
            created_by_id=app.actor.user_id,
        )
        referral.changes.append(ReferralStatusChange(
            status=ReferralStatus.SENT.value, changed_on=sent_on, note=f"Sent by {METHOD_LABELS[method].lower()}",
            changed_by_id=app.actor.user_id,
        ))
        session.add(referral)
        session.flush()
        uow.audit("referral_created", "referral", referral.id, member.id,
                  f"category {category.value}, agency {entry.id}, sent by {method.value}")
        if new.consent_to_share:
            _put_on_care_team(uow, member.id, entry.id, category, sent_on, referral.id)
        session.flush()
        return _detail(session, referral, today)


def change_status(app: AppSession, referral_id: int, new_status: ReferralStatus, changed_on: date,
                  note: str = "", outcome: str | None = None, today: date | None = None, *,
                  next_follow_up_on: date | None = None) -> ReferralDetail:
    """Move a referral to ``new_status`` on ``changed_on`` (domain rules: order of statuses and dates).

    The change is kept as a status history row with its note and audited; ``outcome``, when given,
    replaces the outcome in words at the same time. ``next_follow_up_on`` moves the follow-up date of a
    referral that stays open (after an acceptance, the next check is on how the service is going).
    """
    today = today or app.clock.today()
    problems: list[str] = []
    note = _text(note, "Note", problems)
    if outcome is not None:
        outcome = _text(outcome, "Outcome", problems)
    try:
        new_status = ReferralStatus(new_status)
    except ValueError:
        problems.append("Status: choose one from the list.")
    if problems:
        raise ValidationFailed(problems[0], problems)
    with app.work(Permission.EDIT_CLINICAL) as uow:
        session = uow.session
        referral = _get_referral(session, referral_id)
        current = ReferralStatus(referral.status)
        last_change_on = referral.status_on if current is not ReferralStatus.SENT else None
        _domain(referral_rules.validate_transition, current, new_status, changed_on, referral.sent_on,
                last_change_on, today=today)
        if next_follow_up_on is not None:
            if referral_rules.is_closed(new_status):
                raise ValidationFailed("A closed referral needs no follow-up date.")
            if next_follow_up_on < changed_on:
                raise ValidationFailed("The next follow-up date is before the date of this status change.")
        referral.status = new_status.value
        referral.status_on = changed_on
        referral.changes.append(ReferralStatusChange(
            status=new_status.value, changed_on=changed_on, note=note, changed_by_id=app.actor.user_id,
        ))
        detail = f"{current.value} -> {new_status.value}"
        if next_follow_up_on is not None and next_follow_up_on != referral.follow_up_on:
            referral.follow_up_on = next_follow_up_on
            detail += ", follow_up_on"
        if outcome is not None and outcome != referral.outcome:
            referral.outcome = outcome
            detail += ", outcome"
        session.flush()
        uow.audit("referral_status_changed", "referral", referral.id, referral.member_id, detail)
        return _detail(session, referral, today)


def record_outcome(app: AppSession, referral_id: int, outcome: str, today: date | None = None) -> ReferralDetail:
    """Replace the outcome in words (what came of the referral); audited without the words."""
    problems: list[str] = []
    outcome = _text(outcome, "Outcome", problems)
    if problems:
        raise ValidationFailed(problems[0], problems)
    today = today or app.clock.today()
    with app.work(Permission.EDIT_CLINICAL) as uow:
        referral = _get_referral(uow.session, referral_id)
        if outcome != referral.outcome:
            referral.outcome = outcome
            uow.audit("referral_updated", "referral", referral.id, referral.member_id, "fields: outcome")
        return _detail(uow.session, referral, today)


def set_follow_up(app: AppSession, referral_id: int, follow_up_on: date | None,
                  today: date | None = None) -> ReferralDetail:
    """Move the follow-up date of an open referral (after chasing the agency, for instance)."""
    today = today or app.clock.today()
    with app.work(Permission.EDIT_CLINICAL) as uow:
        referral = _get_referral(uow.session, referral_id)
        if referral_rules.is_closed(ReferralStatus(referral.status)):
            raise ValidationFailed("This referral is closed: it needs no follow-up.")
        if follow_up_on is not None and follow_up_on < referral.sent_on:
            raise ValidationFailed("The follow-up date is before the date sent.")
        if follow_up_on != referral.follow_up_on:
            referral.follow_up_on = follow_up_on
            uow.audit("referral_updated", "referral", referral.id, referral.member_id, "fields: follow_up_on")
        return _detail(uow.session, referral, today)


def record_consent_to_share(app: AppSession, referral_id: int, today: date | None = None) -> ReferralDetail:
    """The member agreed that we share with the referral's agency: tick it on the care team."""
    today = today or app.clock.today()
    with app.work(Permission.EDIT_CLINICAL) as uow:
        referral = _get_referral(uow.session, referral_id)
        _put_on_care_team(uow, referral.member_id, referral.directory_entry_id,
                          ReferralCategory(referral.category), today, referral.id)
        uow.session.flush()
        return _detail(uow.session, referral, today)


# ---- summary --------------------------------------------------------------------------------------


def summarise(app: AppSession, filters: ReferralFilter | None = None,
              today: date | None = None) -> ReferralSummaryReport:
    """Closed counts and median days to close, overall, by category and by agency.

    The status filters (status, open only, waiting only) are ignored; the others apply.
    """
    filters = filters or ReferralFilter()
    today = today or app.clock.today()
    scope = ReferralFilter(member_id=filters.member_id, category=filters.category, agency_id=filters.agency_id,
                           care_manager=filters.care_manager, limit=1_000_000_000)
    stmt = _rows_query(scope, today).with_only_columns(
        Referral.status, Referral.sent_on, Referral.category, Referral.directory_entry_id, Referral.status_on,
        Referral.follow_up_on, DirectoryEntry.name, DirectoryEntry.organisation,
    )
    facts: list[referral_rules.ReferralFacts] = []
    agency_names: dict[int, str] = {}
    waiting = 0
    with app.read(Permission.VIEW_CLINICAL) as session:
        for status, sent_on, category, entry_id, status_on, follow_up_on, name, organisation in session.execute(stmt):
            status = ReferralStatus(status)
            fact = referral_rules.ReferralFacts(
                status=status, sent_on=sent_on, category=ReferralCategory(category), agency=entry_id,
                last_change_on=status_on if status is not ReferralStatus.SENT else None,
                follow_up_on=follow_up_on,
            )
            facts.append(fact)
            waiting += referral_rules.is_waiting(fact, today)
            agency_names[entry_id] = entry_label(name, organisation)
    summary = referral_rules.referral_summary(facts)
    by_category = tuple(
        SummaryLine(category, CATEGORY_LABELS[category], counts)
        for category, counts in sorted(summary.by_category.items(), key=lambda kv: (-kv[1].total, kv[0].value))
    )
    by_agency = tuple(
        SummaryLine(entry_id, agency_names[entry_id], counts)
        for entry_id, counts in sorted(summary.by_agency.items(),
                                       key=lambda kv: (-kv[1].total, agency_names[kv[0]].lower()))
    )
    return ReferralSummaryReport(summary.overall, by_category, by_agency, waiting)


# ---- the letter -----------------------------------------------------------------------------------


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


def status_choices(current: ReferralStatus) -> list[tuple[ReferralStatus, str]]:
    """The statuses a form may offer for a referral now ``current``, with their labels."""
    return [(status, STATUS_LABELS[status]) for status in referral_rules.next_allowed(current)]

