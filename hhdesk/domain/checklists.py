"""Transition-of-care checklists (docs/domain.md §8): templates as data, due times, item states, readmissions.

A template (one per setting, a JSON file in ``resources/checklists/`` that an admin may edit) lists items,
each with an *anchor* (the agency's notification of the episode, or the member's discharge) and a due time
in hours after that anchor. Building a checklist for an episode copies the items and works out the due
times; an item anchored at discharge has no due time until the discharge is recorded, so it can never be
overdue while the member is still in hospital.

Times are ``datetime`` values, either all naive local times or all aware; due times are plain hour
arithmetic on them (so "48 hours" across a clock change is 48 hours of wall clock for naive values).

Why the shipped templates use the due times they do is written in each item's ``basis`` field; the
product decisions are summarised here too:

* episode opened: 24 h after notification (docs/domain.md §8, our recommendation).
* care plan shared with the inpatient team: 24 h after notification (72 h for skilled nursing, whose
  stays run for weeks), because the plan is only useful to the discharge planner before discharge.
  Not in the emergency-department template: an ED visit is usually over before the plan could arrive.
* discharge date and destination recorded: 24 h after discharge.
* discharge summary and instructions reviewed: 72 h after discharge, time to obtain the summary.
* member contacted: 48 h after discharge (DC rule 22-A2508); see
  :func:`tc_contact_completes_member_contacted`.
* medication reconciliation: 72 h after discharge, so it happens with or soon after the 48-h contact;
  HEDIS TRC allows up to 30 days, which is far too late to catch a wrong dose.
* PCP follow-up: 7 days (168 h).
* behavioural-health follow-up: 7 and 30 days after a psychiatric stay (HEDIS FUH) and after
  detox/rehab (HEDIS FUI); after an ED visit 7 and 30 days *when the member has a behavioural-health
  condition* (HEDIS FUM); after a medical or skilled-nursing stay one 30-day item, again only for a
  member with a behavioural-health condition (our decision: continuity, not crisis follow-up).
* tests, home health, DME, housing, transport arranged: 48 h after discharge (home-health start of care
  is due within 48 h of return home, 42 CFR 484.55(a)(1)). Not in the ED template.
* readmission-risk assessment and care-plan review: 7 days after discharge, while the risk is highest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from hhdesk.domain.enums import (
    ChecklistAnchor,
    ChecklistItemStatus,
    ChronicCategory,
    ContactMode,
    CoreService,
    TransitionSetting,
    WithWhom,
)
from hhdesk.domain.errors import DomainError

# Item keys other parts of the program look for (auto-completion, measures, closing an episode).
EPISODE_OPENED_KEY = "episode_opened"
DISCHARGE_RECORDED_KEY = "discharge_recorded"
MEMBER_CONTACTED_KEY = "member_contacted"
BH_FOLLOWUP_7D_KEY = "bh_followup_7d"
BH_FOLLOWUP_30D_KEY = "bh_followup_30d"
CARE_PLAN_REVIEWED_KEY = "care_plan_reviewed"

READMISSION_WINDOW_DAYS = 30
MEMBER_CONTACT_HOURS = 48
DUE_SOON = timedelta(hours=24)
MAX_DUE_HOURS = 24 * 366
MAX_ITEMS = 50
MAX_LABEL_LENGTH = 200
MAX_BASIS_LENGTH = 500
_KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,49}")

# A contact "reaches" the member only as a spoken exchange with the member or whoever speaks for them.
MEMBER_CONTACT_MODES: frozenset[ContactMode] = frozenset({ContactMode.IN_PERSON, ContactMode.PHONE, ContactMode.VIDEO})
MEMBER_CONTACT_PARTIES: frozenset[WithWhom] = frozenset({WithWhom.MEMBER, WithWhom.FAMILY})


class ItemCondition(StrEnum):
    """When a template item applies only to some members. Stored in template files: never rename."""

    # The member has a mental-health, serious-mental-illness or substance-use condition on record.
    BEHAVIOURAL_HEALTH_CONDITION = "behavioural_health_condition"


ITEM_CONDITION_REASONS: dict[ItemCondition, str] = {
    ItemCondition.BEHAVIOURAL_HEALTH_CONDITION: "The member has no behavioural-health condition on record.",
}

_BEHAVIOURAL_CATEGORIES = frozenset(
    {ChronicCategory.MENTAL_HEALTH, ChronicCategory.SMI, ChronicCategory.SUBSTANCE_USE}
)


def conditions_from_chronic_categories(categories: Iterable[ChronicCategory]) -> frozenset[ItemCondition]:
    """Which item conditions a member meets, from the categories of the member's chronic conditions."""
    if any(category in _BEHAVIOURAL_CATEGORIES for category in categories):
        return frozenset({ItemCondition.BEHAVIOURAL_HEALTH_CONDITION})
    return frozenset()


