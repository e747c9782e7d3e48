"""Closed-loop referral rules (docs/domain.md §9): status moves, dates, follow-up, and the summary.

Status moves (product decisions where docs/domain.md is silent)::

    sent ──► accepted ──► completed
      │          ├──────► declined      (the agency or the member pulls out after intake)
      │          └──────► no_response   (the agency stops answering; the loop cannot be closed)
      ├──► declined
      └──► no_response

* ``sent → completed`` is refused: record the acceptance first (it may carry the same date), so the
  summary can tell how long agencies take to accept.
* ``completed``, ``declined`` and ``no_response`` are final: a referral is *closed* in any of them. An
  agency that answers after a referral was closed as no response gets a new referral; the old one keeps
  its history, which keeps "days to close" meaning one thing.
* Dates: a status change may not be dated before the date sent, before the previous change, or after
  today; a referral may not be sent in the future; a follow-up date is not before the date sent.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from hhdesk.domain.enums import ReferralCategory, ReferralStatus, label
from hhdesk.domain.errors import DomainError

DEFAULT_FOLLOW_UP_DAYS = 14
MAX_FOLLOW_UP_DAYS = 365

_NEXT: dict[ReferralStatus, tuple[ReferralStatus, ...]] = {
    ReferralStatus.SENT: (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.NO_RESPONSE),
    ReferralStatus.ACCEPTED: (ReferralStatus.COMPLETED, ReferralStatus.DECLINED, ReferralStatus.NO_RESPONSE),
    ReferralStatus.COMPLETED: (),
    ReferralStatus.DECLINED: (),
    ReferralStatus.NO_RESPONSE: (),
}

CLOSED_STATUSES: frozenset[ReferralStatus] = frozenset(
    {ReferralStatus.COMPLETED, ReferralStatus.DECLINED, ReferralStatus.NO_RESPONSE}
)
OPEN_STATUSES: frozenset[ReferralStatus] = frozenset(ReferralStatus) - CLOSED_STATUSES


def _lower(status: ReferralStatus) -> str:
    return label(status).lower()


def next_allowed(status: ReferralStatus) -> tuple[ReferralStatus, ...]:
    """The statuses a referral in ``status`` may move to, in the order a form should offer them."""
    return _NEXT[ReferralStatus(status)]


def is_closed(status: ReferralStatus) -> bool:
    return status in CLOSED_STATUSES


def validate_transition(
    current: ReferralStatus,
    new: ReferralStatus,
    changed_on: date,
    sent_on: date,
    last_change_on: date | None,
    *,
    today: date | None = None,
) -> None:
    """Raise :class:`DomainError` (message for the care manager) unless the change is allowed.

    ``last_change_on`` is the date of the latest status change so far (``None`` while the referral is
    still as sent); ``today``, when given, forbids a change dated in the future.
    """
    current = ReferralStatus(current)
    new = ReferralStatus(new)
    if new == current:
        raise DomainError(f"The referral is already {_lower(current)}.")
    if current == ReferralStatus.DECLINED and new == ReferralStatus.COMPLETED:
        raise DomainError(
            "A declined referral cannot be completed: it is closed. Make a new referral if the agency can "
            "help after all."
        )
    if is_closed(current):
        raise DomainError(
            f"This referral is closed ({_lower(current)}); its status can no longer change. Make a new "
            "referral if the member still needs the service."
        )
    if current == ReferralStatus.SENT and new == ReferralStatus.COMPLETED:
        raise DomainError(
            "Record the agency's acceptance before completing the referral (it may carry the same date)."
        )
    if new not in _NEXT[current]:
        names = [_lower(status) for status in _NEXT[current]]
        choices = ", ".join(names[:-1]) + " or " + names[-1]
        raise DomainError(
            f"A referral that is {_lower(current)} cannot go back to {_lower(new)}; it can become {choices}."
        )
    if changed_on < sent_on:
        raise DomainError("The status change is dated before the referral was sent.")
    if last_change_on is not None and changed_on < last_change_on:
        raise DomainError("The status change is dated before the previous status change.")
    if today is not None and changed_on > today:
        raise DomainError("The status change is dated in the future.")


def validate_new_referral(sent_on: date, follow_up_on: date | None, today: date) -> None:
    """Raise :class:`DomainError` if a new (or edited) referral's dates are wrong."""
    if sent_on > today:
        raise DomainError("The date sent is in the future: record a referral once it has been sent.")
    if follow_up_on is not None and follow_up_on < sent_on:
        raise DomainError("The follow-up date is before the date sent.")


