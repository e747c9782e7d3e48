"""Enrolment segments, consent records and tier history (docs/domain.md §4), as plain values and rules.

A member's history is a list of dated segments (outreach or enrolled) that never overlap. Dates are
inclusive: ``end`` is the last day the segment covers, so the next segment may start the day after
(touching), never on the end day itself, which would put the member in two segments on one day. An open
segment (``end`` None) runs until further notice; only the latest segment may be open.

The status on any date, the consent in effect and the tier in effect are derived here, never stored.
Transitions (start outreach, enrol, disenrol, re-enrol) return a ``SegmentPlan`` that says which
segments to add, close or drop; the services apply it in one transaction.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from hhdesk.domain.eligibility import EligibilityResult
from hhdesk.domain.enums import ConsentKind, EndReason, MemberStatus, SegmentType, Tier
from hhdesk.domain.errors import DomainError

# An override of the enrolment checks must say why in words; a few characters ('ok', 'x') are not a
# reason anyone can audit later.
MIN_OVERRIDE_REASON_LENGTH = 10


@dataclass(frozen=True)
class Segment:
    """A period of outreach or enrolment; ``end`` is inclusive, None while it lasts."""

    type: SegmentType
    start: date
    end: date | None = None
    end_reason: EndReason | None = None

    @property
    def is_open(self) -> bool:
        return self.end is None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def overlaps(self, other: Segment) -> bool:
        return (self.end is None or other.start <= self.end) and (
            other.end is None or self.start <= other.end
        )


@dataclass(frozen=True)
class SegmentPlan:
    """What a transition does to a member's segments, and the whole history afterwards."""

    added: tuple[Segment, ...] = ()
    # (segment as stored, the same segment now closed)
    closed: tuple[tuple[Segment, Segment], ...] = ()
    # An open outreach segment that began on the enrolment day is dropped: it never covered a day.
    removed: tuple[Segment, ...] = ()
    result: tuple[Segment, ...] = ()


@dataclass(frozen=True)
class ConsentRecord:
    """A signed consent, withdrawal of consent or opt-out form, dated the day it was signed."""

    kind: ConsentKind
    signed_on: date
    form_code: str = ""


@dataclass(frozen=True)
class TierPeriod:
    """A tier in effect from ``effective`` until the next period's effective date."""

    tier: Tier
    effective: date


# ---- segments -----------------------------------------------------------------------------------


def sort_segments(segments: Iterable[Segment]) -> tuple[Segment, ...]:
    return tuple(sorted(segments, key=lambda s: s.start))


def segment_on(segments: Iterable[Segment], day: date) -> Segment | None:
    """The segment covering the day, if any (the latest-starting one should stored data overlap)."""
    covering = [s for s in segments if s.covers(day)]
    return max(covering, key=lambda s: s.start) if covering else None


def status_on(segments: Iterable[Segment], day: date) -> MemberStatus:
    """The member's status on a date: in a segment, disenrolled after one, or referred before any."""
    history = list(segments)
    current = segment_on(history, day)
    if current is not None:
        return MemberStatus.ENROLLED if current.type is SegmentType.ENROLLED else MemberStatus.OUTREACH
    if any(s.start <= day for s in history):
        return MemberStatus.DISENROLLED
    return MemberStatus.REFERRED


def open_segment(segments: Iterable[Segment]) -> Segment | None:
    return next((s for s in segments if s.is_open), None)


def validate_segment(segment: Segment) -> None:
    """Check one segment on its own: dates in order, and an end reason exactly when it has ended."""
    if segment.end is not None and segment.end < segment.start:
        raise DomainError("The end date is before the start date.")
    if segment.end is not None and segment.end_reason is None:
        raise DomainError("A segment that has ended needs an end reason.")
    if segment.end is None and segment.end_reason is not None:
        raise DomainError("An end reason is only given with an end date.")
    if segment.end_reason is EndReason.ENROLLED and segment.type is not SegmentType.OUTREACH:
        raise DomainError("Only an outreach segment can end because the member enrolled.")


def validate_new_segment(existing: Iterable[Segment], new: Segment) -> None:
    """Raise DomainError if the new segment is malformed or overlaps any existing one."""
    validate_segment(new)
    for other in existing:
        if not new.overlaps(other):
            continue
        if other.end is not None and new.start == other.end:
            raise DomainError(
                f"The new {new.type} segment starts on the last day of an earlier {other.type} segment. "
                "A segment's end date is its last day, so the next segment starts the day after."
            )
        if other.end is None and new.start >= other.start:
            raise DomainError(
                f"There is an open {other.type} segment. End it before starting a new {new.type} segment."
            )
        raise DomainError(
            f"The new {new.type} segment overlaps an existing {other.type} segment. Segments may not overlap."
        )


def validate_history(segments: Iterable[Segment]) -> None:
    """Check a whole history (e.g. from an import): every segment valid, no two overlapping."""
    accepted: list[Segment] = []
    for segment in sort_segments(segments):
        validate_new_segment(accepted, segment)
        accepted.append(segment)


def start_outreach(segments: Sequence[Segment], start: date) -> SegmentPlan:
    """Open an outreach segment. The member must not be in an open segment."""
    new = Segment(SegmentType.OUTREACH, start)
    validate_new_segment(segments, new)
    return SegmentPlan(added=(new,), result=sort_segments([*segments, new]))


