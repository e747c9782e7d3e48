"""Transitions of care (docs/domain.md §8): episodes, their checklists, discharge, closing, the summary PDF.

Times. The notification and discharge are moments a care manager types from a phone call ("the hospital
called at 9:30"), so they are stored as naive *local* wall-clock times, and "overdue" compares them with
the agency's wall clock (:func:`local_now`, from the session's clock). Contact dates are dates without a time.

Checklist templates. One JSON template per setting ships in ``resources/checklists/<setting>.json``. An
administrator may edit a template (:func:`save_template`); the edited copy is checked with the domain's
``ChecklistTemplate.from_dict`` and written to ``<data folder>/checklists/<setting>.json``, which then takes
precedence over the bundled file (:func:`reset_template` removes it). The data folder is per computer
(``hhdesk.config.data_dir()``), so an agency using several computers edits the template on each. A copy
that can no longer be read (edited by hand outside hhdesk) is ignored in favour of the bundled template,
so that opening an episode never fails for it; :func:`list_templates` shows the problem to the admin.
Each episode copies its items when it is opened, so editing a template never changes open episodes.

Automatic completions (product decisions): opening the episode completes "episode opened", recording the
discharge with a destination completes "discharge date and destination recorded", closing the episode
with the care-plan review confirmed completes "care plan reviewed", and a TC contact completes "member
contacted" (see :mod:`hhdesk.services.contacts`).

Readmission: a new admission (not an emergency-department visit) within 30 days of the discharge of an
earlier episode of the member (not an ED visit) is flagged (:func:`hhdesk.domain.checklists.is_readmission`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hhdesk.clock import Clock, local_naive
from hhdesk.config import data_dir
from hhdesk.db.models import (
    Agency,
    CarePlanVersion,
    ChecklistItem,
    Condition,
    Contact,
    DirectoryEntry,
    Member,
    TransitionEpisode,
    User,
)
from hhdesk.documents.data import (
    CareManagerContact,
    ChecklistLine,
    ContactLine,
    GoalLine,
    InterventionLine,
    Letterhead,
    MemberSummary,
    PageSettings,
    Recipient,
    TransitionSummaryDoc,
)
from hhdesk.domain import checklists as domain_checklists
from hhdesk.domain.checklists import (
    CARE_PLAN_REVIEWED_KEY,
    DISCHARGE_RECORDED_KEY,
    EPISODE_OPENED_KEY,
    ChecklistTemplate,
    ItemState,
    TemplateError,
)
from hhdesk.domain.enums import (
    CarePlanStatus,
    ChecklistAnchor,
    ChecklistItemStatus,
    ChronicCategory,
    ContactMode,
    GoalStatus,
    InterventionStatus,
    TransitionSetting,
    WithWhom,
    label,
)
from hhdesk.domain.permissions import Permission
from hhdesk.errors import NotFound, ValidationFailed
from hhdesk.private_files import write_private_file_atomically
from hhdesk.resources_path import resource_path
from hhdesk.services import document_parts
from hhdesk.services.context import AppSession, UnitOfWork
from hhdesk.services.directory import entry_label
from hhdesk.services.labels import display_name, display_phone
from hhdesk.services.member_records import get_member

NO_EPISODE = "No episode with that number is in the store: check the number, or refresh the list."
NO_ITEM = "This checklist item is no longer in the store; refresh the episode."
EPISODE_CLOSED = "The episode is closed: reopen it before changing it."
MAX_TEXT = 2000
MIN_REASON_LENGTH = 5
SETTING_LABELS: dict[TransitionSetting, str] = {
    TransitionSetting.INPATIENT_MEDICAL: "Inpatient (medical)",
    TransitionSetting.INPATIENT_PSYCHIATRIC: "Inpatient (psychiatric)",
    TransitionSetting.EMERGENCY_DEPARTMENT: "Emergency department",
    TransitionSetting.DETOX_REHAB: "Detox / rehab",
    TransitionSetting.SKILLED_NURSING: "Skilled nursing",
}
NOTIFIED_HOW_CHOICES: tuple[str, ...] = (
    "Phone call from the facility", "Fax from the facility", "Health information exchange alert",
    "MCO notification", "Member or family told us", "Other",
)
FACILITY_CATEGORIES = ("hospital",)


def local_now(clock: Clock) -> datetime:
    """The agency's wall-clock time to the second: what episode times are compared with."""
    return local_naive(clock.now()).replace(microsecond=0)


# ---- templates --------------------------------------------------------------------------------------


def override_folder() -> Path:
    return data_dir() / "checklists"


def _bundled_path(setting: TransitionSetting) -> Path:
    return resource_path(f"checklists/{setting.value}.json")


def _override_path(setting: TransitionSetting) -> Path:
    return override_folder() / f"{setting.value}.json"


