"""The contact log (docs/domain.md §2, §5): logging, editing and deleting contacts, a member's list, the month.

A contact is checked with :mod:`hhdesk.domain.contact_rules` against the member's segment *on the contact's
date* (not today's), so a contact logged late for an outreach day follows the outreach rule. Staff defaults
to the logged-in user. Every change is audited on the member with the names of the fields changed, never
their values, so a contact's history can be read from the audit trail.

Who may change what (a product decision): a care manager logs contacts under their own name and edits or
deletes only contacts where they are the staff member; supervisors and administrators may attribute a
contact to another user (catching up on a colleague's paper notes) and correct anyone's contact.

A contact carrying transitional care (TC) after a discharge completes the "member contacted" item of the
member's open episode when it falls in time (:func:`hhdesk.domain.checklists.tc_contact_completes_member_contacted`).
Editing or deleting that contact later does not reopen the item: the item may have been confirmed by
other means, and the audit trail says which contact completed it.

Listing a member's contacts is a plain read: opening the chart is the audited ``member_viewed`` event.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hhdesk.clock import local_naive
from hhdesk.db.models import ChecklistItem, Contact, EnrolmentSegment, TransitionEpisode, User
from hhdesk.domain import segments as domain_segments
from hhdesk.domain.checklists import MEMBER_CONTACTED_KEY, tc_contact_completes_member_contacted
from hhdesk.domain.contact_rules import (
    HH_PLUS_REQUIREMENT,
    ContactFacts,
    MonthContactSummary,
    MonthRequirement,
    contact_field_problems,
    contact_warnings,
    core_service_block_reason,
    is_qualifying,
    may_change_contact,
    month_summary,
)
from hhdesk.domain.enums import ChecklistItemStatus, ContactMode, CoreService, SegmentType, WithWhom
from hhdesk.domain.permissions import Permission
from hhdesk.errors import NotFound, PermissionDenied, ValidationFailed
from hhdesk.services import alerts, settings
from hhdesk.services.alerts import Alert, AlertContext
from hhdesk.services.context import Actor, AppSession, UnitOfWork
from hhdesk.services.member_records import get_member, segments_of, tiers_of
from hhdesk.services.record_versions import lock_for_edit, touch

NO_CONTACT = "No contact with that number is in the store: check the number, or refresh the list."
MAX_NOTE_LENGTH = 20_000
CORE_SERVICE_ORDER: tuple[CoreService, ...] = tuple(CoreService)
EDITABLE_FIELDS: tuple[str, ...] = (
    "contact_date", "mode", "with_whom", "minutes", "staff", "core_services", "note",
)


# ---- values -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactInput:
    """What the contact form (or a caller) supplies; ``staff`` is a username, None for the actor."""

    contact_date: date
    mode: ContactMode
    with_whom: WithWhom = WithWhom.MEMBER
    minutes: int = 0
    core_services: frozenset[CoreService] = frozenset()
    note: str = ""
    staff: str | None = None


@dataclass(frozen=True)
class ContactView:
    """A stored contact as the list shows it."""

    contact_id: int
    member_id: int
    contact_date: date
    mode: ContactMode
    with_whom: WithWhom
    minutes: int
    staff: str  # username, "" if the user is gone
    staff_name: str
    core_services: frozenset[CoreService]
    note: str
    segment_type: SegmentType | None  # the member's segment on the contact's date
    qualifying: bool  # counts toward the month (docs/domain.md §10 steps 1 and 2)
    created_at: datetime
    updated_at: datetime
    may_edit: bool = False  # the reader may edit or delete it (domain.contact_rules.may_change_contact)
    version: int = 0  # the stored version, for saving an edit of this contact (`edit_contact`)

    @property
    def services_text(self) -> str:
        return encode_services(self.core_services).replace(";", ", ")


@dataclass(frozen=True)
class ContactSaved:
    """What a save did: the stored contact, what the user should know, and checklist items it completed."""

    contact: ContactView
    warnings: tuple[str, ...] = ()
    completed_items: tuple[str, ...] = ()  # labels of checklist items this contact completed


@dataclass(frozen=True)
class StaffChoice:
    username: str
    full_name: str


@dataclass(frozen=True)
class ContactFormFacts:
    """What the contact form needs once per member, so that it can explain the rules as the user types
    without a query per keystroke: the member's segments, who may be chosen as staff, and the default."""

    member_id: int
    segments: tuple[domain_segments.Segment, ...]
    staff_choices: tuple[StaffChoice, ...]
    default_staff: str
    may_choose_staff: bool
    today: date

    def segment_type_on(self, day: date) -> SegmentType | None:
        segment = domain_segments.segment_on(self.segments, day)
        return segment.type if segment else None

    def core_service_block_reason(self, day: date, mode: ContactMode) -> str | None:
        """Why a contact on ``day`` in ``mode`` cannot carry core services (the save's own rule), or None."""
        return core_service_block_reason(self.segment_type_on(day), mode)


