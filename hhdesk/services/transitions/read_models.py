"""What transitions take in and show: the episode input, the episode and its checklist items, the list rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from hhdesk.domain.checklists import (
    ItemState,
)
from hhdesk.domain.enums import (
    ChecklistAnchor,
    ChecklistItemStatus,
    TransitionSetting,
)
from hhdesk.services.transitions.basics import SETTING_LABELS, _hours_text


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
    episode_version: int  # the episode's version when read: changing the item passes it as ``seen_version``

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
    version: int  # when read: a change passes it back as ``seen_version`` (its checklist items count too)

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