@dataclass(frozen=True)
class TemplateInfo:
    """A setting's template as the admin screen lists it."""

    setting: TransitionSetting
    template: ChecklistTemplate
    edited: bool  # an admin's copy in the data folder is in use
    problem: str = ""  # the admin's copy could not be read; the bundled template is used


def _read_template(path: Path, setting: TransitionSetting) -> ChecklistTemplate:
    template = domain_checklists.template_from_json(path.read_text(encoding="utf-8"))
    if template.setting != setting:
        raise TemplateError([f"The file is for the setting {template.setting.value}, not {setting.value}."])
    return template


def template_info(setting: TransitionSetting) -> TemplateInfo:
    override = _override_path(setting)
    problem = ""
    if override.exists():
        try:
            return TemplateInfo(setting, _read_template(override, setting), edited=True)
        except (TemplateError, OSError, UnicodeDecodeError) as exc:
            problems = exc.problems if isinstance(exc, TemplateError) else ("The file could not be read.",)
            problem = "The edited template cannot be used, so the bundled one is: " + " ".join(problems)
    return TemplateInfo(setting, _read_template(_bundled_path(setting), setting), edited=False, problem=problem)


def load_template(setting: TransitionSetting) -> ChecklistTemplate:
    """The template in use for a setting: the admin's copy if there is a valid one, else the bundled one."""
    return template_info(setting).template


def list_templates() -> list[TemplateInfo]:
    return [template_info(setting) for setting in TransitionSetting]


def save_template(app: AppSession, setting: TransitionSetting, data: dict | str) -> ChecklistTemplate:
    """Check an edited template (a dict, or the JSON text) and make it the one in use for the setting."""
    app.require(Permission.MANAGE_SETTINGS)
    try:
        template = (domain_checklists.template_from_json(data) if isinstance(data, str)
                    else ChecklistTemplate.from_dict(data))
    except TemplateError as exc:
        raise ValidationFailed(str(exc), list(exc.problems)) from None
    if template.setting != setting:
        raise ValidationFailed(f"The template is for the setting {template.setting.value}, not {setting.value}.")
    path = _override_path(setting)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private_file_atomically(path, domain_checklists.template_to_json(template).encode("utf-8"))
    with app.work(Permission.MANAGE_SETTINGS) as uow:
        uow.audit("checklist_template_saved", "checklist_template", setting.value,
                  detail=f"{len(template.items)} items")
    return template


def reset_template(app: AppSession, setting: TransitionSetting) -> ChecklistTemplate:
    """Go back to the bundled template for a setting."""
    app.require(Permission.MANAGE_SETTINGS)
    path = _override_path(setting)
    if path.exists():
        path.unlink()
        with app.work(Permission.MANAGE_SETTINGS) as uow:
            uow.audit("checklist_template_reset", "checklist_template", setting.value)
    return load_template(setting)


# ---- read models ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EpisodeInput:
    """What the "open episode" dialog supplies. A facility from the directory, or its name as free text."""

    setting: TransitionSetting
    admitted_on: date
    notified_at: datetime
    notified_how: str = ""
    facility_id: int | None = None
    facility_name: str = ""
    note: str = ""


@dataclass(frozen=True)
class ChecklistItemView:
    item_id: int
    episode_id: int
    position: int
    key: str
    label: str
    anchor: ChecklistAnchor
    due_hours: int | None
    due_at: datetime | None
    status: ChecklistItemStatus
    state: ItemState  # derived at `as_of`: overdue, due soon, ...
    done_at: datetime | None
    done_by: str
    done_by_name: str
    not_applicable_reason: str
    basis: str  # why the due time is what it is, from the template in use

    @property
    def due_text(self) -> str:
        if self.due_at is not None:
            return f"{self.due_at:%m/%d/%Y %I:%M %p}"
        if self.due_hours is None:
            return "No deadline"
        if self.anchor is ChecklistAnchor.DISCHARGE:
            return f"{_hours_text(self.due_hours)} after discharge"
        return f"{_hours_text(self.due_hours)} after notification"


@dataclass(frozen=True)
class EpisodeView:
    episode_id: int
    member_id: int
    setting: TransitionSetting
    facility_id: int | None
    facility: str
    admitted_on: date
    discharged_at: datetime | None
    discharge_destination: str
    notified_at: datetime
    notified_how: str
    is_readmission: bool
    closed_at: datetime | None
    care_plan_reviewed: bool
    note: str
    opened_by: str
    items: tuple[ChecklistItemView, ...]
    as_of: datetime

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def discharged_on(self) -> date | None:
        return self.discharged_at.date() if self.discharged_at else None

    @property
    def setting_label(self) -> str:
        return SETTING_LABELS[self.setting]

    def count(self, state: ItemState) -> int:
        return sum(1 for item in self.items if item.state is state)

    @property
    def open_items(self) -> int:
        return sum(1 for item in self.items if item.status is ChecklistItemStatus.OPEN)

    @property
    def overdue_items(self) -> int:
        return self.count(ItemState.OVERDUE)