def enrol(segments: Sequence[Segment], enrol_date: date) -> SegmentPlan:
    """Open an enrolled segment; an open outreach segment ends the day before, reason 'enrolled'.

    Check the conditions first with ``check_enrolment``; this function only keeps the dates straight.
    """
    current = open_segment(segments)
    closed: tuple[tuple[Segment, Segment], ...] = ()
    removed: tuple[Segment, ...] = ()
    if current is not None:
        if current.type is SegmentType.ENROLLED:
            raise DomainError("The member is already enrolled.")
        if enrol_date < current.start:
            raise DomainError("The enrolment date is before the current outreach began.")
        if enrol_date == current.start:
            removed = (current,)
        else:
            ended = replace(current, end=enrol_date - timedelta(days=1), end_reason=EndReason.ENROLLED)
            closed = ((current, ended),)
    remaining = [s for s in segments if s is not current] + [after for _, after in closed]
    new = Segment(SegmentType.ENROLLED, enrol_date)
    validate_new_segment(remaining, new)
    return SegmentPlan(added=(new,), closed=closed, removed=removed, result=sort_segments([*remaining, new]))


def re_enrol(segments: Sequence[Segment], enrol_date: date) -> SegmentPlan:
    """Enrol a member who was enrolled before and has since been disenrolled."""
    if not any(s.type is SegmentType.ENROLLED and not s.is_open for s in segments):
        raise DomainError("The member has not been enrolled before; enrol them instead.")
    return enrol(segments, enrol_date)


def disenrol(
    segments: Sequence[Segment],
    end_date: date,
    reason: EndReason,
    allowed_reasons: Iterable[EndReason] | None = None,
) -> SegmentPlan:
    """End the open segment (enrolled, or outreach that did not lead to enrolment) on end_date, inclusive.

    ``allowed_reasons`` is the profile's list of disenrolment reasons, when the caller has one.
    """
    if reason is EndReason.ENROLLED:
        raise DomainError("'Enrolled' is not a disenrolment reason; enrol the member instead.")
    if allowed_reasons is not None and reason not in set(allowed_reasons):
        raise DomainError("This disenrolment reason is not in the program's list.")
    current = open_segment(segments)
    if current is None:
        raise DomainError("The member has no open segment to end.")
    if end_date < current.start:
        raise DomainError(f"The end date is before the start of the current {current.type} segment.")
    ended = replace(current, end=end_date, end_reason=reason)
    remaining = [s for s in segments if s is not current]
    return SegmentPlan(closed=((current, ended),), result=sort_segments([*remaining, ended]))


# ---- consent ------------------------------------------------------------------------------------

# On one day, a withdrawal or opt-out is taken to come after a consent: a form cannot withdraw a
# consent not yet given, and reading it the other way would put consent on file for someone who
# withdrew it.
_SAME_DAY_ORDER = {ConsentKind.CONSENT: 0, ConsentKind.WITHDRAWAL: 1, ConsentKind.OPT_OUT: 1}


def consent_in_effect(consents: Iterable[ConsentRecord], day: date) -> ConsentRecord | None:
    """The consent on file on a date: the latest consent signed on or before it, unless a withdrawal or
    opt-out signed after it (on or before the date) cancelled it."""
    up_to_day = sorted(
        (c for c in consents if c.signed_on <= day), key=lambda c: (c.signed_on, _SAME_DAY_ORDER[c.kind])
    )
    if not up_to_day or up_to_day[-1].kind is not ConsentKind.CONSENT:
        return None
    return up_to_day[-1]


def consent_on_file(consents: Iterable[ConsentRecord], day: date) -> bool:
    return consent_in_effect(consents, day) is not None


def check_enrolment(
    consents: Iterable[ConsentRecord],
    eligibility: EligibilityResult,
    enrol_date: date,
    override_reason: str | None = None,
) -> list[str]:
    """What blocks enrolment on enrol_date, as sentences for the user; empty means go ahead.

    Enrolment needs consent on file on or before the enrolment date and a member who is eligible. A
    written override reason (at least MIN_OVERRIDE_REASON_LENGTH characters) lets both through: legacy
    members arrive without a consent form on file, and the eligibility data may lag behind the care
    manager's knowledge. The service records the override in the audit trail; the member keeps the
    'no consent on file' alert, and billing still skips months without consent.
    """
    problems: list[str] = []
    if not consent_on_file(consents, enrol_date):
        problems.append("No signed consent is on file on or before the enrolment date.")
    if not eligibility.eligible:
        problems.append(
            "The member does not meet the eligibility rules: " + " ".join(eligibility.explanation)
        )
    if not problems:
        return []
    reason = (override_reason or "").strip()
    if not reason:
        return problems
    if len(reason) < MIN_OVERRIDE_REASON_LENGTH:
        return [*problems, f"An override reason must be at least {MIN_OVERRIDE_REASON_LENGTH} characters."]
    return []


# ---- tiers --------------------------------------------------------------------------------------


def tier_on(tiers: Iterable[TierPeriod], day: date) -> Tier | None:
    """The tier in effect on a date: the period with the latest effective date on or before it."""
    in_effect = [t for t in tiers if t.effective <= day]
    return max(in_effect, key=lambda t: t.effective).tier if in_effect else None


def tier_for_billing_month(tiers: Iterable[TierPeriod], year: int, month: int) -> Tier | None:
    """Billing uses the tier in effect on the last day of the month (docs/domain.md §4)."""
    last_day = date(year, month, calendar.monthrange(year, month)[1])
    return tier_on(tiers, last_day)


def validate_new_tier(existing: Iterable[TierPeriod], new: TierPeriod) -> None:
    """One tier per effective date: a correction replaces the period rather than adding a second one."""
    if any(t.effective == new.effective for t in existing):
        raise DomainError("A tier already takes effect on that date; change that entry instead.")