# ---- small pure helpers the window shares -----------------------------------------------------------


def encode_services(services: Iterable[CoreService]) -> str:
    """Core services as stored: codes in the order CM;CC;TC;FS;RS;IT joined by ';'."""
    chosen = set(services)
    return ";".join(service.value for service in CORE_SERVICE_ORDER if service in chosen)


def decode_services(text: str) -> frozenset[CoreService]:
    return frozenset(CoreService(code) for code in text.split(";") if code)


# ---- reads ------------------------------------------------------------------------------------------


def _view(row: Contact, staff: User | None, segments: Collection[domain_segments.Segment], actor: Actor
          ) -> ContactView:
    segment = domain_segments.segment_on(segments, row.contact_date)
    segment_type = segment.type if segment else None
    services = decode_services(row.core_services)
    mode = ContactMode(row.mode)
    return ContactView(
        contact_id=row.id,
        member_id=row.member_id,
        contact_date=row.contact_date,
        mode=mode,
        with_whom=WithWhom(row.with_whom),
        minutes=row.minutes,
        staff=staff.username if staff else "",
        staff_name=(staff.full_name or staff.username) if staff else "",
        core_services=services,
        note=row.note,
        segment_type=segment_type,
        qualifying=is_qualifying(ContactFacts(row.contact_date, mode, services, segment_type)),
        created_at=row.created_at,
        updated_at=row.updated_at,
        may_edit=may_change_contact(actor.role, row.staff_id is not None and row.staff_id == actor.user_id),
        version=row.row_version,
    )


def list_contacts(app: AppSession, member_id: int, *, start: date | None = None, end: date | None = None,
                  limit: int | None = None) -> list[ContactView]:
    """A member's contacts, newest first (by date, then by when they were logged)."""
    with app.read(Permission.VIEW_CLINICAL) as session:
        get_member(session, member_id)
        stmt = (
            select(Contact, User)
            .outerjoin(User, User.id == Contact.staff_id)
            .where(Contact.member_id == member_id)
            .order_by(Contact.contact_date.desc(), Contact.id.desc())
        )
        if start is not None:
            stmt = stmt.where(Contact.contact_date >= start)
        if end is not None:
            stmt = stmt.where(Contact.contact_date <= end)
        if limit is not None:
            stmt = stmt.limit(limit)
        segments = segments_of(session, member_id)
        return [_view(contact, staff, segments, app.actor) for contact, staff in session.execute(stmt)]


def get_contact(app: AppSession, contact_id: int) -> ContactView:
    with app.read(Permission.VIEW_CLINICAL) as session:
        row = session.get(Contact, contact_id)
        if row is None:
            raise NotFound(NO_CONTACT)
        staff = session.get(User, row.staff_id) if row.staff_id else None
        return _view(row, staff, segments_of(session, row.member_id), app.actor)


def form_facts(app: AppSession, member_id: int) -> ContactFormFacts:
    """What the contact form needs for one member (see :class:`ContactFormFacts`)."""
    with app.read(Permission.VIEW_CLINICAL) as session:
        get_member(session, member_id)
        may_choose = app.actor.can(Permission.ASSIGN_CASELOAD)
        users = session.execute(
            select(User.username, User.full_name).where(User.disabled.is_(False)).order_by(User.username)
        ).all()
        choices = tuple(StaffChoice(u.username, u.full_name or u.username) for u in users
                        if may_choose or u.username == app.actor.username)
        return ContactFormFacts(
            member_id=member_id,
            segments=tuple(segments_of(session, member_id)),
            staff_choices=choices,
            default_staff=app.actor.username,
            may_choose_staff=may_choose,
            today=app.clock.today(),
        )


def hh_plus_requirements(session: Session, values: settings.Settings | None = None
                         ) -> tuple[dict[str, MonthRequirement], bool, str]:
    """Every Health Home Plus minimum of the billing profile by population key (smi, hiv, aot), whether an AOT
    order must cover the month's last day (else any day), and the population of members with none recorded."""
    from hhdesk.domain.billing_profile import AotApplies
    from hhdesk.services.billing.profile import profile_from_settings

    try:
        profile = profile_from_settings(settings.read_all(session) if values is None else values)
    except ValidationFailed:
        return {"smi": HH_PLUS_REQUIREMENT}, False, "smi"
    minimums = {key: MonthRequirement(m.qualifying_contacts, m.in_person) for key, m in profile.hh_plus_minimums.items()}
    return minimums, profile.aot_applies is AotApplies.LAST_DAY, profile.hh_plus_default_population.value