@dataclass(frozen=True)
class EpisodeRow:
    """One line of the episodes list (CLI and reports)."""

    episode_id: int
    member_id: int
    medicaid_id: str
    member_name: str
    setting: TransitionSetting
    facility: str
    admitted_on: date
    discharged_on: date | None
    is_readmission: bool
    closed_on: date | None
    open_items: int
    overdue_items: int
    care_manager: str


@dataclass(frozen=True)
class FacilityChoice:
    entry_id: int
    name: str
    is_hospital: bool


def _hours_text(hours: int) -> str:
    if hours and hours % 24 == 0:
        days = hours // 24
        return f"{days} day" if days == 1 else f"{days} days"
    return f"{hours} hour" if hours == 1 else f"{hours} hours"


def _facility_label(entry: DirectoryEntry | None, free_text: str) -> str:
    return free_text if entry is None else entry_label(entry.name, entry.organisation)


def _users_by_id(session: Session, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in session.execute(select(User).where(User.id.in_(ids))).scalars()}


def _episode_view(session: Session, episode: TransitionEpisode, now: datetime) -> EpisodeView:
    users = _users_by_id(session, {i.done_by_id for i in episode.items if i.done_by_id}
                         | ({episode.opened_by_id} if episode.opened_by_id else set()))
    entry = session.get(DirectoryEntry, episode.facility_id) if episode.facility_id else None
    try:
        template = load_template(TransitionSetting(episode.setting))
    except (TemplateError, OSError):
        template = None
    items = []
    for row in episode.items:
        done_by = users.get(row.done_by_id) if row.done_by_id else None
        template_item = template.item(row.key) if template else None
        items.append(ChecklistItemView(
            item_id=row.id,
            episode_id=episode.id,
            position=row.position,
            key=row.key,
            label=row.label,
            anchor=ChecklistAnchor(row.anchor),
            due_hours=row.due_hours,
            due_at=row.due_at,
            status=ChecklistItemStatus(row.status),
            state=domain_checklists.item_state(row_state(row), now),
            done_at=row.done_at,
            done_by=done_by.username if done_by else "",
            done_by_name=(done_by.full_name or done_by.username) if done_by else "",
            not_applicable_reason=row.not_applicable_reason,
            basis=template_item.basis if template_item else "",
        ))
    opener = users.get(episode.opened_by_id) if episode.opened_by_id else None
    return EpisodeView(
        episode_id=episode.id,
        member_id=episode.member_id,
        setting=TransitionSetting(episode.setting),
        facility_id=episode.facility_id,
        facility=_facility_label(entry, episode.facility_name),
        admitted_on=episode.admitted_on,
        discharged_at=episode.discharged_at,
        discharge_destination=episode.discharge_destination,
        notified_at=episode.notified_at,
        notified_how=episode.notified_how,
        is_readmission=episode.is_readmission,
        closed_at=episode.closed_at,
        care_plan_reviewed=episode.care_plan_reviewed,
        note=episode.note,
        opened_by=opener.username if opener else "",
        items=tuple(items),
        as_of=now,
    )


@dataclass(frozen=True)
class _ItemStatus:
    status: ChecklistItemStatus
    due_at: datetime | None


def row_state(row: ChecklistItem) -> _ItemStatus:
    return _ItemStatus(ChecklistItemStatus(row.status), row.due_at)


def _episode(session: Session, episode_id: int) -> TransitionEpisode:
    episode = session.get(TransitionEpisode, episode_id)
    if episode is None:
        raise NotFound(NO_EPISODE)
    return episode


def get_episode(app: AppSession, episode_id: int, *, now: datetime | None = None) -> EpisodeView:
    with app.read(Permission.VIEW_CLINICAL) as session:
        return _episode_view(session, _episode(session, episode_id), now or local_now(app.clock))


def member_episodes(app: AppSession, member_id: int, *, now: datetime | None = None) -> list[EpisodeView]:
    """A member's episodes, the open ones first, then the most recent admission first."""
    now = now or local_now(app.clock)
    with app.read(Permission.VIEW_CLINICAL) as session:
        get_member(session, member_id)
        episodes = session.execute(
            select(TransitionEpisode)
            .where(TransitionEpisode.member_id == member_id)
            .order_by(TransitionEpisode.closed_at.is_not(None), TransitionEpisode.admitted_on.desc(),
                      TransitionEpisode.id.desc())
        ).scalars()
        return [_episode_view(session, episode, now) for episode in episodes]


