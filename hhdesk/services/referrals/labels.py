"""The words and limits of referrals: messages, status, category and method labels, the ``R-<id>`` reference."""

from __future__ import annotations

from hhdesk.domain import referral_rules
from hhdesk.domain.enums import ReferralCategory, ReferralMethod, ReferralStatus

NO_REFERRAL = "No referral with that number is in the store: check the number, or refresh the list."
NO_AGENCY = "The chosen agency is no longer in the directory; choose another."
MAX_TEXT = 4000
CONSENT_ROLE_PREFIX = "Referral"

STATUS_LABELS: dict[ReferralStatus, str] = {
    ReferralStatus.SENT: "Sent",
    ReferralStatus.ACCEPTED: "Accepted",
    ReferralStatus.COMPLETED: "Completed",
    ReferralStatus.DECLINED: "Declined",
    ReferralStatus.NO_RESPONSE: "No response",
}
CATEGORY_LABELS: dict[ReferralCategory, str] = {
    ReferralCategory.HOUSING: "Housing",
    ReferralCategory.FOOD: "Food",
    ReferralCategory.TRANSPORTATION: "Transportation",
    ReferralCategory.BENEFITS: "Benefits",
    ReferralCategory.EMPLOYMENT: "Employment",
    ReferralCategory.LEGAL: "Legal",
    ReferralCategory.BEHAVIOURAL_HEALTH: "Behavioural health",
    ReferralCategory.SUBSTANCE_USE: "Substance use",
    ReferralCategory.MEDICAL_SPECIALTY: "Medical specialty",
    ReferralCategory.OTHER: "Other",
}
METHOD_LABELS: dict[ReferralMethod, str] = {
    ReferralMethod.LETTER: "Letter",
    ReferralMethod.FAX: "Fax",
    ReferralMethod.PHONE: "Phone",
    ReferralMethod.PORTAL: "Portal",
}


def reference(referral_id: int) -> str:
    return f"R-{referral_id}"


def status_choices(current: ReferralStatus) -> list[tuple[ReferralStatus, str]]:
    """The statuses a form may offer for a referral now ``current``, with their labels."""
    return [(status, STATUS_LABELS[status]) for status in referral_rules.next_allowed(current)]
