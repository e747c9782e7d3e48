"""Rules for a single contact and for a member's month of contacts (docs/domain.md §2, §5, §10 step 6).

A contact is the care manager's record of work with or for a member. Whether it may carry a core service
depends on its mode and on the member's segment on the contact's date:

* enrolled: only a spoken exchange or a collateral contact (``in_person``, ``phone``, ``video``,
  ``collateral``) can carry a core service; ``mail`` and ``attempt`` cannot.
* outreach: any mode but ``mail`` can (an attempt to find and engage the person is outreach work).
* no segment on the date (referred, or after disenrolment): product decision, the contact is *allowed*
  with the outreach mode rule and a warning, because refusing it would lose a true record of work (and
  block a spreadsheet import of history), while billing already ignores contacts outside a segment
  (docs/domain.md §10 step 1). The warning tells the care manager the services will not count.

Messages are written for the care manager and never quote member data.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

from hhdesk.domain.billing_profile import DEFAULT_HH_PLUS_MIN_IN_PERSON, DEFAULT_HH_PLUS_MIN_QUALIFYING
from hhdesk.domain.enums import ContactMode, CoreService, Role, SegmentType, Tier, WithWhom
from hhdesk.domain.permissions import Permission, allows

MIN_MINUTES = 0
MAX_MINUTES = 600  # ten hours: longer is a typing slip, not a contact

ENROLLED_CORE_SERVICE_MODES: frozenset[ContactMode] = frozenset(
    {ContactMode.IN_PERSON, ContactMode.PHONE, ContactMode.VIDEO, ContactMode.COLLATERAL}
)
OUTREACH_CORE_SERVICE_MODES: frozenset[ContactMode] = frozenset(ContactMode) - {ContactMode.MAIL}

MAIL_ENROLLED = (
    "A mail contact cannot carry a core service for an enrolled member: New York counts only spoken "
    "exchanges."
)
ATTEMPT_ENROLLED = (
    "An attempt cannot carry a core service for an enrolled member: no one was reached, so no service "
    "was delivered. Log the core services on the contact where someone was reached."
)
MAIL_OUTREACH = (
    "A mail contact cannot carry a core service, even in outreach: mail is never a completed contact "
    "in New York."
)
MINUTES_OUT_OF_RANGE = f"Minutes must be a whole number from {MIN_MINUTES} to {MAX_MINUTES} (10 hours)."
DATE_IN_FUTURE = "The contact date is in the future: log a contact on or after the day it happened."
NO_SEGMENT_WARNING = (
    "The member had no outreach or enrolled segment on this date: the contact is kept, but its core "
    "services will not count toward billing."
)


def core_services_allowed(segment_type: SegmentType | None, mode: ContactMode) -> bool:
    """May a contact in this mode carry core services for a member in this segment?

    ``None`` (no segment on the date) follows the outreach rule; see the module docstring.
    """
    if segment_type == SegmentType.ENROLLED:
        return mode in ENROLLED_CORE_SERVICE_MODES
    return mode in OUTREACH_CORE_SERVICE_MODES


def core_service_block_reason(segment_type: SegmentType | None, mode: ContactMode) -> str | None:
    """Why a contact in this mode cannot carry core services for a member in this segment, or None.

    The form disables the six service boxes and shows this sentence beside them; a save refuses with it.
    """
    if core_services_allowed(segment_type, mode):
        return None
    if segment_type == SegmentType.ENROLLED:
        return MAIL_ENROLLED if mode == ContactMode.MAIL else ATTEMPT_ENROLLED
    return MAIL_OUTREACH


def contact_field_problems(
    segment_type: SegmentType | None,
    mode: ContactMode,
    services: Collection[CoreService],
    minutes: int,
    contact_date: date,
    today: date,
) -> list[tuple[str, str]]:
    """Like :func:`contact_problems`, with the name of the field each problem belongs to.

    Field names are those of the contacts import (``core_services``, ``minutes``, ``date``), so a form
    can put the message beside the right widget and the import report can name the column.
    """
    problems: list[tuple[str, str]] = []
    if services:
        mode_problem = core_service_block_reason(segment_type, mode)
        if mode_problem is not None:
            problems.append(("core_services", mode_problem))
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        problems.append(("minutes", MINUTES_OUT_OF_RANGE))
    if contact_date > today:
        problems.append(("date", DATE_IN_FUTURE))
    return problems


def contact_problems(
    segment_type: SegmentType | None,
    mode: ContactMode,
    services: Collection[CoreService],
    minutes: int,
    contact_date: date,
    today: date,
) -> list[str]:
    """Everything that stops this contact from being saved, in words for the care manager; empty if none.

    ``segment_type`` is the member's segment on ``contact_date`` (``None`` if no segment covers it).
    """
    return [message for _field, message in contact_field_problems(
        segment_type, mode, services, minutes, contact_date, today
    )]


def may_change_contact(role: Role, made_it: bool) -> bool:
    """May someone in this role edit or delete a contact? A care manager only the contacts they made; those
    who assign caseloads (supervisors, administrators) anyone's; roles without clinical editing none."""
    return allows(role, Permission.EDIT_CLINICAL) and (made_it or allows(role, Permission.ASSIGN_CASELOAD))