def list_episodes(app: AppSession, *, open_only: bool = False, member_id: int | None = None,
                  care_manager: str | None = None, now: datetime | None = None) -> list[EpisodeRow]:
    """Episodes across the caseload with their open and overdue item counts, counted in SQL."""
    now = now or local_now(app.clock)
    open_count = (
        select(func.count(ChecklistItem.id))
        .where(ChecklistItem.episode_id == TransitionEpisode.id,
               ChecklistItem.status == ChecklistItemStatus.OPEN.value)
        .scalar_subquery()
    )
    overdue_count = (
        select(func.count(ChecklistItem.id))
        .where(ChecklistItem.episode_id == TransitionEpisode.id,
               ChecklistItem.status == ChecklistItemStatus.OPEN.value,
               ChecklistItem.due_at.is_not(None), ChecklistItem.due_at < now)
        .scalar_subquery()
    )
    stmt = (
        select(TransitionEpisode, Member.medicaid_id, Member.last_name, Member.first_name,
               Member.preferred_name, DirectoryEntry, User.username, open_count, overdue_count)
        .join(Member, Member.id == TransitionEpisode.member_id)
        .outerjoin(DirectoryEntry, DirectoryEntry.id == TransitionEpisode.facility_id)
        .outerjoin(User, User.id == Member.care_manager_id)
        .order_by(TransitionEpisode.admitted_on.desc(), TransitionEpisode.id.desc())
    )
    if open_only:
        stmt = stmt.where(TransitionEpisode.closed_at.is_(None))
    if member_id is not None:
        stmt = stmt.where(TransitionEpisode.member_id == member_id)
    if care_manager is not None:
        stmt = stmt.where(User.username == care_manager)
    with app.read(Permission.VIEW_CLINICAL) as session:
        return [
            EpisodeRow(
                episode_id=episode.id,
                member_id=episode.member_id,
                medicaid_id=medicaid_id,
                member_name=display_name(last, first, preferred),
                setting=TransitionSetting(episode.setting),
                facility=_facility_label(entry, episode.facility_name),
                admitted_on=episode.admitted_on,
                discharged_on=episode.discharged_at.date() if episode.discharged_at else None,
                is_readmission=episode.is_readmission,
                closed_on=episode.closed_at.date() if episode.closed_at else None,
                open_items=open_items or 0,
                overdue_items=overdue_items or 0,
                care_manager=manager or "",
            )
            for episode, medicaid_id, last, first, preferred, entry, manager, open_items, overdue_items
            in session.execute(stmt)
        ]


def facility_choices(app: AppSession) -> list[FacilityChoice]:
    """Active directory entries for the facility box: hospitals first, then every other organisation."""
    with app.read(Permission.VIEW_CLINICAL) as session:
        rows = session.execute(
            select(DirectoryEntry).where(DirectoryEntry.active.is_(True)).order_by(DirectoryEntry.name)
        ).scalars()
        choices = []
        for entry in rows:
            categories = {c for c in entry.categories.split(";") if c}
            hospital = bool(categories & set(FACILITY_CATEGORIES))
            if hospital or entry.kind == "organisation":
                choices.append(FacilityChoice(entry.id, _facility_label(entry, ""), hospital))
        choices.sort(key=lambda c: (not c.is_hospital, c.name.casefold()))
        return choices


# ---- writes -----------------------------------------------------------------------------------------


def _text(value: str, name: str, problems: list[str]) -> str:
    value = value.strip()
    if len(value) > MAX_TEXT:
        problems.append(f"{name} is longer than {MAX_TEXT:,} characters.")
    return value


def _member_item_conditions(session: Session, member_id: int, on: date) -> frozenset | None:
    categories = [
        row for row in session.execute(
            select(Condition.category, Condition.resolved_on).where(Condition.member_id == member_id)
        )
    ]
    if not categories:
        return None  # nothing on record: every item applies and the care manager marks what does not
    active = [ChronicCategory(c) for c, resolved in categories if c and (resolved is None or resolved > on)]
    return domain_checklists.conditions_from_chronic_categories(active)


def _previous_discharges(session: Session, member_id: int, exclude_episode_id: int | None = None) -> list[date]:
    stmt = select(TransitionEpisode.discharged_at).where(
        TransitionEpisode.member_id == member_id,
        TransitionEpisode.discharged_at.is_not(None),
        TransitionEpisode.setting != TransitionSetting.EMERGENCY_DEPARTMENT.value,
    )
    if exclude_episode_id is not None:
        stmt = stmt.where(TransitionEpisode.id != exclude_episode_id)
    return [moment.date() for (moment,) in session.execute(stmt)]