def member_hh_plus_requirement(session: Session, member_id: int, first: date, last: date,
                               values: settings.Settings | None = None) -> MonthRequirement:
    """The Health Home Plus minimum for this member's month, as billing reads it: the AOT minimum when an
    AOT order covers the month, else the member's population's (SMI when none is recorded)."""
    from hhdesk.db.models import AotOrder, Member
    from hhdesk.domain.billing_profile import AOT, AotApplies
    from hhdesk.services.billing.profile import profile_from_settings

    try:
        profile = profile_from_settings(settings.read_all(session) if values is None else values)
    except ValidationFailed:
        return HH_PLUS_REQUIREMENT
    from_day = last if profile.aot_applies is AotApplies.LAST_DAY else first
    under_order = session.scalar(select(AotOrder.id).where(
        AotOrder.member_id == member_id, AotOrder.start_date <= last,
        or_(AotOrder.end_date.is_(None), AotOrder.end_date >= from_day)).limit(1))
    population = AOT if under_order is not None else (
        session.scalar(select(Member.hh_plus_population).where(Member.id == member_id))
        or profile.hh_plus_default_population.value)
    minimum = profile.hh_plus_minimum(population)
    return MonthRequirement(minimum.qualifying_contacts, minimum.in_person)


def month_segment_type(segments: Iterable[domain_segments.Segment], first: date, last: date) -> SegmentType | None:
    """The month's segment as billing sees it: enrolled if an enrolled segment overlaps the month, else
    outreach if one does, else None (docs/domain.md §10 step 1)."""
    month = domain_segments.Segment(SegmentType.OUTREACH, first, last)
    kinds = {segment.type for segment in segments if segment.overlaps(month)}
    if SegmentType.ENROLLED in kinds:
        return SegmentType.ENROLLED
    return SegmentType.OUTREACH if SegmentType.OUTREACH in kinds else None


@dataclass(frozen=True)
class MonthSummary:
    """The member header's month line: the domain summary plus the days left in the month."""

    summary: MonthContactSummary
    days_left: int  # after today, 0 on the last day; for a past month 0

    @property
    def text(self) -> str:
        s = self.summary
        if s.segment_type is None:
            return s.sentence + "."
        month = f"{calendar.month_name[s.month.month]}"
        counted = f"{month}: {s.qualifying} qualifying {'contact' if s.qualifying == 1 else 'contacts'}"
        if s.required_in_person:
            counted += f" ({s.in_person} in person)"
        if s.met:
            return f"{counted}. Monthly minimum met."
        needs = f"needs {s.more_needed} more"
        if s.more_in_person_needed:
            needs += f", {s.more_in_person_needed} in person"
        left = f"{_days(self.days_left)} left" if self.days_left else "last day of the month"
        return f"{counted}; {needs} ({left})."


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def month_summary_for(app: AppSession, member_id: int, today: date | None = None) -> MonthSummary:
    """Qualifying contacts in the month of ``today``, of them in person, and what the tier needs."""
    on = today or app.clock.today()
    first = on.replace(day=1)
    last = on.replace(day=calendar.monthrange(on.year, on.month)[1])
    with app.read(Permission.VIEW_CLINICAL) as session:
        get_member(session, member_id)
        summary = _month_summary(session, member_id, first, last, segments_of(session, member_id),
                                 tiers_of(session, member_id),
                                 member_hh_plus_requirement(session, member_id, first, last))
        return MonthSummary(summary, max((last - on).days, 0))


def _month_summary(session: Session, member_id: int, first: date, last: date,
                   segments: Sequence[domain_segments.Segment], tiers: Sequence[domain_segments.TierPeriod],
                   hh_plus: MonthRequirement) -> MonthContactSummary:
    tier = domain_segments.tier_on(tiers, last)
    rows = session.execute(
        select(Contact.contact_date, Contact.mode, Contact.core_services, Contact.with_whom).where(
            Contact.member_id == member_id, Contact.contact_date >= first, Contact.contact_date <= last
        )
    ).all()
    facts = []
    for contact_date, mode, services, with_whom in rows:
        segment = domain_segments.segment_on(segments, contact_date)
        party = WithWhom(with_whom) if with_whom in _PARTIES else WithWhom.PROVIDER
        facts.append(ContactFacts(contact_date, ContactMode(mode), decode_services(services),
                                  segment.type if segment else None, party))
    return month_summary(facts, tier, first, month_segment_type(segments, first, last), hh_plus=hh_plus)


