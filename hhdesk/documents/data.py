"""What the PDF documents print: plain frozen values, filled by the services from the store.

Nothing here knows about the database or Qt. A renderer takes these values and returns PDF bytes, so a
test (or the benchmark) can build a document from literals. Text fields hold the user's words as typed;
the renderers escape them. Empty strings and empty tuples mean "not recorded", and the documents say so
rather than leaving a section out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from hhdesk.domain.enums import (
    CarePlanStatus,
    ChecklistItemStatus,
    ContactMode,
    GoalStatus,
    InterventionStatus,
    MemberStatus,
    NeedDomain,
    ReferralCategory,
    ReferralMethod,
    ReferralStatus,
    SignatureMethod,
    TransitionSetting,
    WithWhom,
)

PaperName = Literal["letter", "a4"]
PAPER_NAMES: tuple[PaperName, ...] = ("letter", "a4")


@dataclass(frozen=True, slots=True)
class Letterhead:
    """The agency's identity as printed at the top of the first page (from the agency settings)."""

    agency_name: str
    address_lines: tuple[str, ...] = ()
    phone: str = ""
    fax: str = ""
    npi: str = ""
    medicaid_provider_id: str = ""
    logo_png: bytes | None = None


@dataclass(frozen=True, slots=True)
class PageSettings:
    """Paper and date style; an agency setting. Letter unless the agency chose A4."""

    paper: PaperName = "letter"
    date_format: str = "%m/%d/%Y"

    def __post_init__(self) -> None:
        if self.paper not in PAPER_NAMES:
            raise ValueError(f"paper must be one of {', '.join(PAPER_NAMES)}")


@dataclass(frozen=True, slots=True)
class MemberSummary:
    """Who the document is about: demographics, program facts, PCP and care manager."""

    name: str
    date_of_birth: date
    medicaid_id: str
    preferred_name: str = ""
    sex: str = ""
    language: str = ""
    interpreter_needed: bool = False
    address_lines: tuple[str, ...] = ()
    phone: str = ""
    tier_label: str = ""
    status: MemberStatus | None = None
    pcp_name: str = ""
    pcp_phone: str = ""
    pcp_fax: str = ""
    care_manager_name: str = ""
    care_manager_phone: str = ""
    care_manager_email: str = ""
    plan: str = ""
    # (ICD-10-CM code, description)
    conditions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class CareTeamLine:
    """One member of the care team: a directory entry with the role it plays for this member."""

    name: str
    role: str
    organisation: str = ""
    phone: str = ""
    fax: str = ""
    consent_to_share: bool = False


@dataclass(frozen=True, slots=True)
class InterventionLine:
    """An action towards a goal: who does it, how often, and where it stands."""

    action: str
    responsible: str = ""
    frequency: str = ""
    status: InterventionStatus = InterventionStatus.PLANNED


@dataclass(frozen=True, slots=True)
class GoalLine:
    """A goal in the member's own words."""

    text: str
    status: GoalStatus = GoalStatus.NOT_STARTED
    target_date: date | None = None
    interventions: tuple[InterventionLine, ...] = ()


@dataclass(frozen=True, slots=True)
class NeedLine:
    """A need in one domain (housing, behavioural health, ...) and the goals that answer it."""

    domain: NeedDomain
    description: str = ""
    goals: tuple[GoalLine, ...] = ()


@dataclass(frozen=True, slots=True)
class Signature:
    """A signature as recorded in the store: who, in what capacity, when and how."""

    name: str
    signed_on: date | None = None
    method: SignatureMethod | None = None
    # "Member", "Guardian", "Care manager": printed next to the name
    capacity: str = "Member"


@dataclass(frozen=True, slots=True)
class CarePlanDoc:
    """One version of a member's person-centred care plan (docs/domain.md §6)."""

    version: int
    status: CarePlanStatus
    strengths: str = ""
    preferences: str = ""
    barriers: str = ""
    needs: tuple[NeedLine, ...] = ()
    member_signature: Signature | None = None
    care_manager_signature: Signature | None = None
    effective_on: date | None = None
    review_due: date | None = None
    prepared_on: date | None = None


@dataclass(frozen=True, slots=True)
class ReferralLine:
    """A referral as listed in the packet (open referrals)."""

    category: ReferralCategory
    agency_name: str
    reason: str = ""
    sent_on: date | None = None
    method: ReferralMethod | None = None
    status: ReferralStatus = ReferralStatus.SENT
    follow_up_on: date | None = None


@dataclass(frozen=True, slots=True)
class TransitionLine:
    """A transition-of-care episode as listed in the packet (recent transitions)."""

    setting: TransitionSetting
    facility: str = ""
    admitted_on: date | None = None
    discharged_on: date | None = None
    destination: str = ""
    is_readmission: bool = False
    checklist_done: int = 0
    checklist_total: int = 0


@dataclass(frozen=True, slots=True)
class PacketDoc:
    """Everything the care-plan packet prints for one member; `care_plan` is None when none exists."""

    member: MemberSummary
    care_plan: CarePlanDoc | None = None
    care_team: tuple[CareTeamLine, ...] = ()
    open_referrals: tuple[ReferralLine, ...] = ()
    recent_transitions: tuple[TransitionLine, ...] = ()
    prepared_on: date | None = None
    prepared_by: str = ""


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a letter or summary goes to: an agency or provider from the directory."""

    name: str
    attention: str = ""
    address_lines: tuple[str, ...] = ()
    phone: str = ""
    fax: str = ""


@dataclass(frozen=True, slots=True)
class CareManagerContact:
    """How the recipient reaches the member's care manager."""

    name: str
    phone: str = ""
    fax: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class ReferralLetterDoc:
    """A referral letter to a community agency (docs/domain.md §9), optionally behind a fax cover sheet."""

    recipient: Recipient
    category: ReferralCategory
    reason: str
    need: str
    request: str
    sent_on: date
    care_manager: CareManagerContact
    method: ReferralMethod = ReferralMethod.LETTER
    reference: str = ""
    reply_by: date | None = None
    consent_signed_on: date | None = None
    # Replaces the standard sentence built from consent_signed_on when the agency words it differently.
    consent_statement: str = ""
    include_fax_cover: bool = False
    fax_cover_note: str = ""


@dataclass(frozen=True, slots=True)
class ChecklistLine:
    """One transition checklist item: done (when, by whom), not applicable (why) or still open."""

    item: str
    status: ChecklistItemStatus = ChecklistItemStatus.OPEN
    due_at: datetime | None = None
    done_on: date | None = None
    done_by: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class ContactLine:
    """A contact with or about the member since discharge."""

    contact_on: date
    mode: ContactMode
    with_whom: WithWhom = WithWhom.MEMBER
    staff: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class TransitionSummaryDoc:
    """A transition-of-care summary for the PCP or follow-up provider (docs/domain.md §8)."""

    setting: TransitionSetting
    facility: str
    recipient: Recipient
    care_manager: CareManagerContact
    admitted_on: date | None = None
    discharged_on: date | None = None
    destination: str = ""
    notified_at: datetime | None = None
    notified_how: str = ""
    is_readmission: bool = False
    checklist: tuple[ChecklistLine, ...] = ()
    contacts_since_discharge: tuple[ContactLine, ...] = ()
    care_plan_goals: tuple[GoalLine, ...] = ()
    prepared_on: date | None = None
    notes: str = ""