def overlap_warnings(app: AppSession, member_id: int, setting: TransitionSetting, admitted_on: date,
                     discharged_on: date | None = None, *, exclude_episode_id: int | None = None) -> list[str]:
    """Sentences about the member's other stays that overlap this one; empty for an ED visit or no overlap.

    A warning, not a refusal: the user may know better (two records of one stay are fixed afterwards).
    """
    if setting is TransitionSetting.EMERGENCY_DEPARTMENT:
        return []
    with app.work(Permission.VIEW_CLINICAL) as uow:
        stmt = select(TransitionEpisode).where(
            TransitionEpisode.member_id == member_id,
            TransitionEpisode.setting != TransitionSetting.EMERGENCY_DEPARTMENT.value,
        )
        if exclude_episode_id is not None:
            stmt = stmt.where(TransitionEpisode.id != exclude_episode_id)
        stays = []
        for episode in uow.session.execute(stmt).scalars():
            entry = uow.session.get(DirectoryEntry, episode.facility_id) if episode.facility_id else None
            where = _facility_label(entry, episode.facility_name) or "a facility not recorded"
            label = f"{SETTING_LABELS[TransitionSetting(episode.setting)].lower()} stay at {where}"
            discharged = episode.discharged_at.date() if episode.discharged_at else None
            stays.append(domain_checklists.Stay(episode.admitted_on, discharged, label))
    sentences = []
    for stay in domain_checklists.overlapping_stays(stays, admitted_on, discharged_on):
        until = (f"discharged {stay.discharged_on.strftime('%m/%d/%Y')}" if stay.discharged_on
                 else "not discharged yet")
        sentences.append(f"This overlaps the {stay.label}, admitted {stay.admitted_on.strftime('%m/%d/%Y')} "
                         f"({until}).")
    return sentences


def open_episode(app: AppSession, member_id: int, data: EpisodeInput, *, now: datetime | None = None) -> EpisodeView:
    """Open an episode and its checklist from the setting's template; flags a readmission."""
    now = now or local_now(app.clock)
    problems = list(domain_checklists.episode_problems(data.admitted_on, None, data.notified_at, now))
    notified_how = _text(data.notified_how, "How the agency was notified", problems)
    facility_name = _text(data.facility_name, "Facility", problems)
    note = _text(data.note, "Note", problems)
    if data.facility_id is None and not facility_name:
        problems.append("Facility: choose one from the directory or type its name.")
    if problems:
        raise ValidationFailed(problems[0], problems)
    template = load_template(data.setting)
    with app.work(Permission.EDIT_CLINICAL) as uow:
        session = uow.session
        get_member(session, member_id)
        if data.facility_id is not None:
            entry = session.get(DirectoryEntry, data.facility_id)
            if entry is None:
                raise ValidationFailed("The chosen facility is no longer in the directory; choose another.")
            facility_name = ""
        readmission = (
            data.setting is not TransitionSetting.EMERGENCY_DEPARTMENT
            and domain_checklists.is_readmission(_previous_discharges(session, member_id), data.admitted_on)
        )
        episode = TransitionEpisode(
            member_id=member_id,
            setting=data.setting.value,
            facility_id=data.facility_id,
            facility_name=facility_name,
            admitted_on=data.admitted_on,
            notified_at=data.notified_at,
            notified_how=notified_how,
            is_readmission=readmission,
            note=note,
            opened_by_id=app.actor.user_id,
        )
        planned = domain_checklists.build_checklist(
            template, data.notified_at, None,
            member_conditions=_member_item_conditions(session, member_id, data.admitted_on),
        )
        for position, item in enumerate(planned):
            done = item.key == EPISODE_OPENED_KEY and item.status is ChecklistItemStatus.OPEN
            episode.items.append(ChecklistItem(
                position=position,
                key=item.key,
                label=item.label,
                anchor=item.anchor.value,
                due_hours=item.due_hours,
                due_at=item.due_at,
                status=ChecklistItemStatus.DONE.value if done else item.status.value,
                done_at=now if done else None,
                done_by_id=app.actor.user_id if done else None,
                not_applicable_reason=item.not_applicable_reason or "",
            ))
        session.add(episode)
        session.flush()
        uow.audit("episode_opened", "transition_episode", episode.id, member_id,
                  f"setting {data.setting.value}" + ("; readmission" if readmission else ""))
        return _episode_view(session, episode, now)


def _open_episode_row(session: Session, episode_id: int) -> TransitionEpisode:
    episode = _episode(session, episode_id)
    if episode.closed_at is not None:
        raise ValidationFailed(EPISODE_CLOSED)
    return episode


