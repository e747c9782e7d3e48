"""Every change to an episode and its checklist: opening, discharge, items done or not applicable, closing, reopening."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hhdesk.db.models import (
    ChecklistItem,
    Condition,
    DirectoryEntry,
    TransitionEpisode,
)
from hhdesk.domain import checklists as domain_checklists
from hhdesk.domain.checklists import (
    CARE_PLAN_REVIEWED_KEY,
    DISCHARGE_RECORDED_KEY,
    EPISODE_OPENED_KEY,
)
from hhdesk.domain.enums import (
    ChecklistAnchor,
    ChecklistItemStatus,
    ChronicCategory,
    TransitionSetting,
)
from hhdesk.domain.permissions import Permission
from hhdesk.errors import NotFound, ValidationFailed
from hhdesk.services.context import AppSession, UnitOfWork
from hhdesk.services.member_records import get_member
from hhdesk.services.record_versions import lock_for_edit, touch
from hhdesk.services.transitions.basics import (
    EPISODE_CLOSED,
    MAX_TEXT,
    MIN_REASON_LENGTH,
    NO_EPISODE,
    NO_ITEM,
    SETTING_LABELS,
    local_now,
)
from hhdesk.services.transitions.queries import _episode_view, _facility_label
from hhdesk.services.transitions.read_models import EpisodeInput, EpisodeView
from hhdesk.services.transitions.templates import load_template


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


EPISODE = "this transition episode"


def _episode_to_change(session: Session, episode_id: int, seen_version: int | None, *,
                       from_form: bool = True) -> TransitionEpisode:
    """The episode, locked for this change; ChangedByOther if someone changed it, or its checklist, since
    ``seen_version`` (the `EpisodeView.version` the user had on screen)."""
    episode = lock_for_edit(session, TransitionEpisode, episode_id, seen_version, EPISODE, from_form=from_form)
    if episode is None:
        raise NotFound(NO_EPISODE)
    return episode


def _open_episode_row(session: Session, episode_id: int, seen_version: int | None, *,
                      from_form: bool = True) -> TransitionEpisode:
    episode = _episode_to_change(session, episode_id, seen_version, from_form=from_form)
    if episode.closed_at is not None:
        raise ValidationFailed(EPISODE_CLOSED)
    return episode


def record_discharge(app: AppSession, episode_id: int, discharged_at: datetime, destination: str = "",
                     *, now: datetime | None = None, seen_version: int | None = None) -> EpisodeView:
    """Record (or correct) the discharge; the discharge-anchored items get their due times.
    ``seen_version``: see `_episode_to_change`; an episode changed since is not changed."""
    now = now or local_now(app.clock)
    with app.work(Permission.EDIT_CLINICAL) as uow:
        session = uow.session
        episode = _open_episode_row(session, episode_id, seen_version)
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
        session.flush()  # the view carries the version every change above made
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


def _item(session: Session, item_id: int, seen_version: int | None, *,
          from_form: bool = True) -> tuple[ChecklistItem, TransitionEpisode]:
    """The item and its episode, locked for this change (the caller `touch`es the episode when the item
    changes: a checklist item's change is a change to the episode)."""
    item = session.get(ChecklistItem, item_id)
    if item is None:
        raise NotFound(NO_ITEM)
    return item, _open_episode_row(session, item.episode_id, seen_version, from_form=from_form)


def mark_item_done(app: AppSession, item_id: int, done_at: datetime | None = None, *,
                   now: datetime | None = None, seen_version: int | None = None) -> EpisodeView:
    """Mark a checklist item done, by the logged-in user, at ``done_at`` (now if not given).
    ``seen_version``: the item's `ChecklistItemView.episode_version`; an episode changed since is not changed."""
    now = now or local_now(app.clock)
    one_click = done_at is None  # "Mark done": nothing typed that a refusal could keep
    done_at = done_at or now
    if done_at > now:
        raise ValidationFailed("The time the item was done is in the future.")
    with app.work(Permission.EDIT_CLINICAL) as uow:
        item, episode = _item(uow.session, item_id, seen_version, from_form=not one_click)
        if done_at < min(episode.notified_at, datetime.combine(episode.admitted_on, datetime.min.time())):
            raise ValidationFailed("The time the item was done is before the episode began.")
        _mark_done(uow, episode, item, done_at)
        touch(episode)
        uow.session.flush()
        return _episode_view(uow.session, episode, now)


def mark_item_not_applicable(app: AppSession, item_id: int, reason: str, *, now: datetime | None = None,
                             seen_version: int | None = None) -> EpisodeView:
    """Mark a checklist item not applicable, saying why (e.g. "no home health needed").
    ``seen_version`` as for :func:`mark_item_done`."""
    now = now or local_now(app.clock)
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationFailed("Say why the item does not apply (a few words), so a reviewer can follow.")
    if len(reason) > MAX_TEXT:
        raise ValidationFailed(f"The reason is longer than {MAX_TEXT:,} characters.")
    with app.work(Permission.EDIT_CLINICAL) as uow:
        item, episode = _item(uow.session, item_id, seen_version)
        touch(episode)
        item.status = ChecklistItemStatus.NOT_APPLICABLE.value
        item.not_applicable_reason = reason
        item.done_at = None
        item.done_by_id = None
        uow.audit("checklist_item_not_applicable", "checklist_item", item.id, episode.member_id, item.key)
        uow.session.flush()
        return _episode_view(uow.session, episode, now)


def reopen_item(app: AppSession, item_id: int, *, now: datetime | None = None,
                seen_version: int | None = None) -> EpisodeView:
    """Undo "done" or "not applicable" on an item marked by mistake. ``seen_version`` as for
    :func:`mark_item_done`."""
    now = now or local_now(app.clock)
    with app.work(Permission.EDIT_CLINICAL) as uow:
        item, episode = _item(uow.session, item_id, seen_version, from_form=False)
        if item.status != ChecklistItemStatus.OPEN.value:
            touch(episode)
            item.status = ChecklistItemStatus.OPEN.value
            item.done_at = None
            item.done_by_id = None
            item.not_applicable_reason = ""
            uow.audit("checklist_item_reopened", "checklist_item", item.id, episode.member_id, item.key)
            uow.session.flush()
        return _episode_view(uow.session, episode, now)


def close_episode(app: AppSession, episode_id: int, *, care_plan_reviewed: bool, note: str = "",
                  now: datetime | None = None, seen_version: int | None = None) -> EpisodeView:
    """Close an episode. The caller must say whether the care plan was reviewed after the transition
    (docs/domain.md §6); if it was not, ``note`` must say why. Items still open stay as they are, on record.
    ``seen_version`` as for :func:`record_discharge`."""
    now = now or local_now(app.clock)
    note = note.strip()
    if not care_plan_reviewed and len(note) < MIN_REASON_LENGTH:
        raise ValidationFailed("The care plan was not reviewed: say why in a few words before closing.")
    if len(note) > MAX_TEXT:
        raise ValidationFailed(f"The note is longer than {MAX_TEXT:,} characters.")
    with app.work(Permission.EDIT_CLINICAL) as uow:
        session = uow.session
        episode = _open_episode_row(session, episode_id, seen_version)
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


def reopen_episode(app: AppSession, episode_id: int, *, now: datetime | None = None,
                   seen_version: int | None = None) -> EpisodeView:
    """Reopen an episode closed by mistake. ``seen_version`` as for :func:`record_discharge`."""
    now = now or local_now(app.clock)
    with app.work(Permission.EDIT_CLINICAL) as uow:
        episode = _episode_to_change(uow.session, episode_id, seen_version, from_form=False)
        if episode.closed_at is not None:
            episode.closed_at = None
            uow.audit("episode_reopened", "transition_episode", episode.id, episode.member_id)
            uow.session.flush()
        return _episode_view(uow.session, episode, now)