class ItemState(StrEnum):
    """How an item looks at a given moment: derived from status and due time, never stored."""

    OPEN = "open"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    DONE = "done"
    NOT_APPLICABLE = "not_applicable"


class TemplateError(DomainError):
    """A checklist template is not valid; ``problems`` lists every problem found, one sentence each."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("The checklist template is not valid:\n" + "\n".join(self.problems))


@dataclass(frozen=True, slots=True)
class TemplateItem:
    """One line of a checklist template."""

    key: str
    label: str
    anchor: ChecklistAnchor
    due_hours: int | None  # hours after the anchor; None: no deadline
    applies_when: ItemCondition | None = None  # None: applies to every member
    basis: str = ""  # where the due time comes from, shown to the user


_TEMPLATE_FIELDS = frozenset({"setting", "description", "items"})
_ITEM_FIELDS = frozenset({"key", "label", "anchor", "due_hours", "applies_when", "basis"})


def _choices(enum: type[StrEnum]) -> str:
    return ", ".join(member.value for member in enum)


def _item_from_dict(index: int, raw: Any, seen_keys: set[str], problems: list[str]) -> TemplateItem | None:
    where = f"Item {index}"
    if not isinstance(raw, Mapping):
        problems.append(f"{where} must be an object with key, label, anchor and due_hours.")
        return None
    start = len(problems)
    unknown = sorted(str(name) for name in raw if name not in _ITEM_FIELDS)
    if unknown:
        problems.append(f"{where} has unknown fields: {', '.join(unknown)}.")

    key = raw.get("key")
    if not isinstance(key, str) or not _KEY_PATTERN.fullmatch(key):
        problems.append(
            f"{where}: key must be lowercase letters, digits and underscores, starting with a letter "
            "(at most 50 characters)."
        )
        key = None
    else:
        where = f"Item {index} ({key})"
        if key in seen_keys:
            problems.append(f"{where}: the key is used by an earlier item; keys must be unique.")
        seen_keys.add(key)

    label = raw.get("label")
    if not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL_LENGTH:
        problems.append(f"{where}: label must be text of 1 to {MAX_LABEL_LENGTH} characters.")

    anchor_value = raw.get("anchor")
    anchor = None
    try:
        anchor = ChecklistAnchor(anchor_value)
    except (ValueError, TypeError):
        problems.append(f"{where}: anchor must be one of {_choices(ChecklistAnchor)}.")

    due_hours = raw.get("due_hours")
    if due_hours is not None and (
        isinstance(due_hours, bool) or not isinstance(due_hours, int) or not 0 <= due_hours <= MAX_DUE_HOURS
    ):
        problems.append(f"{where}: due_hours must be a whole number of hours from 0 to {MAX_DUE_HOURS}, or null.")

    applies_value = raw.get("applies_when")
    applies_when = None
    if applies_value is not None:
        try:
            applies_when = ItemCondition(applies_value)
        except (ValueError, TypeError):
            problems.append(f"{where}: applies_when must be null or one of {_choices(ItemCondition)}.")

    basis = raw.get("basis", "")
    if not isinstance(basis, str) or len(basis) > MAX_BASIS_LENGTH:
        problems.append(f"{where}: basis must be text of at most {MAX_BASIS_LENGTH} characters.")

    if len(problems) > start or key is None or anchor is None:
        return None
    return TemplateItem(
        key=key,
        label=label.strip(),
        anchor=anchor,
        due_hours=due_hours,
        applies_when=applies_when,
        basis=basis,
    )


@dataclass(frozen=True, slots=True)
class ChecklistTemplate:
    """The checklist for one transition setting, as data."""

    setting: TransitionSetting
    items: tuple[TemplateItem, ...]
    description: str = ""

    @classmethod
    def from_dict(cls, data: Any) -> ChecklistTemplate:
        """Build a template from its JSON form, or raise :class:`TemplateError` listing every problem."""
        if not isinstance(data, Mapping):
            raise TemplateError(["The template must be an object with setting and items."])
        problems: list[str] = []
        unknown = sorted(str(name) for name in data if name not in _TEMPLATE_FIELDS)
        if unknown:
            problems.append(f"The template has unknown fields: {', '.join(unknown)}.")
        setting = None
        try:
            setting = TransitionSetting(data.get("setting"))
        except (ValueError, TypeError):
            problems.append(f"setting must be one of {_choices(TransitionSetting)}.")
        description = data.get("description", "")
        if not isinstance(description, str):
            problems.append("description must be text.")
        raw_items = data.get("items")
        items: list[TemplateItem] = []
        if not isinstance(raw_items, list) or not raw_items or len(raw_items) > MAX_ITEMS:
            problems.append(f"items must be a list of 1 to {MAX_ITEMS} items.")
        else:
            seen_keys: set[str] = set()
            for index, raw in enumerate(raw_items, start=1):
                item = _item_from_dict(index, raw, seen_keys, problems)
                if item is not None:
                    items.append(item)
        if problems or setting is None:
            raise TemplateError(problems)
        return cls(setting=setting, items=tuple(items), description=description)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form read by :meth:`from_dict`."""
        return {
            "setting": self.setting.value,
            "description": self.description,
            "items": [
                {
                    "key": item.key,
                    "label": item.label,
                    "anchor": item.anchor.value,
                    "due_hours": item.due_hours,
                    "applies_when": item.applies_when.value if item.applies_when else None,
                    "basis": item.basis,
                }
                for item in self.items
            ],
        }

    def item(self, key: str) -> TemplateItem | None:
        return next((item for item in self.items if item.key == key), None)