def record_discharge(app: AppSession, episode_id: int, discharged_at: datetime, destination: str = "",
                     *, now: datetime | None = None) -> EpisodeView:
    """Record (or correct) the discharge; the discharge-anchored items get their due times."""
    now = now or local_now(app.clock)
    with app.work(Permission.EDIT_CLINICAL) as uow:
        session = uow.session
        episode = _open_episode_row(session, episode_id)
        problems = domain_checklists.episode_problems(episode.admitted_on, discharged_at, episode.notified_at, now)
        destination = _text(destination, "Discharge destination", problems)
        if problems:
            raise ValidationFailed(problems[0], problems)
        changed = [name for name, old, new in (
            ("discharged_at", episode.discharged_at, discharged_at),
            ("discharge_destination", episode.discharge_destination, destination),
        ) if old != new]
        episode.discharged_at = discharged_at
        episode.discharged_on = discharged_at.date()
        episode.discharge_destination = destination
        for item in episode.items:
            if item.anchor == ChecklistAnchor.DISCHARGE.value:
                item.due_at = domain_checklists.due_at(row_timing(item), episode.notified_at, discharged_at)
            if (item.key == DISCHARGE_RECORDED_KEY and destination
                    and item.status == ChecklistItemStatus.OPEN.value):
                _mark_done(uow, episode, item, now, "discharge recorded")
        uow.audit("discharge_recorded", "transition_episode", episode.id, episode.member_id,
                  "fields: " + ", ".join(changed) if changed else "unchanged")
        session.flush()
        _recheck_readmissions(uow, episode.member_id)
        return _episode_view(session, episode, now)


def _recheck_readmissions(uow: UnitOfWork, member_id: int) -> None:
    """A discharge recorded (or corrected) after a later admission was opened changes that admission's flag."""
    episodes = list(uow.session.execute(
        select(TransitionEpisode).where(TransitionEpisode.member_id == member_id,
                                        TransitionEpisode.setting != TransitionSetting.EMERGENCY_DEPARTMENT.value)
    ).scalars())
    for later in episodes:
        earlier = [other.discharged_at.date() for other in episodes
                   if other.id != later.id and other.discharged_at is not None
                   and other.admitted_on <= later.admitted_on]
        flag = domain_checklists.is_readmission(earlier, later.admitted_on)
        if flag != later.is_readmission:
            later.is_readmission = flag
            uow.audit("readmission_flag_changed", "transition_episode", later.id, member_id,
                      "readmission" if flag else "not a readmission")


@dataclass(frozen=True)
class _Timing:
    anchor: ChecklistAnchor
    due_hours: int | None


def row_timing(row: ChecklistItem) -> _Timing:
    return _Timing(ChecklistAnchor(row.anchor), row.due_hours)


def _mark_done(uow: UnitOfWork, episode: TransitionEpisode, item: ChecklistItem, done_at: datetime,
               how: str = "") -> None:
    item.status = ChecklistItemStatus.DONE.value
    item.done_at = done_at
    item.done_by_id = uow.actor.user_id
    item.not_applicable_reason = ""
    uow.audit("checklist_item_done", "checklist_item", item.id, episode.member_id,
              item.key + (f" ({how})" if how else ""))


def _item(session: Session, item_id: int) -> tuple[ChecklistItem, TransitionEpisode]:
    item = session.get(ChecklistItem, item_id)
    if item is None:
        raise NotFound(NO_ITEM)
    return item, _open_episode_row(session, item.episode_id)


def mark_item_done(app: AppSession, item_id: int, done_at: datetime | None = None, *,
                   now: datetime | None = None) -> EpisodeView:
    """Mark a checklist item done, by the logged-in user, at ``done_at`` (now if not given)."""
    now = now or local_now(app.clock)
    done_at = done_at or now
    if done_at > now:
        raise ValidationFailed("The time the item was done is in the future.")
    with app.work(Permission.EDIT_CLINICAL) as uow:
        item, episode = _item(uow.session, item_id)
        if done_at < min(episode.notified_at, datetime.combine(episode.admitted_on, datetime.min.time())):
            raise ValidationFailed("The time the item was done is before the episode began.")
        _mark_done(uow, episode, item, done_at)
        uow.session.flush()
        return _episode_view(uow.session, episode, now)


def mark_item_not_applicable(app: AppSession, item_id: int, reason: str, *, now: datetime | None = None
                             ) -> EpisodeView:
    """Mark a checklist item not applicable, saying why (e.g. "no home health needed")."""
    now = now or local_now(app.clock)
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationFailed("Say why the item does not apply (a few words), so a reviewer can follow.")
    if len(reason) > MAX_TEXT:
        raise ValidationFailed(f"The reason is longer than {MAX_TEXT:,} characters.")
    with app.work(Permission.EDIT_CLINICAL) as uow:
        item, episode = _item(uow.session, item_id)
        item.status = ChecklistItemStatus.NOT_APPLICABLE.value
        item.not_applicable_reason = reason
        item.done_at = None
        item.done_by_id = None
        uow.audit("checklist_item_not_applicable", "checklist_item", item.id, episode.member_id, item.key)
        uow.session.flush()
        return _episode_view(uow.session, episode, now)


