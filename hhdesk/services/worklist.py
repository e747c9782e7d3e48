"""The worklist: what is due and overdue for a care manager, across their members, in one sorted list.

Four sources, each one query (nothing is loaded to be filtered in Python):

* open checklist items of open transition episodes that are overdue or due within a day;
* enrolled members whose month is short of qualifying contacts (none yet, or below the Health Home Plus
  minimum), with the days left in the month;
* care-plan reviews due: the active plan's review date within 14 days or past, for members enrolled today;
* referrals waiting for follow-up: sent or accepted, follow-up date today or past.

Scope: a member belongs to the worklist of their assigned care manager. A care manager sees their own
members; supervisors and administrators (the caseload-assignment permission) may ask for anyone's, or for
everyone's (``for_user=ALL``), which includes members nobody is assigned to.

Urgency: the triage order of ``hhdesk.domain.worklist_rules`` (transition checklist items first, then
overdue work, work due this week, later work; by kind, then deadline). Date-only deadlines (reviews,
referral follow-ups, the end of the month) fall due at the end of their day, so something due today is not
yet overdue.

From the list, a transition checklist item can be marked done or not applicable, and a referral follow-up
done (the agency was chased: the next follow-up moves on by the agency's follow-up days; a referral that
needs no more follow-up is closed by its status, in the chart). Both go through the transitions and
referrals services, which check the permission and write the audit event, with the version of the episode
or referral the list read: one changed since is not changed (ChangedByOther). The month's contacts and care-plan reviews are done by doing
them (logging the contact, signing the reviewed plan), so the list does not offer to tick them off.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from hhdesk.db.models import (
    AotOrder,
    CarePlanVersion,
    ChecklistItem,
    Contact,
    DirectoryEntry,
    EnrolmentSegment,
    Member,
    Referral,
    TransitionEpisode,
    User,
)
from hhdesk.domain.billing_profile import AOT
from hhdesk.domain.checklists import DUE_SOON
from hhdesk.domain.contact_rules import (
    DEFAULT_REQUIREMENT,
    ENROLLED_CORE_SERVICE_MODES,
    HH_PLUS_REQUIREMENT,
    MonthRequirement,
    still_needed,
)
from hhdesk.domain.enums import (
    CarePlanStatus,
    ChecklistItemStatus,
    ContactMode,
    HHPlusPopulation,
    MemberStatus,
    ReferralStatus,
    SegmentType,
    Tier,
    TransitionSetting,
    WithWhom,
    label,
)
from hhdesk.domain.permissions import Permission
from hhdesk.domain.worklist_rules import KIND_LABELS, URGENCY_LABELS, Urgency, WorkKind, rank, urgency
from hhdesk.errors import NotFound, PermissionDenied, ValidationFailed
from hhdesk.services import referrals, transitions
from hhdesk.services.caseload import status_expression, tier_expression
from hhdesk.services.contacts import hh_plus_requirements
from hhdesk.services.context import AppSession
from hhdesk.services.labels import display_name
from hhdesk.services.transitions import SETTING_LABELS, local_now

ALL = "*"
"""Pass as ``for_user`` for every member of the agency (supervisors and administrators)."""

CARE_PLAN_REVIEW_WINDOW = timedelta(days=14)
END_OF_DAY = time(23, 59, 59)

# The chart tab each kind of work opens (the member chart's tab keys).
TAB_CONTACTS = "contacts"
TAB_TRANSITIONS = "transitions"
TAB_CARE_PLAN = "care_plan"
TAB_REFERRALS = "referrals"


@dataclass(frozen=True)
class WorkItem:
    """One thing to do, for one member, with where in the chart to do it."""

    kind: WorkKind
    member_id: int
    medicaid_id: str
    member_name: str
    care_manager: str  # username, "" if unassigned
    title: str  # what to do, in a few words
    detail: str  # where it comes from (episode, referral agency, ...)
    due_at: datetime
    overdue: bool
    tab: str  # the chart tab key to open
    entity_id: int | None  # checklist item, care plan version or referral id; None for the month
    record_id: int | None = None  # what the chart tab selects: the episode, plan version or referral
    record_version: int | None = None  # the episode's or referral's version when listed, for ticking it off

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    def urgency(self, now: datetime) -> Urgency:
        return urgency(self.kind, self.due_at, now)

    def urgency_label(self, now: datetime) -> str:
        return URGENCY_LABELS[self.urgency(now)]

    @property
    def can_be_done(self) -> bool:
        """Whether the list may mark it done (see the module docstring)."""
        return self.kind in (WorkKind.CHECKLIST_ITEM, WorkKind.REFERRAL_FOLLOW_UP) and self.entity_id is not None

    @property
    def can_be_not_applicable(self) -> bool:
        return self.kind is WorkKind.CHECKLIST_ITEM and self.entity_id is not None

    def lateness(self, now: datetime) -> timedelta:
        return now - self.due_at

    def when_text(self, now: datetime) -> str:
        """"3 days overdue", "due in 5 hours", "due today", in the care manager's words."""
        delta = self.due_at - now
        if self.overdue:
            return f"{_span(now - self.due_at)} overdue"
        if self.due_at.time() == END_OF_DAY:
            days = (self.due_at.date() - now.date()).days
            if days == 0:
                return "due today"
            return "due tomorrow" if days == 1 else f"due in {days} days"
        return f"due in {_span(delta)}"