def month_alerts(ctx: AlertContext) -> list[Alert]:
    """The chart header's month line, as an alert: qualifying contacts this month and what is still needed.

    Shown to roles that see contacts, for members in outreach or enrolled this month; a warning once a
    week or less is left with the minimum not met, otherwise information.
    """
    if not (ctx.actor.can(Permission.VIEW_CLINICAL) or ctx.actor.can(Permission.BILLING)):
        return []
    first = ctx.on.replace(day=1)
    last = ctx.on.replace(day=calendar.monthrange(ctx.on.year, ctx.on.month)[1])
    # The chart has read the segments, tiers and settings already.
    summary = MonthSummary(_month_summary(ctx.session, ctx.member.id, first, last, ctx.segments, ctx.tiers,
                                          member_hh_plus_requirement(ctx.session, ctx.member.id, first, last,
                                                                     ctx.settings)),
                           max((last - ctx.on).days, 0))
    if summary.summary.segment_type is None:
        return []
    late = not summary.summary.met and summary.days_left < 7
    return [Alert("contacts_month", summary.text, "warning" if late else "info")]



alerts.register("contacts_month", month_alerts, place=70)

# ---- writes -----------------------------------------------------------------------------------------


def _staff_user(session: Session, actor: Actor, username: str | None) -> User:
    wanted = (username or actor.username).strip()
    user = session.execute(select(User).where(User.username == wanted)).scalar_one_or_none()
    if user is None:
        raise ValidationFailed("Staff: there is no user with that username.")
    if user.id != actor.user_id:
        if not actor.can(Permission.ASSIGN_CASELOAD):
            raise PermissionDenied("You may log contacts under your own name only. Ask a supervisor to "
                                   "record a contact for a colleague.")
        if user.disabled:
            raise ValidationFailed("Staff: that user's account is disabled; choose another.")
    return user


def _check(session: Session, actor: Actor, member_id: int, data: ContactInput, today: date
           ) -> tuple[User, SegmentType | None, list[str]]:
    segments = segments_of(session, member_id)
    segment = domain_segments.segment_on(segments, data.contact_date)
    segment_type = segment.type if segment else None
    problems = [message for _field, message in contact_field_problems(
        segment_type, data.mode, data.core_services, data.minutes, data.contact_date, today)]
    if len(data.note) > MAX_NOTE_LENGTH:
        problems.append(f"The note is longer than {MAX_NOTE_LENGTH:,} characters; shorten it.")
    if problems:
        raise ValidationFailed(problems[0], problems)
    staff = _staff_user(session, actor, data.staff)
    return staff, segment_type, contact_warnings(segment_type, data.core_services)


def _may_change(actor: Actor, row: Contact) -> None:
    if not may_change_contact(actor.role, row.staff_id is not None and row.staff_id == actor.user_id):
        raise PermissionDenied("You may change only contacts you made. Ask a supervisor to correct this one.")


def _apply(row: Contact, data: ContactInput, staff: User) -> list[str]:
    """Copy the form onto the row; return the names of the fields that changed."""
    new_values = {
        "contact_date": data.contact_date,
        "mode": data.mode.value,
        "with_whom": data.with_whom.value,
        "minutes": data.minutes,
        "staff_id": staff.id,
        "core_services": encode_services(data.core_services),
        "note": data.note.strip(),
    }
    changed = []
    for column, value in new_values.items():
        if getattr(row, column) != value:
            setattr(row, column, value)
            changed.append("staff" if column == "staff_id" else column)
    return changed


def log_contact(app: AppSession, member_id: int, data: ContactInput, *, today: date | None = None) -> ContactSaved:
    """Save a new contact for the member; raises ValidationFailed listing every rule it breaks."""
    today = today or app.clock.today()
    with app.work(Permission.EDIT_CLINICAL) as uow:
        session = uow.session
        get_member(session, member_id)
        staff, _segment_type, warnings = _check(session, app.actor, member_id, data, today)
        row = Contact(member_id=member_id)
        _apply(row, data, staff)
        session.add(row)
        session.flush()
        uow.audit("contact_logged", "contact", row.id, member_id,
                  "fields: " + ", ".join(f for f in EDITABLE_FIELDS if f != "note" or data.note.strip()))
        completed = _complete_member_contacted(uow, row, staff, local_naive(uow.clock.now()))
        return ContactSaved(_view(row, staff, segments_of(session, member_id), app.actor), tuple(warnings), completed)