def reopen_item(app: AppSession, item_id: int, *, now: datetime | None = None) -> EpisodeView:
    """Undo "done" or "not applicable" on an item marked by mistake."""
    now = now or local_now(app.clock)
    with app.work(Permission.EDIT_CLINICAL) as uow:
        item, episode = _item(uow.session, item_id)
        if item.status != ChecklistItemStatus.OPEN.value:
            item.status = ChecklistItemStatus.OPEN.value
            item.done_at = None
            item.done_by_id = None
            item.not_applicable_reason = ""
            uow.audit("checklist_item_reopened", "checklist_item", item.id, episode.member_id, item.key)
            uow.session.flush()
        return _episode_view(uow.session, episode, now)


def close_episode(app: AppSession, episode_id: int, *, care_plan_reviewed: bool, note: str = "",
                  now: datetime | None = None) -> EpisodeView:
    """Close an episode. The caller must say whether the care plan was reviewed after the transition
    (docs/domain.md §6); if it was not, ``note`` must say why. Items still open stay as they are, on record."""
    now = now or local_now(app.clock)
    note = note.strip()
    if not care_plan_reviewed and len(note) < MIN_REASON_LENGTH:
        raise ValidationFailed("The care plan was not reviewed: say why in a few words before closing.")
    if len(note) > MAX_TEXT:
        raise ValidationFailed(f"The note is longer than {MAX_TEXT:,} characters.")
    with app.work(Permission.EDIT_CLINICAL) as uow:
        session = uow.session
        episode = _open_episode_row(session, episode_id)
        if episode.discharged_at is None:
            raise ValidationFailed("Record the discharge before closing the episode.")
        episode.closed_at = now
        episode.care_plan_reviewed = care_plan_reviewed
        if note:
            episode.note = (episode.note + "\n\n" if episode.note else "") + f"On closing: {note}"
        if care_plan_reviewed:
            for item in episode.items:
                if item.key == CARE_PLAN_REVIEWED_KEY and item.status == ChecklistItemStatus.OPEN.value:
                    _mark_done(uow, episode, item, now, "confirmed on closing")
        still_open = sum(1 for item in episode.items if item.status == ChecklistItemStatus.OPEN.value)
        uow.audit("episode_closed", "transition_episode", episode.id, episode.member_id,
                  f"care plan reviewed: {'yes' if care_plan_reviewed else 'no'}; open items: {still_open}")
        session.flush()
        return _episode_view(session, episode, now)


def reopen_episode(app: AppSession, episode_id: int, *, now: datetime | None = None) -> EpisodeView:
    """Reopen an episode closed by mistake."""
    now = now or local_now(app.clock)
    with app.work(Permission.EDIT_CLINICAL) as uow:
        episode = _episode(uow.session, episode_id)
        if episode.closed_at is not None:
            episode.closed_at = None
            uow.audit("episode_reopened", "transition_episode", episode.id, episode.member_id)
            uow.session.flush()
        return _episode_view(uow.session, episode, now)


# ---- the transition summary PDF ---------------------------------------------------------------------


@dataclass(frozen=True)
class TransitionSummaryParts:
    """Everything the renderer takes, filled from the store."""

    summary: TransitionSummaryDoc
    member: MemberSummary
    letterhead: Letterhead
    page: PageSettings


def _goals(session: Session, member_id: int) -> tuple[GoalLine, ...]:
    plan = session.execute(
        select(CarePlanVersion).where(CarePlanVersion.member_id == member_id,
                                      CarePlanVersion.status == CarePlanStatus.ACTIVE.value)
        .order_by(CarePlanVersion.version_no.desc()).limit(1)
    ).scalars().first()
    if plan is None:
        return ()
    users = {u.id: u for u in session.execute(select(User)).scalars()}
    goals = []
    for need in plan.needs:
        for goal in need.goals:
            interventions = tuple(
                InterventionLine(
                    action=i.action,
                    responsible=i.responsible_label or (
                        (users[i.responsible_user_id].full_name or users[i.responsible_user_id].username)
                        if i.responsible_user_id in users else ""),
                    frequency=i.frequency,
                    status=InterventionStatus(i.status),
                )
                for i in goal.interventions
            )
            goals.append(GoalLine(goal.text, GoalStatus(goal.status), goal.target_date, interventions))
    return tuple(goals)