def _span(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours < 1:
        minutes = max(int(delta.total_seconds() // 60), 1)
        return f"{minutes} min"
    if hours < 48:
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    days = hours // 24
    return f"{days} days"


def sort_key(item: WorkItem, now: datetime) -> tuple:
    """The triage order (``hhdesk.domain.worklist_rules.rank``)."""
    return rank(item.kind, item.due_at, now, item.member_name, item.title)


def _end_of(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY)


def _scope(app: AppSession, for_user: str | None) -> str | None:
    """The username whose members to list; None for everyone."""
    wanted = for_user or app.actor.username
    if wanted != app.actor.username and not may_see_others(app):
        raise PermissionDenied("Only supervisors and administrators may see another person's worklist.")
    return None if wanted == ALL else wanted


def may_see_others(app: AppSession) -> bool:
    return app.actor.can(Permission.ASSIGN_CASELOAD)


def worklist(app: AppSession, for_user: str | None = None, *, now: datetime | None = None,
             soon: timedelta = DUE_SOON, kinds: Collection[WorkKind] | None = None) -> list[WorkItem]:
    """What is due and overdue for ``for_user`` (a username; None: the logged-in user; ALL: everyone),
    sorted by urgency (see the module docstring); ``kinds`` keeps only those kinds of work."""
    now = now or local_now(app.clock)
    wanted = set(WorkKind) if kinds is None else {WorkKind(kind) for kind in kinds}
    today = now.date()
    username = _scope(app, for_user)
    with app.read(Permission.VIEW_CLINICAL) as session:
        user_id = None
        if username is not None:
            user_id = session.execute(select(User.id).where(User.username == username)).scalar_one_or_none()
            if user_id is None:
                raise NotFound("There is no user with that username.")
        manager = aliased(User)

        def member_scope(stmt):  # a Select
            stmt = stmt.outerjoin(manager, manager.id == Member.care_manager_id)
            return stmt.where(Member.care_manager_id == user_id) if user_id is not None else stmt

        items: list[WorkItem] = []

        # 1. checklist items
        facility = func.coalesce(DirectoryEntry.name, TransitionEpisode.facility_name)
        stmt = member_scope(
            select(ChecklistItem.id, ChecklistItem.label, ChecklistItem.due_at, TransitionEpisode.id,
                   TransitionEpisode.row_version, TransitionEpisode.setting,
                   facility, Member.id, Member.medicaid_id, Member.last_name, Member.first_name,
                   Member.preferred_name, manager.username)
            .join(TransitionEpisode, TransitionEpisode.id == ChecklistItem.episode_id)
            .join(Member, Member.id == TransitionEpisode.member_id)
            .outerjoin(DirectoryEntry, DirectoryEntry.id == TransitionEpisode.facility_id)
        ).where(
            TransitionEpisode.closed_at.is_(None),
            ChecklistItem.status == ChecklistItemStatus.OPEN.value,
            ChecklistItem.due_at.is_not(None),
            ChecklistItem.due_at <= now + soon,
        )
        rows = session.execute(stmt) if WorkKind.CHECKLIST_ITEM in wanted else ()
        for (item_id, item_label, due_at, episode_id, episode_version, setting, facility_name, member_id, medicaid_id,
             last, first, preferred, manager_name) in rows:
            where = SETTING_LABELS.get(TransitionSetting(setting), label(TransitionSetting(setting)))
            items.append(WorkItem(
                WorkKind.CHECKLIST_ITEM, member_id, medicaid_id, display_name(last, first, preferred),
                manager_name or "", item_label, f"{where}" + (f", {facility_name}" if facility_name else ""),
                due_at, due_at < now, TAB_TRANSITIONS, item_id, episode_id, episode_version,
            ))

        # 2. enrolled members short of qualifying contacts this month
        first_day = today.replace(day=1)
        last_day = today.replace(day=calendar.monthrange(today.year, today.month)[1])
        minimums, aot_on_last_day, default_population = hh_plus_requirements(session)
        enrolled_on_contact_date = exists().where(
            EnrolmentSegment.member_id == Contact.member_id,
            EnrolmentSegment.kind == SegmentType.ENROLLED.value,
            EnrolmentSegment.start_date <= Contact.contact_date,
            or_(EnrolmentSegment.end_date.is_(None), EnrolmentSegment.end_date >= Contact.contact_date),
        )
        qualifying = and_(
            Contact.member_id == Member.id,
            Contact.contact_date >= first_day,
            Contact.contact_date <= last_day,
            Contact.core_services != "",
            Contact.mode.in_([m.value for m in ENROLLED_CORE_SERVICE_MODES]),
            enrolled_on_contact_date,
        )
        qualifying_count = select(func.count(Contact.id)).where(qualifying).scalar_subquery()
        in_person_count = (
            # in person counts toward the Health Home Plus minimum only with the member (docs/billing.md rule 1)
            select(func.count(Contact.id)).where(qualifying, Contact.mode == ContactMode.IN_PERSON.value,
                                                 Contact.with_whom == WithWhom.MEMBER.value)
            .scalar_subquery()
        )
        tier = tier_expression(last_day)
        is_plus = tier == Tier.HH_PLUS.value
        # The member's Health Home Plus minimum, as billing reads it: AOT when an order covers the month,
        # else the member's population (the profile's default when none is recorded).
        under_order = exists().where(
            AotOrder.member_id == Member.id, AotOrder.start_date <= last_day,
            or_(AotOrder.end_date.is_(None), AotOrder.end_date >= (last_day if aot_on_last_day else first_day)))
        population = case((Member.hh_plus_population == "", default_population), else_=Member.hh_plus_population)
        smi = minimums.get(HHPlusPopulation.SMI.value, HH_PLUS_REQUIREMENT)
        ladder = [(and_(is_plus, under_order), minimums.get(AOT, smi))]
        ladder += [(and_(is_plus, population == key), minimum) for key, minimum in minimums.items() if key != AOT]
        # Every other tier, and a member with none on record, needs the default month (contact_rules).
        needed = case(*((when, minimum.contacts) for when, minimum in ladder), (is_plus, smi.contacts),
                      else_=DEFAULT_REQUIREMENT.contacts)
        needed_in_person = case(*((when, minimum.in_person) for when, minimum in ladder), (is_plus, smi.in_person),
                                else_=DEFAULT_REQUIREMENT.in_person)
        stmt = member_scope(
            select(Member.id, Member.medicaid_id, Member.last_name, Member.first_name, Member.preferred_name,
                   manager.username, qualifying_count.label("q"), in_person_count.label("p"),
                   needed.label("n"), needed_in_person.label("np"))
        ).where(status_expression(today) == MemberStatus.ENROLLED.value)
        stmt = stmt.where(or_(qualifying_count < needed, in_person_count < needed_in_person))
        due = _end_of(last_day)
        days_left = (last_day - today).days
        left = "last day of the month" if days_left == 0 else (
            f"{days_left} day left" if days_left == 1 else f"{days_left} days left")
        rows = session.execute(stmt) if WorkKind.MONTHLY_CONTACTS in wanted else ()
        for member_id, medicaid_id, last, first, preferred, manager_name, q, p, n, np in rows:
            more, more_in_person = still_needed(MonthRequirement(n, np), q, p)
            if q == 0:
                title = "No qualifying contact this month"
            else:
                title = f"Needs {more} more {'contact' if more == 1 else 'contacts'} this month"
            if more_in_person:
                title += f" ({more_in_person} in person)"
            detail = f"{q} of {n} qualifying" + (f", {p} of {np} in person" if np else "") + f"; {left}"
            items.append(WorkItem(
                WorkKind.MONTHLY_CONTACTS, member_id, medicaid_id, display_name(last, first, preferred),
                manager_name or "", title, detail, due, False, TAB_CONTACTS, None,
            ))

        # 3. care-plan reviews due
        stmt = member_scope(
            select(CarePlanVersion.id, CarePlanVersion.version_no, CarePlanVersion.review_due_on, Member.id,
                   Member.medicaid_id, Member.last_name, Member.first_name, Member.preferred_name,
                   manager.username)
            .join(Member, Member.id == CarePlanVersion.member_id)
        ).where(
            CarePlanVersion.status == CarePlanStatus.ACTIVE.value,
            CarePlanVersion.review_due_on.is_not(None),
            CarePlanVersion.review_due_on <= today + CARE_PLAN_REVIEW_WINDOW,
            # A member who left keeps their last plan, but reviewing it is nobody's work any more.
            status_expression(today) == MemberStatus.ENROLLED.value,
        )
        rows = session.execute(stmt) if WorkKind.CARE_PLAN_REVIEW in wanted else ()
        for plan_id, version, review_due, member_id, medicaid_id, last, first, preferred, manager_name in rows:
            due_at = _end_of(review_due)
            items.append(WorkItem(
                WorkKind.CARE_PLAN_REVIEW, member_id, medicaid_id, display_name(last, first, preferred),
                manager_name or "", "Review the care plan", f"Version {version}, review due {review_due:%m/%d/%Y}",
                due_at, due_at < now, TAB_CARE_PLAN, plan_id, plan_id,
            ))

        # 4. referrals waiting for follow-up
        stmt = member_scope(
            select(Referral.id, Referral.row_version, Referral.category, Referral.status, Referral.follow_up_on,
                   DirectoryEntry.name,
                   Member.id, Member.medicaid_id, Member.last_name, Member.first_name, Member.preferred_name,
                   manager.username)
            .join(Member, Member.id == Referral.member_id)
            .outerjoin(DirectoryEntry, DirectoryEntry.id == Referral.directory_entry_id)
        ).where(
            Referral.status.in_([ReferralStatus.SENT.value, ReferralStatus.ACCEPTED.value]),
            Referral.follow_up_on.is_not(None),
            Referral.follow_up_on <= today,
        )
        rows = session.execute(stmt) if WorkKind.REFERRAL_FOLLOW_UP in wanted else ()
        for (referral_id, referral_version, category, status, follow_up, agency, member_id, medicaid_id, last, first,
             preferred, manager_name) in rows:
            due_at = _end_of(follow_up)
            items.append(WorkItem(
                WorkKind.REFERRAL_FOLLOW_UP, member_id, medicaid_id, display_name(last, first, preferred),
                manager_name or "", f"Follow up the {label_text(category)} referral",
                f"{agency or 'Agency not recorded'} ({status.replace('_', ' ')}), follow-up {follow_up:%m/%d/%Y}",
                due_at, due_at < now, TAB_REFERRALS, referral_id, referral_id, referral_version,
            ))

    items.sort(key=lambda item: sort_key(item, now))
    return items


def mark_done(app: AppSession, item: WorkItem, *, now: datetime | None = None) -> str:
    """Tick a worklist item off as done; returns what happened, in a sentence for the status bar."""
    now = now or local_now(app.clock)
    if item.kind is WorkKind.CHECKLIST_ITEM and item.entity_id is not None:
        transitions.mark_item_done(app, item.entity_id, now=now, seen_version=item.record_version)
        return f"Done: {item.title} ({item.member_name})."
    if item.kind is WorkKind.REFERRAL_FOLLOW_UP and item.entity_id is not None:
        next_on = referrals.default_follow_up_on(app, now.date())
        referrals.set_follow_up(app, item.entity_id, next_on, today=now.date(), seen_version=item.record_version)
        return f"Followed up ({item.member_name}); the next follow-up is on {next_on:%m/%d/%Y}."
    raise ValidationFailed(_not_tickable(item))


def mark_not_applicable(app: AppSession, item: WorkItem, reason: str, *, now: datetime | None = None) -> str:
    """Mark a worklist item not applicable, saying why; returns what happened, in a sentence."""
    now = now or local_now(app.clock)
    if item.kind is WorkKind.CHECKLIST_ITEM and item.entity_id is not None:
        transitions.mark_item_not_applicable(app, item.entity_id, reason, now=now, seen_version=item.record_version)
        return f"Not applicable: {item.title} ({item.member_name})."
    if item.kind is WorkKind.REFERRAL_FOLLOW_UP:
        raise ValidationFailed("A referral that needs no more follow-up is closed by its status (completed, "
                               "declined or no response): open the member's referral and change it.")
    raise ValidationFailed(_not_tickable(item))


def _not_tickable(item: WorkItem) -> str:
    if item.kind is WorkKind.MONTHLY_CONTACTS:
        return "The month's contact is done by logging the contact: open the member and log it."
    if item.kind is WorkKind.CARE_PLAN_REVIEW:
        return "A care-plan review is done by signing the reviewed plan: open the member's care plan."
    return "This item cannot be ticked off from the list; open the member."


def label_text(value: str) -> str:
    return value.replace("_", " ")
