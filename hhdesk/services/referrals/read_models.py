"""What referrals take in and show: the new referral, the filter, the rows, the detail, the choices, the summary and the letter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hhdesk.documents.data import (
    Letterhead,
    MemberSummary,
    PageSettings,
    ReferralLetterDoc,
)
from hhdesk.domain import referral_rules
from hhdesk.domain.enums import ReferralCategory, ReferralMethod, ReferralStatus
from hhdesk.services.referrals.labels import CATEGORY_LABELS, METHOD_LABELS, STATUS_LABELS, reference


@dataclass(frozen=True)
class NewReferral:
    """What the New referral dialog (or a test) fills in.

    ``sent_on`` defaults to today and ``follow_up_on`` to ``sent_on`` plus the agency's
    ``referral_follow_up_days`` setting. ``consent_to_share``: the member agreed that we share their
    information with this agency; it is recorded on the care team (see the module notes).
    """

    member_id: int
    directory_entry_id: int
    category: ReferralCategory
    reason: str
    need: str = ""
    request: str = ""
    sent_on: date | None = None
    sent_how: ReferralMethod = ReferralMethod.LETTER
    follow_up_on: date | None = None
    goal_id: int | None = None
    consent_to_share: bool = False


@dataclass(frozen=True)
class ReferralFilter:
    """Which referrals a list shows. ``None`` means any; ``care_manager=""`` means unassigned members."""

    member_id: int | None = None
    status: ReferralStatus | None = None
    open_only: bool = False
    waiting_only: bool = False  # open, with the follow-up date come (domain is_waiting)
    category: ReferralCategory | None = None
    agency_id: int | None = None
    care_manager: str | None = None
    limit: int = 5000


@dataclass(frozen=True)
class ReferralRow:
    """One referral as lists show it."""

    referral_id: int
    member_id: int
    medicaid_id: str
    member_name: str  # "Last, First"
    category: ReferralCategory
    agency_id: int
    agency_name: str
    reason: str
    need: str
    request: str
    sent_on: date
    sent_how: ReferralMethod
    status: ReferralStatus
    status_on: date
    follow_up_on: date | None
    outcome: str
    care_manager: str  # the member's care manager's username, "" when unassigned
    care_manager_name: str
    waiting: bool  # open and the follow-up date has come (on the day the list was made)
    version: int  # the referral's version when read: a change passes it back as ``seen_version``

    @property
    def reference(self) -> str:
        return reference(self.referral_id)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS[self.category]

    @property
    def method_label(self) -> str:
        return METHOD_LABELS[self.sent_how]

    @property
    def closed(self) -> bool:
        return referral_rules.is_closed(self.status)

    @property
    def next_statuses(self) -> tuple[ReferralStatus, ...]:
        return referral_rules.next_allowed(self.status)


@dataclass(frozen=True)
class StatusChangeView:
    status: ReferralStatus
    changed_on: date
    note: str
    changed_by: str  # full name, else username, else ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class ReferralDetail:
    """A referral with its history, its linked goal and whether a letter may be printed."""

    row: ReferralRow
    goal_id: int | None
    goal_text: str
    history: tuple[StatusChangeView, ...]
    consent_to_share: bool  # the agency is on the care team with consent to share
    agency_phone: str
    agency_fax: str


@dataclass(frozen=True)
class AgencyChoice:
    """A directory entry offered when choosing where to refer."""

    entry_id: int
    name: str
    organisation: str
    phone: str
    fax: str
    categories: tuple[str, ...]
    city: str = ""

    @property
    def display(self) -> str:
        text = self.name
        if self.organisation and self.organisation != self.name:
            text += f", {self.organisation}"
        if self.city:
            text += f" ({self.city})"
        return text


@dataclass(frozen=True)
class GoalChoice:
    goal_id: int
    text: str
    need_domain: str
    version_no: int


@dataclass(frozen=True)
class SummaryLine:
    """One row of the summary table: a category or an agency and its counts."""

    key: Any  # ReferralCategory, or the directory entry id
    label: str
    counts: referral_rules.ReferralCounts


@dataclass(frozen=True)
class ReferralSummaryReport:
    overall: referral_rules.ReferralCounts
    by_category: tuple[SummaryLine, ...]
    by_agency: tuple[SummaryLine, ...]
    waiting: int  # open referrals whose follow-up date has come


@dataclass(frozen=True)
class ReferralLetter:
    """Everything the referral letter renderer takes, filled from the store."""

    letter: ReferralLetterDoc
    member: MemberSummary
    letterhead: Letterhead
    page: PageSettings = field(default_factory=PageSettings)