def edit_contact(app: AppSession, contact_id: int, data: ContactInput, *, today: date | None = None,
                 seen_version: int | None = None) -> ContactSaved:
    """Change a contact; the audit event names the fields changed. ``seen_version``: the version the form
    opened (`ContactView.version`); a contact saved by someone else since is not overwritten (ChangedByOther)."""
    today = today or app.clock.today()
    with app.work(Permission.EDIT_CLINICAL) as uow:
        session = uow.session
        row = lock_for_edit(session, Contact, contact_id, seen_version, "this contact")
        if row is None:
            raise NotFound(NO_CONTACT)
        _may_change(app.actor, row)
        if data.staff is None and row.staff_id is not None:
            # The form sends no staff when the user did not touch it: keep who made the contact.
            current = session.get(User, row.staff_id)
            data = ContactInput(data.contact_date, data.mode, data.with_whom, data.minutes, data.core_services,
                                data.note, current.username if current else None)
        staff, _segment_type, warnings = _check(session, app.actor, row.member_id, data, today)
        changed = _apply(row, data, staff)
        completed: tuple[str, ...] = ()
        if changed:
            session.flush()
            uow.audit("contact_edited", "contact", row.id, row.member_id, "fields: " + ", ".join(changed))
            completed = _complete_member_contacted(uow, row, staff, local_naive(uow.clock.now()))
        return ContactSaved(_view(row, staff, segments_of(session, row.member_id), app.actor), tuple(warnings),
                            completed)


def delete_contact(app: AppSession, contact_id: int) -> None:
    """Remove a contact logged in error; the audit keeps that it existed and who removed it."""
    with app.work(Permission.EDIT_CLINICAL) as uow:
        session = uow.session
        row = session.get(Contact, contact_id)
        if row is None:
            raise NotFound(NO_CONTACT)
        _may_change(app.actor, row)
        member_id = row.member_id
        session.delete(row)
        uow.audit("contact_deleted", "contact", contact_id, member_id)


# ---- the transition checklist -----------------------------------------------------------------------


def completion_time(contact_date: date, discharged_at: datetime, now: datetime) -> datetime:
    """When a contact dated ``contact_date`` completed an item. Contacts carry a date without a time:
    noon of that day, but never before the discharge nor after the moment it was logged."""
    moment = datetime.combine(contact_date, time(12, 0))
    return min(max(moment, discharged_at), max(now, discharged_at))


def _complete_member_contacted(uow: UnitOfWork, contact: Contact, staff: User, now: datetime) -> tuple[str, ...]:
    """Mark "member contacted" done on the member's open episodes that this contact completes."""
    services = decode_services(contact.core_services)
    if CoreService.TC not in services:
        return ()
    session: Session = uow.session
    rows = session.execute(
        select(ChecklistItem, TransitionEpisode)
        .join(TransitionEpisode, TransitionEpisode.id == ChecklistItem.episode_id)
        .where(
            TransitionEpisode.member_id == contact.member_id,
            TransitionEpisode.closed_at.is_(None),
            TransitionEpisode.discharged_at.is_not(None),
            ChecklistItem.key == MEMBER_CONTACTED_KEY,
            ChecklistItem.status == ChecklistItemStatus.OPEN.value,
        )
    ).all()
    completed = []
    for item, episode in rows:
        hours = item.due_hours if item.due_hours is not None else 48
        if not tc_contact_completes_member_contacted(
            episode.discharged_at, contact.contact_date, ContactMode(contact.mode), services,
            WithWhom(contact.with_whom), within_hours=hours,
        ):
            continue
        item.status = ChecklistItemStatus.DONE.value
        item.done_at = completion_time(contact.contact_date, episode.discharged_at, now)
        item.done_by_id = staff.id
        touch(episode)  # someone with the episode open sees this change before overwriting it
        uow.audit("checklist_item_done", "checklist_item", item.id, contact.member_id,
                  f"{item.key} by contact {contact.id}")
        completed.append(item.label)
    return tuple(completed)


def member_segments_by_id(session: Session) -> dict[int, list[domain_segments.Segment]]:
    """Every member's segments, loaded in one query (for imports and reports over many members)."""
    from hhdesk.services.member_records import as_segment

    by_member: dict[int, list[domain_segments.Segment]] = {}
    for row in session.execute(select(EnrolmentSegment).order_by(EnrolmentSegment.start_date)).scalars():
        by_member.setdefault(row.member_id, []).append(as_segment(row))
    return by_member


_PARTIES = {party.value for party in WithWhom}