def default_follow_up(sent_on: date, days: int = DEFAULT_FOLLOW_UP_DAYS) -> date:
    """The follow-up date a new referral gets: ``days`` (an agency setting, default 14) after sending."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_FOLLOW_UP_DAYS:
        raise DomainError(f"The follow-up delay must be a whole number of days from 1 to {MAX_FOLLOW_UP_DAYS}.")
    return sent_on + timedelta(days=days)


class _Waiting(Protocol):
    @property
    def status(self) -> ReferralStatus: ...

    @property
    def follow_up_on(self) -> date | None: ...


def is_waiting(referral: _Waiting, today: date) -> bool:
    """An open referral whose follow-up date has come: the care manager should chase it today.

    The follow-up date is the day to follow up, so a referral is waiting *on* that date, not only after
    it (the worklist shows it on the day it is due). A referral without a follow-up date never waits.
    """
    return (
        referral.status in OPEN_STATUSES
        and referral.follow_up_on is not None
        and referral.follow_up_on <= today
    )


@dataclass(frozen=True, slots=True)
class ReferralFacts:
    """What the summary needs from a referral; the service builds these from the store."""

    status: ReferralStatus
    sent_on: date
    category: ReferralCategory
    agency: Hashable  # the directory entry's id or name: whatever the screen groups by
    last_change_on: date | None = None  # date of the latest status change; None while still sent
    follow_up_on: date | None = None


class _Summarisable(Protocol):
    @property
    def status(self) -> ReferralStatus: ...

    @property
    def sent_on(self) -> date: ...

    @property
    def category(self) -> ReferralCategory: ...

    @property
    def agency(self) -> Hashable: ...

    @property
    def last_change_on(self) -> date | None: ...


@dataclass(frozen=True, slots=True)
class ReferralCounts:
    """Counts for one group of referrals (all, one category, or one agency)."""

    total: int
    by_status: Mapping[ReferralStatus, int]  # every status present, zero included
    open: int
    closed: int
    median_days_to_close: float | None  # None when no closed referral has a closing date

    @property
    def completed(self) -> int:
        return self.by_status[ReferralStatus.COMPLETED]


@dataclass(frozen=True, slots=True)
class ReferralSummary:
    """The Referrals section's summary: overall, by category and by agency (groups with referrals only)."""

    overall: ReferralCounts
    by_category: Mapping[ReferralCategory, ReferralCounts]
    by_agency: Mapping[Hashable, ReferralCounts]


def days_to_close(referral: _Summarisable) -> int | None:
    """Days from sending to the closing status change; ``None`` while open or without a change date."""
    if referral.status not in CLOSED_STATUSES or referral.last_change_on is None:
        return None
    return (referral.last_change_on - referral.sent_on).days


def _counts(referrals: list[_Summarisable]) -> ReferralCounts:
    by_status = dict.fromkeys(ReferralStatus, 0)
    durations = []
    for referral in referrals:
        by_status[ReferralStatus(referral.status)] += 1
        days = days_to_close(referral)
        if days is not None:
            durations.append(days)
    closed = sum(by_status[status] for status in CLOSED_STATUSES)
    return ReferralCounts(
        total=len(referrals),
        by_status=by_status,
        open=len(referrals) - closed,
        closed=closed,
        median_days_to_close=float(statistics.median(durations)) if durations else None,
    )


def referral_summary(referrals: Iterable[_Summarisable]) -> ReferralSummary:
    """Count referrals by status, closed (completed, declined or no response) and open, with the median
    days to close (last status date minus date sent, over closed referrals), overall and per group.

    A closed referral without a closing date (data from before status dates were kept) counts as closed
    but is left out of the median rather than guessed.
    """
    everything = list(referrals)
    by_category: dict[ReferralCategory, list[_Summarisable]] = defaultdict(list)
    by_agency: dict[Hashable, list[_Summarisable]] = defaultdict(list)
    for referral in everything:
        by_category[ReferralCategory(referral.category)].append(referral)
        by_agency[referral.agency].append(referral)
    return ReferralSummary(
        overall=_counts(everything),
        by_category={category: _counts(group) for category, group in by_category.items()},
        by_agency={agency: _counts(group) for agency, group in by_agency.items()},
    )