def transition_summary_parts(app: AppSession, episode_id: int, *, recipient_entry_id: int | None = None,
                             notes: str = "", today: date | None = None) -> TransitionSummaryParts:
    """Fill the transition-summary document from the store. The recipient is the directory entry chosen,
    else the member's PCP. Not audited by itself: :func:`render_transition_summary_pdf` is."""
    today = today or app.clock.today()
    with app.read(Permission.PRINT_DOCUMENTS) as session:
        app.require(Permission.VIEW_CLINICAL)
        return _summary_parts(session, app, episode_id, recipient_entry_id, notes, today)


def _summary_parts(session: Session, app: AppSession, episode_id: int, recipient_entry_id: int | None,
                   notes: str, today: date) -> TransitionSummaryParts:
    episode = _episode(session, episode_id)
    member = get_member(session, episode.member_id)
    view = _episode_view(session, episode, local_now(app.clock))
    recipient_entry = session.get(DirectoryEntry, recipient_entry_id or member.pcp_id or -1)
    if recipient_entry is not None:
        recipient = Recipient(
            name=recipient_entry.name,
            attention=recipient_entry.organisation if recipient_entry.organisation != recipient_entry.name else "",
            address_lines=document_parts.address_lines(recipient_entry.address_line1, recipient_entry.address_line2,
                                                 recipient_entry.city, recipient_entry.state, recipient_entry.zip),
            phone=display_phone(recipient_entry.phone),
            fax=display_phone(recipient_entry.fax),
        )
    else:
        recipient = Recipient(name="Primary care provider (not recorded)")
    manager = session.get(User, member.care_manager_id) if member.care_manager_id else None
    manager = manager or session.get(User, app.actor.user_id)
    agency = session.execute(select(Agency)).scalars().first()
    care_manager = CareManagerContact(
        name=(manager.full_name or manager.username) if manager else app.actor.full_name,
        phone=display_phone((manager.phone if manager else "") or (agency.phone if agency else "")),
        fax=display_phone(agency.fax) if agency else "",
        email=manager.email if manager else "",
    )
    checklist = tuple(
        ChecklistLine(
            item=item.label,
            status=item.status,
            due_at=item.due_at,
            done_on=item.done_at.date() if item.done_at else None,
            done_by=item.done_by_name,
            note=item.not_applicable_reason,
        )
        for item in view.items
    )
    contacts: tuple[ContactLine, ...] = ()
    if episode.discharged_at is not None:
        rows = session.execute(
            select(Contact, User).outerjoin(User, User.id == Contact.staff_id)
            .where(Contact.member_id == member.id, Contact.contact_date >= episode.discharged_at.date())
            .order_by(Contact.contact_date, Contact.id)
        ).all()
        contacts = tuple(
            ContactLine(row.contact_date, ContactMode(row.mode), WithWhom(row.with_whom),
                        (staff.full_name or staff.username) if staff else "", row.note)
            for row, staff in rows
        )
    summary = TransitionSummaryDoc(
        setting=view.setting,
        facility=view.facility,
        recipient=recipient,
        care_manager=care_manager,
        admitted_on=view.admitted_on,
        discharged_on=view.discharged_on,
        destination=view.discharge_destination,
        notified_at=view.notified_at,
        notified_how=view.notified_how,
        is_readmission=view.is_readmission,
        checklist=checklist,
        contacts_since_discharge=contacts,
        care_plan_goals=_goals(session, member.id),
        prepared_on=today,
        notes=notes.strip() or episode.note,
    )
    # The same letterhead, member block and page rules as the care-plan documents.
    return TransitionSummaryParts(summary, document_parts.member_summary(session, member, today),
                                  document_parts.letterhead(session), document_parts.page_settings(session))


def render_transition_summary_pdf(app: AppSession, episode_id: int, *, recipient_entry_id: int | None = None,
                                  notes: str = "", today: date | None = None) -> bytes:
    """The transition summary as PDF bytes; audited as ``print`` on the member."""
    from hhdesk.documents.transition_summary import render_transition_summary

    today = today or app.clock.today()
    app.require(Permission.VIEW_CLINICAL)
    with app.work(Permission.PRINT_DOCUMENTS) as uow:
        parts = _summary_parts(uow.session, app, episode_id, recipient_entry_id, notes, today)
        member_id = uow.session.get(TransitionEpisode, episode_id).member_id
        # Rendered inside the unit of work: a failure leaves no "print" event for a page never made.
        pdf = render_transition_summary(parts.summary, parts.member, parts.letterhead, parts.page)
        uow.audit("print", "transition_episode", episode_id, member_id, "transition summary")
    return pdf


def setting_label(setting: TransitionSetting) -> str:
    return SETTING_LABELS.get(setting, label(setting))


def template_as_json(setting: TransitionSetting) -> str:
    """The template in use, as the JSON text an admin edits."""
    return json.dumps(load_template(setting).to_dict(), indent=2, ensure_ascii=False) + "\n"

