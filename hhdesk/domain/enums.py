"""The shared vocabulary of the Health Home program (docs/domain.md), as string enums.

The values are what the store, the CLI and the export files carry, so they never change once released.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    CARE_MANAGER = "care_manager"
    BILLING = "billing"
    READ_ONLY = "read_only"


class CoreService(StrEnum):
    """The six Health Home core services, SSA §1945(h)(4)(B)."""

    CM = "CM"
    CC = "CC"
    TC = "TC"
    FS = "FS"
    RS = "RS"
    IT = "IT"

    @property
    def label(self) -> str:
        return CORE_SERVICE_LABELS[self]


CORE_SERVICE_LABELS: dict[CoreService, str] = {
    CoreService.CM: "Comprehensive care management",
    CoreService.CC: "Care coordination and health promotion",
    CoreService.TC: "Comprehensive transitional care",
    CoreService.FS: "Individual and family support",
    CoreService.RS: "Referral to community and social supports",
    CoreService.IT: "Health information technology to link services",
}


class ContactMode(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"
    COLLATERAL = "collateral"
    MAIL = "mail"
    ATTEMPT = "attempt"


class WithWhom(StrEnum):
    MEMBER = "member"
    FAMILY = "family"
    PROVIDER = "provider"
    AGENCY = "agency"


class SegmentType(StrEnum):
    OUTREACH = "outreach"
    ENROLLED = "enrolled"


class MemberStatus(StrEnum):
    """Derived from segments on a given date; never stored as truth."""

    REFERRED = "referred"  # no segment yet
    OUTREACH = "outreach"
    ENROLLED = "enrolled"
    DISENROLLED = "disenrolled"  # had segments, none covers the date


class EndReason(StrEnum):
    MOVED = "moved"
    DECLINED = "declined"
    GOALS_MET = "goals_met"
    LOST_MEDICAID = "lost_medicaid"
    DECEASED = "deceased"
    UNABLE_TO_LOCATE = "unable_to_locate"
    INCARCERATED = "incarcerated"
    TRANSFERRED = "transferred"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    ENROLLED = "enrolled"  # an outreach segment ends because the member enrolled
    OTHER = "other"


class Tier(StrEnum):
    STANDARD = "standard"
    HIGH_RISK = "high_risk"
    HH_PLUS = "hh_plus"
    CHILD_LOW = "child_low"
    CHILD_MEDIUM = "child_medium"
    CHILD_HIGH = "child_high"


class ConsentKind(StrEnum):
    CONSENT = "consent"
    WITHDRAWAL = "withdrawal"
    OPT_OUT = "opt_out"


class ChronicCategory(StrEnum):
    """Statutory chronic-condition categories (§1945(h)(2)) plus those states add."""

    MENTAL_HEALTH = "mental_health"
    SUBSTANCE_USE = "substance_use"
    ASTHMA = "asthma"
    DIABETES = "diabetes"
    HEART_DISEASE = "heart_disease"
    OVERWEIGHT = "overweight"
    HIV_AIDS = "hiv_aids"
    SMI = "smi"  # serious and persistent mental illness (SED for children)
    SICKLE_CELL = "sickle_cell"  # NY: a single qualifying condition for adults and children
    COMPLEX_TRAUMA = "complex_trauma"  # NY: a single qualifying condition for children
    OTHER_CHRONIC = "other_chronic"


class NeedDomain(StrEnum):
    PHYSICAL_HEALTH = "physical_health"
    BEHAVIOURAL_HEALTH = "behavioural_health"
    SUBSTANCE_USE = "substance_use"
    HOUSING = "housing"
    FOOD = "food"
    TRANSPORTATION = "transportation"
    INCOME_BENEFITS = "income_benefits"
    EMPLOYMENT = "employment"
    LEGAL = "legal"
    SAFETY = "safety"
    FAMILY_CAREGIVER = "family_caregiver"


class CarePlanStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    SUPERSEDED = "superseded"


class GoalStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    MET = "met"
    NOT_MET = "not_met"
    DISCONTINUED = "discontinued"


class InterventionStatus(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    DONE = "done"
    STOPPED = "stopped"


class SignatureMethod(StrEnum):
    PAPER = "paper"
    SCANNED = "scanned"
    ELECTRONIC = "electronic"


class TransitionSetting(StrEnum):
    INPATIENT_MEDICAL = "inpatient_medical"
    INPATIENT_PSYCHIATRIC = "inpatient_psychiatric"
    EMERGENCY_DEPARTMENT = "emergency_department"
    DETOX_REHAB = "detox_rehab"
    SKILLED_NURSING = "skilled_nursing"


class ChecklistAnchor(StrEnum):
    NOTIFICATION = "notification"
    DISCHARGE = "discharge"


class ChecklistItemStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    NOT_APPLICABLE = "not_applicable"


class ReferralCategory(StrEnum):
    HOUSING = "housing"
    FOOD = "food"
    TRANSPORTATION = "transportation"
    BENEFITS = "benefits"
    EMPLOYMENT = "employment"
    LEGAL = "legal"
    BEHAVIOURAL_HEALTH = "behavioural_health"
    SUBSTANCE_USE = "substance_use"
    MEDICAL_SPECIALTY = "medical_specialty"
    OTHER = "other"


class ReferralStatus(StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    DECLINED = "declined"
    NO_RESPONSE = "no_response"


class ReferralMethod(StrEnum):
    LETTER = "letter"
    FAX = "fax"
    PHONE = "phone"
    PORTAL = "portal"


class DirectoryKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class BillingReason(StrEnum):
    """Why a member-month is not billable (docs/domain.md §10). Exact strings: they appear in exports."""

    NO_SEGMENT = "no_segment"
    NO_CORE_SERVICE = "no_core_service"
    NO_CONSENT = "no_consent"
    NO_CARE_PLAN = "no_care_plan"
    OUTREACH_LIMIT = "outreach_limit"
    OUTREACH_NEEDS_FACE_TO_FACE = "outreach_needs_face_to_face"
    OUTREACH_LIMIT_12M = "outreach_limit_12m"
    OUTREACH_BILLED_ELSEWHERE = "outreach_billed_elsewhere"
    CHILD_MINIMUM_NOT_MET = "child_minimum_not_met"
    NO_RATE_CODE = "no_rate_code"
    NO_PAYER = "no_payer"  # billable by the rules, but no Medicaid plan or fee-for-service recorded for the month


class HHPlusPopulation(StrEnum):
    """Which Health Home Plus population a member belongs to (NY DOH notice of 2023-04-04).

    Members under an Assisted Outpatient Treatment order are not a value here: the order is recorded with
    its dates, and the months it covers take the AOT minimum whatever the population.
    """

    SMI = "smi"  # serious mental illness
    HIV = "hiv"  # living with HIV and virally unsuppressed


HH_PLUS_MINIMUM_NOT_MET = "hh_plus_minimum_not_met"

TIER_LABELS: dict[Tier, str] = {
    Tier.STANDARD: "Standard",
    Tier.HIGH_RISK: "High risk/need",
    Tier.HH_PLUS: "Health Home Plus",
    Tier.CHILD_LOW: "Children: low",
    Tier.CHILD_MEDIUM: "Children: medium",
    Tier.CHILD_HIGH: "Children: high",
}


def tier_label(tier: Tier | str | None) -> str:
    """A tier in words, one wording everywhere; '' for no tier."""
    return TIER_LABELS[Tier(tier)] if tier else ""


def label(value: StrEnum) -> str:
    """A human label for any enum value: 'in_person' -> 'In person'."""
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:]
