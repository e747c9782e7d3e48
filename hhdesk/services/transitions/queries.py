"""Reading episodes: one episode, a member's episodes, the list with its counts, the facility choices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hhdesk.db.models import (
    ChecklistItem,
    DirectoryEntry,
    Member,
    TransitionEpisode,
    User,
)
from hhdesk.domain import checklists as domain_checklists
from hhdesk.domain.checklists import (
    TemplateError,
)
from hhdesk.domain.enums import (
    ChecklistAnchor,
    ChecklistItemStatus,
    TransitionSetting,
)
from hhdesk.domain.permissions import Permission
from hhdesk.errors import NotFound
from hhdesk.services.context import AppSession
from hhdesk.services.directory import entry_label
from hhdesk.services.labels import display_name
from hhdesk.services.member_records import get_member
from hhdesk.services.transitions.basics import FACILITY_CATEGORIES, NO_EPISODE, local_now
from hhdesk.services.transitions.read_models import ChecklistItemView, EpisodeRow, EpisodeView, FacilityChoice
from hhdesk.services.transitions.templates import load_template


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
            episode_version=episode.row_version,
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
        version=episode.row_version,
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