def contact_warnings(segment_type: SegmentType | None, services: Collection[CoreService]) -> list[str]:
    """What the care manager should know about a contact that may still be saved."""
    if segment_type is None and services:
        return [NO_SEGMENT_WARNING]
    return []


@dataclass(frozen=True, slots=True)
class ContactFacts:
    """The parts of a logged contact that the month rules look at."""

    contact_date: date
    mode: ContactMode
    core_services: frozenset[CoreService]
    segment_type: SegmentType | None  # the member's segment on contact_date
    with_whom: WithWhom = WithWhom.MEMBER  # in person counts toward a minimum only with the member


def is_qualifying(contact: ContactFacts) -> bool:
    """A contact counts toward the month if it lies in a segment, carries a core service, and its mode
    may carry core services in that segment (docs/domain.md §10 steps 1 and 2)."""
    return (
        contact.segment_type is not None
        and bool(contact.core_services)
        and core_services_allowed(contact.segment_type, contact.mode)
    )


@dataclass(frozen=True, slots=True)
class MonthRequirement:
    """How many qualifying contacts a tier needs in a month, and how many of them in person."""

    contacts: int
    in_person: int


HH_PLUS_REQUIREMENT = MonthRequirement(DEFAULT_HH_PLUS_MIN_QUALIFYING, DEFAULT_HH_PLUS_MIN_IN_PERSON)
DEFAULT_REQUIREMENT = MonthRequirement(contacts=1, in_person=0)


def month_requirement(tier: Tier | None, hh_plus: MonthRequirement = HH_PLUS_REQUIREMENT) -> MonthRequirement:
    """What an enrolled month needs: Health Home Plus 4 qualifying contacts with 2 in person (docs/domain.md
    §10 step 6; pass the profile's figures as ``hh_plus``); every other tier, and no tier on record, 1."""
    return hh_plus if tier == Tier.HH_PLUS else DEFAULT_REQUIREMENT


def still_needed(requirement: MonthRequirement, qualifying: int, in_person: int) -> tuple[int, int]:
    """How many more qualifying contacts the month needs, and how many of those in person.

    In-person contacts count toward the total too, so the total still needed is whichever is larger.
    """
    more_in_person = max(requirement.in_person - in_person, 0)
    return max(requirement.contacts - qualifying, more_in_person), more_in_person


@dataclass(frozen=True, slots=True)
class MonthContactSummary:
    """A member's month at a glance, for the member header and the worklist."""

    month: date  # first day of the month
    segment_type: SegmentType | None  # the month's segment (enrolled wins); None: no segment this month
    qualifying: int
    in_person: int  # of the qualifying contacts
    required: int
    required_in_person: int
    more_needed: int  # further qualifying contacts needed, counting the in-person ones
    more_in_person_needed: int
    sentence: str

    @property
    def met(self) -> bool:
        return self.segment_type is not None and self.more_needed == 0


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def month_summary(
    contacts: Iterable[ContactFacts],
    tier: Tier | None,
    month: date,
    month_segment: SegmentType | None,
    *,
    hh_plus: MonthRequirement = HH_PLUS_REQUIREMENT,
) -> MonthContactSummary:
    """Count the qualifying contacts of ``month`` (any date in it) and say what the tier still needs.

    As billing does (docs/domain.md §10 steps 1, 2 and 6), only contacts made in a segment of the *month's*
    segment type count: in the month a member enrols, contacts of the outreach days do not count toward
    the enrolled month. ``month_segment`` is that type (enrolled if an enrolled segment overlaps the
    month, else outreach if one does, else ``None``). It is asked for, not guessed from the contacts,
    because a member enrolled this month with no contact yet has no contact to guess from.
    ``tier`` is the tier on the last day of the month; its minimum applies to enrolled months only, and
    ``hh_plus`` comes from the program profile. Contacts outside the month are ignored, so the caller
    may pass a member's whole history.
    """
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    if month_segment is None:
        return MonthContactSummary(
            month=first,
            segment_type=None,
            qualifying=0,
            in_person=0,
            required=0,
            required_in_person=0,
            more_needed=0,
            more_in_person_needed=0,
            sentence="No outreach or enrolled segment this month: contacts do not count toward billing",
        )
    qualifying = 0
    in_person = 0
    for contact in contacts:
        if (
            not first <= contact.contact_date <= last
            or contact.segment_type != month_segment
            or not is_qualifying(contact)
        ):
            continue
        qualifying += 1
        if contact.mode == ContactMode.IN_PERSON and contact.with_whom == WithWhom.MEMBER:
            in_person += 1
    requirement = month_requirement(tier, hh_plus) if month_segment == SegmentType.ENROLLED else DEFAULT_REQUIREMENT
    more, more_in_person = still_needed(requirement, qualifying, in_person)
    if more == 0:
        sentence = f"Monthly minimum met: {_plural(qualifying, 'qualifying contact')}"
        if requirement.in_person:
            sentence += f", {in_person} in person"
    else:
        sentence = f"Needs {more} more {'contact' if more == 1 else 'contacts'}"
        if more_in_person:
            sentence += f", {more_in_person} in person"
    return MonthContactSummary(
        month=first,
        segment_type=month_segment,
        qualifying=qualifying,
        in_person=in_person,
        required=requirement.contacts,
        required_in_person=requirement.in_person,
        more_needed=more,
        more_in_person_needed=more_in_person,
        sentence=sentence,
    )
