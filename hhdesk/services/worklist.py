"""The worklist: what is due and overdue for a care manager, across their members, in one sorted list.

Four sources, each one query (nothing is loaded to be filtered in Python):

* open checklist items of open transition episodes that are overdue or due within a day;
* enrolled members whose month is short of qualifying contacts (none yet, or below the Health Home Plus
  minimum), with the days left in the month;
* care-plan reviews due: the active plan's review date within 14 days or past;
* referrals waiting for follow-up: sent or accepted, follow-up date today or past.

Scope: a member belongs to the worklist of their assigned care manager. A care manager sees their own
members; supervisors and administrators (the caseload-assignment permission) may ask for anyone's, or for
everyone's (``for_user=ALL``), which includes members nobody is assigned to.

Urgency: overdue items first, the latest first; then the rest by due time, the soonest first. Date-only
deadlines (reviews, referral follow-ups, the end of the month) fall due at the end of their day, so
something due today is not yet overdue.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

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
from hhdesk.domain.checklists import DUE_SOON
from hhdesk.domain.contact_rules import ENROLLED_CORE_SERVICE_MODES, HH_PLUS_REQUIREMENT
from hhdesk.domain.enums import (
    CarePlanStatus,
    ChecklistItemStatus,
    ContactMode,
    MemberStatus,
    ReferralStatus,
    Tier,
    TransitionSetting,
    WithWhom,
    label,
)
from hhdesk.domain.permissions import Permission
from hhdesk.errors import NotFound, PermissionDenied
from hhdesk.services.caseload import status_expression, tier_expression
from hhdesk.services.contacts import hh_plus_requirements
from hhdesk.services.context import AppSession
from hhdesk.services.members import display_name
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


class WorkKind(StrEnum):
    CHECKLIST_ITEM = "checklist_item"
    MONTHLY_CONTACTS = "monthly_contacts"
    CARE_PLAN_REVIEW = "care_plan_review"
    REFERRAL_FOLLOW_UP = "referral_follow_up"


KIND_LABELS: dict[WorkKind, str] = {
    WorkKind.CHECKLIST_ITEM: "Transition checklist",
    WorkKind.MONTHLY_CONTACTS: "Monthly contact",
    WorkKind.CARE_PLAN_REVIEW: "Care plan review",
    WorkKind.REFERRAL_FOLLOW_UP: "Referral follow-up",
}


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

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

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
    """Overdue first, the latest first; then the soonest due. Ties by member name, then title."""
    if item.overdue:
        return (0, -(now - item.due_at).total_seconds(), item.member_name, item.title)
    return (1, (item.due_at - now).total_seconds(), item.member_name, item.title)


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
             soon: timedelta = DUE_SOON) -> list[WorkItem]:
    """What is due and overdue for ``for_user`` (a username; None: the logged-in user; ALL: everyone),
    sorted by urgency (see the module docstring)."""
    now = now or local_now()
    today = now.date()
    username = _scope(app, for_user)
    with app.read(Permission.VIEW_CLINICAL) as session:
        user_id = None
        if username is not None:
            user_id = session.execute(select(User.id).where(User.username == username)).scalar_one_or_none()
            if user_id is None:
                raise NotFound("There is no user with that username.")
        manager = aliased(User)

        def member_scope(stmt):  # noqa: ANN001, ANN202 - a Select
            stmt = stmt.outerjoin(manager, manager.id == Member.care_manager_id)
            return stmt.where(Member.care_manager_id == user_id) if user_id is not None else stmt

        items: list[WorkItem] = []

        # 1. checklist items
        facility = func.coalesce(DirectoryEntry.name, TransitionEpisode.facility_name)
        stmt = member_scope(
            select(ChecklistItem.id, ChecklistItem.label, ChecklistItem.due_at, TransitionEpisode.setting,
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
        for (item_id, item_label, due_at, setting, facility_name, member_id, medicaid_id, last, first,
             preferred, manager_name) in session.execute(stmt):
            where = SETTING_LABELS.get(TransitionSetting(setting), label(TransitionSetting(setting)))
            items.append(WorkItem(
                WorkKind.CHECKLIST_ITEM, member_id, medicaid_id, display_name(last, first, preferred),
                manager_name or "", item_label, f"{where}" + (f", {facility_name}" if facility_name else ""),
                due_at, due_at < now, TAB_TRANSITIONS, item_id,
            ))

        # 2. enrolled members short of qualifying contacts this month
        first_day = today.replace(day=1)
        last_day = today.replace(day=calendar.monthrange(today.year, today.month)[1])
        minimums, aot_on_last_day, default_population = hh_plus_requirements(session)
        enrolled_on_contact_date = exists().where(
            EnrolmentSegment.member_id == Contact.member_id,
            EnrolmentSegment.kind == "enrolled",
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
        smi = minimums.get("smi", HH_PLUS_REQUIREMENT)
        ladder = [(and_(is_plus, under_order), minimums.get("aot", smi))]
        ladder += [(and_(is_plus, population == key), minimum) for key, minimum in minimums.items() if key != "aot"]
        needed = case(*((when, minimum.contacts) for when, minimum in ladder), (is_plus, smi.contacts), else_=1)
        needed_in_person = case(*((when, minimum.in_person) for when, minimum in ladder), (is_plus, smi.in_person),
                                else_=0)
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
        for member_id, medicaid_id, last, first, preferred, manager_name, q, p, n, np in session.execute(stmt):
            more = max(n - q, np - p)
            more_in_person = max(np - p, 0)
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
        )
        for plan_id, version, review_due, member_id, medicaid_id, last, first, preferred, manager_name \
                in session.execute(stmt):
            due_at = _end_of(review_due)
            items.append(WorkItem(
                WorkKind.CARE_PLAN_REVIEW, member_id, medicaid_id, display_name(last, first, preferred),
                manager_name or "", "Review the care plan", f"Version {version}, review due {review_due:%m/%d/%Y}",
                due_at, due_at < now, TAB_CARE_PLAN, plan_id,
            ))

        # 4. referrals waiting for follow-up
        stmt = member_scope(
            select(Referral.id, Referral.category, Referral.status, Referral.follow_up_on, DirectoryEntry.name,
                   Member.id, Member.medicaid_id, Member.last_name, Member.first_name, Member.preferred_name,
                   manager.username)
            .join(Member, Member.id == Referral.member_id)
            .outerjoin(DirectoryEntry, DirectoryEntry.id == Referral.directory_entry_id)
        ).where(
            Referral.status.in_([ReferralStatus.SENT.value, ReferralStatus.ACCEPTED.value]),
            Referral.follow_up_on.is_not(None),
            Referral.follow_up_on <= today,
        )
        for (referral_id, category, status, follow_up, agency, member_id, medicaid_id, last, first, preferred,
             manager_name) in session.execute(stmt):
            due_at = _end_of(follow_up)
            items.append(WorkItem(
                WorkKind.REFERRAL_FOLLOW_UP, member_id, medicaid_id, display_name(last, first, preferred),
                manager_name or "", f"Follow up the {label_text(category)} referral",
                f"{agency or 'Agency not recorded'} ({status.replace('_', ' ')}), follow-up {follow_up:%m/%d/%Y}",
                due_at, due_at < now, TAB_REFERRALS, referral_id,
            ))

    items.sort(key=lambda item: sort_key(item, now))
    return items


def label_text(value: str) -> str:
    return value.replace("_", " ")