def template_from_json(text: str) -> ChecklistTemplate:
    """Parse a template file's text; a syntax error becomes a :class:`TemplateError` with its line."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise TemplateError([f"The file is not valid JSON (line {error.lineno}, column {error.colno})."]) from None
    except RecursionError:
        raise TemplateError(["The file is nested too deeply to be a checklist template."]) from None
    return ChecklistTemplate.from_dict(data)


def template_to_json(template: ChecklistTemplate) -> str:
    return json.dumps(template.to_dict(), indent=2, ensure_ascii=False) + "\n"


class _Timed(Protocol):
    @property
    def anchor(self) -> ChecklistAnchor: ...

    @property
    def due_hours(self) -> int | None: ...


class _Stateful(Protocol):
    @property
    def status(self) -> ChecklistItemStatus: ...

    @property
    def due_at(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class PlannedItem:
    """A checklist item as first created for an episode; the service stores it.

    ``anchor`` and ``due_hours`` are copied from the template so that the due time can be worked out
    again when the discharge is recorded, even if an admin has edited the template since.
    """

    key: str
    label: str
    anchor: ChecklistAnchor
    due_hours: int | None
    due_at: datetime | None
    status: ChecklistItemStatus = ChecklistItemStatus.OPEN
    not_applicable_reason: str | None = None
    basis: str = field(default="", compare=False)


def due_at(item: _Timed, notified_at: datetime, discharged_at: datetime | None) -> datetime | None:
    """When the item falls due, or ``None`` if it has no deadline or its anchor has not happened yet."""
    if item.due_hours is None:
        return None
    if item.anchor == ChecklistAnchor.NOTIFICATION:
        return notified_at + timedelta(hours=item.due_hours)
    if discharged_at is None:
        return None
    return discharged_at + timedelta(hours=item.due_hours)


def _check_same_kind(notified_at: datetime, discharged_at: datetime | None) -> None:
    if discharged_at is not None and (notified_at.tzinfo is None) != (discharged_at.tzinfo is None):
        raise ValueError("notified_at and discharged_at must both be naive or both be aware")


def build_checklist(
    template: ChecklistTemplate,
    notified_at: datetime,
    discharged_at: datetime | None,
    *,
    member_conditions: Collection[ItemCondition] | None = None,
) -> list[PlannedItem]:
    """The items of a new episode's checklist, in template order, with their due times.

    ``member_conditions`` is what the member is known to meet (see
    :func:`conditions_from_chronic_categories`). ``None`` means unknown: every item then applies, and
    the care manager marks what does not; a conditional item the member does not meet is created as
    not applicable, with the reason.
    """
    _check_same_kind(notified_at, discharged_at)
    planned = []
    for item in template.items:
        applies = (
            item.applies_when is None or member_conditions is None or item.applies_when in member_conditions
        )
        planned.append(
            PlannedItem(
                key=item.key,
                label=item.label,
                anchor=item.anchor,
                due_hours=item.due_hours,
                due_at=due_at(item, notified_at, discharged_at),
                status=ChecklistItemStatus.OPEN if applies else ChecklistItemStatus.NOT_APPLICABLE,
                not_applicable_reason=None if applies else ITEM_CONDITION_REASONS[item.applies_when],
                basis=item.basis,
            )
        )
    return planned


def item_state(item: _Stateful, now: datetime, *, soon: timedelta = DUE_SOON) -> ItemState:
    """Done and not-applicable items keep their status; an open item is overdue once ``now`` is past its
    due time, due soon within ``soon`` of it (the due moment itself is still "due soon"), else open."""
    if item.status == ChecklistItemStatus.DONE:
        return ItemState.DONE
    if item.status == ChecklistItemStatus.NOT_APPLICABLE:
        return ItemState.NOT_APPLICABLE
    if item.due_at is None:
        return ItemState.OPEN
    if now > item.due_at:
        return ItemState.OVERDUE
    if item.due_at - now <= soon:
        return ItemState.DUE_SOON
    return ItemState.OPEN


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def days_after_discharge(discharged: date, later: date) -> int:
    """Whole calendar days from a discharge to a later date (0 on the discharge date itself)."""
    return (_as_date(later) - _as_date(discharged)).days


@dataclass(frozen=True)
class Stay:
    """One stay in a facility, as far as its dates are known (no discharge yet: still there)."""

    admitted_on: date
    discharged_on: date | None
    label: str = ""


def overlapping_stays(stays: Iterable[Stay], admitted_on: date, discharged_on: date | None) -> list[Stay]:
    """The stays that overlap a stay from `admitted_on` to `discharged_on` (None: not discharged yet).

    A member is in one bed at a time, so an overlap is usually a typing mistake or a stay entered twice.
    Leaving one facility and entering another on the same day (a transfer) is not an overlap.
    """
    end = discharged_on or date.max
    return [stay for stay in stays
            if stay.admitted_on < end and admitted_on < (stay.discharged_on or date.max)
            or stay.admitted_on == admitted_on]


_SOURCE_IN_PARENTHESES = re.compile(r"\s*\([^()]*\)")


def basis_in_plain_words(basis: str) -> str:
    """An item's due-time reason without the sources in parentheses ("DC rule 22-A2508", "HEDIS FUI"),
    for the line under the checklist; the full basis, sources included, goes in its tooltip."""
    plain = _SOURCE_IN_PARENTHESES.sub("", basis)
    return re.sub(r"\s+([.,;:])", r"\1", plain).strip()


def is_readmission(previous_discharges: Iterable[date], admitted_on: date) -> bool:
    """True if the admission falls on the date of one of the discharges or within 30 days after it.

    A same-day return counts: HEDIS would call an acute-to-acute move a transfer, but for the care
    manager a member back in a bed on the day of discharge is exactly what the flag is for. The caller
    chooses which discharges to pass; we recommend every earlier episode except emergency-department
    visits, for any new admission that is not an ED visit.
    """
    return any(
        0 <= days_after_discharge(discharged, admitted_on) <= READMISSION_WINDOW_DAYS
        for discharged in previous_discharges
    )


def tc_contact_completes_member_contacted(
    discharged_at: datetime,
    contact_date: date,
    mode: ContactMode,
    services: Collection[CoreService],
    with_whom: WithWhom,
    *,
    within_hours: int = MEMBER_CONTACT_HOURS,
) -> bool:
    """Does this contact complete the "member contacted" item of an episode?

    It must carry transitional care (TC), be a spoken exchange (in person, phone or video; an attempt,
    mail or a collateral contact does not reach the member) with the member or family/caregiver, and fall
    after the discharge and within ``within_hours`` of it (pass the item's ``due_hours``).

    Contacts carry a date without a time, so a contact dated on the discharge day or on the day of the
    deadline counts (we cannot tell the hour, and refusing a call the member did take would be worse).
    A contact with a time (a ``datetime``) is compared exactly.
    """
    if CoreService.TC not in services or mode not in MEMBER_CONTACT_MODES or with_whom not in MEMBER_CONTACT_PARTIES:
        return False
    deadline = discharged_at + timedelta(hours=within_hours)
    if isinstance(contact_date, datetime):
        return discharged_at <= contact_date <= deadline
    return discharged_at.date() <= contact_date <= deadline.date()


def episode_problems(
    admitted_on: date,
    discharged_at: datetime | None,
    notified_at: datetime,
    now: datetime,
) -> list[str]:
    """What is wrong with an episode's dates, in words for the care manager; empty if nothing.

    A notification before the admission is allowed (a planned admission the agency hears of early).
    """
    problems = []
    if _as_date(admitted_on) > now.date():
        problems.append("The admission date is in the future: open the episode once the member is admitted.")
    if notified_at > now:
        problems.append("The notification time is in the future.")
    if discharged_at is not None:
        if discharged_at > now:
            problems.append("The discharge time is in the future: record the discharge once it has happened.")
        if discharged_at.date() < _as_date(admitted_on):
            problems.append("The discharge is before the admission date.")
    return problems
