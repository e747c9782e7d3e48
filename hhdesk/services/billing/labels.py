"""The words of billing: export formats, and why a member-month is or is not billable, as people read them."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from hhdesk.domain.billing_profile import BillingProfile, ClaimType, RatePeriod, RateStatus
from hhdesk.domain.enums import (
    HH_PLUS_MINIMUM_NOT_MET,
    TIER_LABELS,
    BillingReason,
    SegmentType,
    Tier,
)


class ExportFormat(StrEnum):
    CSV = "csv"
    BILLING_SUPPORT = "billing-support"
    X12_837I = "837i"
    X12_837P = "837p"

    @property
    def claim_type(self) -> ClaimType | None:
        return {ExportFormat.X12_837I: ClaimType.INSTITUTIONAL,
                ExportFormat.X12_837P: ClaimType.PROFESSIONAL}.get(self)

    @property
    def label(self) -> str:
        return FORMAT_LABELS[self]

    @property
    def suffix(self) -> str:
        return ".csv" if self.claim_type is None else ".x12"


FORMAT_LABELS: dict[ExportFormat, str] = {
    ExportFormat.CSV: "Billing CSV (every member-month with its reason)",
    ExportFormat.BILLING_SUPPORT: "Billing support file (modelled on NY MAPP billing support)",
    ExportFormat.X12_837I: "837I institutional claim file (X12 5010)",
    ExportFormat.X12_837P: "837P professional claim file (X12 5010)",
}

# The reasons in the words a billing clerk uses; the code follows in brackets wherever they are shown.
REASON_WORDS: dict[BillingReason, str] = {
    BillingReason.NO_SEGMENT: "No outreach or enrolled segment in the month",
    BillingReason.NO_CORE_SERVICE: "No contact with a core service in the month",
    BillingReason.NO_CONSENT: "No consent on file",
    BillingReason.NO_CARE_PLAN: "No signed care plan (grace period over)",
    BillingReason.OUTREACH_LIMIT: "Outreach: already counted 2 months in a row",
    BillingReason.OUTREACH_NEEDS_FACE_TO_FACE: (
        "Outreach: second month in a row needs an in-person meeting with the member or parent/guardian"),
    BillingReason.OUTREACH_LIMIT_12M: "Outreach: would be a 5th month in 12 (4 counted in the 11 before)",
    BillingReason.OUTREACH_BILLED_ELSEWHERE: "Outreach: another Health Home or agency billed this month",
    BillingReason.CHILD_MINIMUM_NOT_MET: "Children: fewer core services than the acuity needs",
    BillingReason.NO_RATE_CODE: "No rate code for the month",
    BillingReason.NO_PAYER: "No Medicaid plan or fee-for-service recorded for the month",
}

POPULATION_WORDS: dict[str, str] = {"smi": "SMI", "hiv": "HIV", "aot": "AOT order"}

NOTE_WORDS: dict[str, str] = {
    HH_PLUS_MINIMUM_NOT_MET: "HH+ minimum not met: billed at the high risk/need code",
    BillingReason.CHILD_MINIMUM_NOT_MET.value: "Children's minimum not met: billed at the fallback tier",
}


def minimum_words(profile: BillingProfile) -> dict[str, str]:
    """What each Health Home Plus population and children's tier needs in a month, in the profile's numbers."""
    words: dict[str, str] = {}
    for key, minimum in profile.hh_plus_minimums.items():
        text = f"{minimum.qualifying_contacts} contacts with a core service, {minimum.in_person} in person with the member"
        if minimum.in_person_by_care_manager:
            text += f", {minimum.in_person_by_care_manager} of them by the member's care manager"
        words[key] = f"Health Home Plus ({POPULATION_WORDS.get(key, key)}): {text}"
    for tier, child in profile.child_minimums.items():
        text = f"core services on {child.service_days} different day{'s' if child.service_days != 1 else ''}"
        if child.face_to_face:
            text += f", {child.face_to_face} face to face with the child or family"
        words[tier.value] = f"{TIER_LABELS[tier]}: {text}"
    return words


def reason_text(reason: BillingReason | None, note: str | None = None, *, segment: SegmentType | None = None,
                tier: Tier | None = None, population: str | None = None, consent_ended: date | None = None) -> str:
    """'No consent on file (no_consent)'; a note reads the same way; '' for a billable month without a note."""
    if reason is BillingReason.NO_CONSENT and consent_ended is not None:
        return (f"Consent withdrawn {consent_ended:%m/%d/%Y}, no core service before it "
                f"({reason.value})")
    if reason is None and note == HH_PLUS_MINIMUM_NOT_MET and population:
        return (f"HH+ minimum ({POPULATION_WORDS.get(population, population)}) not met: billed at the high "
                f"risk/need code ({note})")
    if reason is None and note is None and consent_ended is not None:
        return f"Consent withdrawn {consent_ended:%m/%d/%Y}: the core services before it count"
    if reason is BillingReason.NO_RATE_CODE:
        if segment is SegmentType.OUTREACH:
            words = "No outreach rate code set"
        elif tier is None:
            words = "No tier on record"
        else:
            words = "No rate code for the tier"
        return f"{words} ({reason.value})"
    if reason is not None:
        return f"{REASON_WORDS[reason]} ({reason.value})"
    if note:
        return f"{NOTE_WORDS.get(note, note)} ({note})"
    return ""


def describe_rate_period(period: RatePeriod) -> str:
    """An amount's provenance in words, for tooltips and the settings window."""
    parts = [period.source or "the billing profile"]
    if period.source_date:
        parts[0] += f" ({period.source_date})"
    if period.effective != date.min:
        parts.append(f"in effect from {period.effective:%m/%d/%Y}")
    parts.append(RATE_STATUS_WORDS[period.status])
    parts.append("confirmed by the agency" if period.confirmed else "not confirmed by the agency")
    return "; ".join(parts)


RATE_STATUS_WORDS: dict[RateStatus, str] = {
    RateStatus.PUBLISHED: "published",
    RateStatus.PENDING: "pending CMS approval",
    RateStatus.UNPUBLISHED: "placeholder, not a published figure",
}


def code_labels(profile: BillingProfile) -> dict[str, str]:
    """What each of the profile's codes bills, in words: {'1873': 'Standard', '1386': 'Outreach'}."""
    labels: dict[str, list[str]] = {}
    for tier, rate in profile.tier_rates.items():
        labels.setdefault(rate.code, []).append(TIER_LABELS[tier])
    if profile.aot_rate is not None:
        labels.setdefault(profile.aot_rate.code, []).append("Health Home Plus, AOT order")
    if profile.outreach_rate is not None:
        labels.setdefault(profile.outreach_rate.code, []).append("Outreach")
    return {code: ", ".join(words) if len(words) < 4 else "Every tier" + (
        ", outreach" if "Outreach" in words else "") for code, words in labels.items()}
