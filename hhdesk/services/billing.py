"""Monthly billing: preview every member-month with its verdict, export the files, keep the record of exports.

The rules are the domain's (`hhdesk.domain.billing_rules`); the files are written by `hhdesk.exports`. This
module gathers the facts the rules read, in a handful of set-based queries over the month and the 13 months
before it (the outreach look-back), groups them per member in Python, and runs the evaluator once per member.

Speed (10,000 members and 500,000 contacts in under 2 seconds): no query per member and no ORM objects for
contacts. Dates are read as the store's ISO text and parsed once per distinct day; contact modes and
core-service strings are turned into enums once per distinct value. Only contacts carrying a core service
are read (no other contact can qualify a month), the earlier months' contacts only for members with an
outreach segment in the month (only an outreach month looks back), and segments, consents, care plans
and tiers only for members with a segment in the month.

History is cut at 13 months before the month: an outreach month older than that is taken as not counted.
The evaluator chains look-backs as far as the member's first outreach month, so for a member in outreach for
more than 13 months in a row the answer could in principle differ from one computed over all time; the
window is the one the billing design chose (docs/billing.md §6).

Each export is a `BillingRun` row, with the control numbers it used stored in the same transaction, and a
`billing_export` audit event. A month already exported in the same format needs a reason, which is kept.
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from hhdesk.db.models import (
    AotOrder,
    BillingClaim,
    BillingRun,
    CarePlanVersion,
    Condition,
    Consent,
    Contact,
    EnrolmentSegment,
    Member,
    MemberPayerPeriod,
    OutreachElsewhere,
    Payer,
    TierPeriod,
    User,
)
from hhdesk.db.sql import iso_date_text
from hhdesk.db.turns import Turn, take_turn
from hhdesk.domain.billing_profile import BillingProfile, ClaimType, ProfileError, RatePeriod, RateStatus
from hhdesk.domain.billing_rules import (
    AotOrderFact,
    BillingEvaluator,
    ConsentFact,
    ContactFact,
    MemberBillingFacts,
    MonthEvaluation,
    SegmentFact,
    TierFact,
    care_plan_date_on,
    consent_date_on,
)
from hhdesk.domain.enums import (
    HH_PLUS_MINIMUM_NOT_MET,
    BillingReason,
    ConsentKind,
    ContactMode,
    CoreService,
    HHPlusPopulation,
    SegmentType,
    Tier,
    WithWhom,
)
from hhdesk.domain.payers import PayerPeriodFact, filing_deadline, payer_of_month, with_payer
from hhdesk.domain.permissions import Permission
from hhdesk.domain.service_month import ServiceMonth
from hhdesk.errors import ValidationFailed
from hhdesk.exports.billing_csv import billing_csv_bytes
from hhdesk.exports.billing_data import (
    BillingRow,
    ClaimSettings,
    ExportError,
    MissingSettingsError,
    PayerInfo,
    PostalAddress,
    check_claim_settings,
    invalid_settings,
)
from hhdesk.exports.billing_support import billing_support_bytes
from hhdesk.exports.profiles import describe_profiles, load_profile, read_profile_data
from hhdesk.exports.x12 import MAX_CONTROL_NUMBER, ControlNumbers, claim_problems, write_837
from hhdesk.services import settings as settings_service
from hhdesk.services.context import AppSession
from hhdesk.services.payers import payers_in

__all__ = [
    "REASON_WORDS",
    "AlreadyExported",
    "ExportOutcome",
    "PastFilingLimit",
    "BillingPreview",
    "BillingPreviewRow",
    "BillingRunInfo",
    "ExportFormat",
    "RateTotal",
    "billing_profile",
    "claim_settings_problems",
    "default_file_name",
    "export",
    "history",
    "parse_month",
    "preview",
    "reason_text",
    "recommended_claim_format",
]

_HCPCS_SHAPE = re.compile(r"[A-Z][0-9]{4}|[0-9]{5}")
HISTORY_MONTHS = 13  # contacts read before the month, for the outreach look-back (docs/domain.md §10 step 5)

ProgressCallback = Callable[[int, int, str], None]
"""`progress(done, total, text)`; a window passes its worker's `report`, which may raise to cancel."""


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

TIER_WORDS: dict[Tier, str] = {
    Tier.STANDARD: "Standard",
    Tier.HIGH_RISK: "High risk/need",
    Tier.HH_PLUS: "Health Home Plus",
    Tier.CHILD_LOW: "Children, low",
    Tier.CHILD_MEDIUM: "Children, medium",
    Tier.CHILD_HIGH: "Children, high",
}
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
        words[tier.value] = f"{TIER_WORDS[tier]}: {text}"
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


# ---- read models --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BillingPreviewRow:
    """One member-month: the `BillingRow` the exports write, plus what the window needs to open the member."""

    member_id: int
    row: BillingRow
    care_manager_name: str = ""
    preferred_name: str = ""
    payer_name: str = ""
    # the last day a claim for the month reaches its payer in time (None: no payer); past it on `today`
    filing_deadline: date | None = None
    past_filing_limit: bool = False

    @property
    def payer_code(self) -> str:
        return self.row.payer_code

    @property
    def evaluation(self) -> MonthEvaluation:
        return self.row.evaluation

    @property
    def medicaid_id(self) -> str:
        return self.row.medicaid_id

    @property
    def last_name(self) -> str:
        return self.row.last_name

    @property
    def first_name(self) -> str:
        return self.row.first_name

    @property
    def segment(self) -> SegmentType | None:
        return self.row.evaluation.segment

    @property
    def tier(self) -> Tier | None:
        return self.row.evaluation.tier

    @property
    def qualifying_contacts(self) -> int:
        return self.row.evaluation.qualifying_contacts

    @property
    def in_person_contacts(self) -> int:
        return self.row.evaluation.in_person_contacts

    @property
    def core_services(self) -> tuple[str, ...]:
        return self.row.evaluation.core_services

    @property
    def billable(self) -> bool:
        return self.row.evaluation.billable

    @property
    def reason(self) -> BillingReason | None:
        return self.row.evaluation.reason

    @property
    def note(self) -> str | None:
        return self.row.evaluation.note

    @property
    def rate_code(self) -> str | None:
        return self.row.evaluation.rate_code

    @property
    def amount(self) -> Decimal | None:
        return self.row.evaluation.amount

    @property
    def care_manager(self) -> str:
        return self.row.care_manager

    @property
    def consent_date(self) -> date | None:
        return self.row.consent_date

    @property
    def care_plan_date(self) -> date | None:
        return self.row.care_plan_date

    @property
    def diagnosis_codes(self) -> tuple[str, ...]:
        return self.row.diagnosis_codes

    @property
    def reason_text(self) -> str:
        evaluation = self.row.evaluation
        return reason_text(evaluation.reason, evaluation.note, segment=evaluation.segment, tier=evaluation.tier,
                           population=evaluation.hh_plus_population, consent_ended=evaluation.consent_ended)

    @property
    def amount_confirmed(self) -> bool | None:
        return self.row.evaluation.amount_confirmed

    @property
    def rate_source(self) -> str:
        """Where the amount comes from, in words: 'NYS DOH ... (2024-08), pending CMS approval, not confirmed'."""
        period = self.row.evaluation.rate_period
        if period is None or not self.billable:
            return ""
        return describe_rate_period(period)


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


@dataclass(frozen=True)
class RateTotal:
    """Billable member-months at one rate code; `amount` is None while the code has no amount set.

    `unconfirmed` counts the member-months whose amount the agency has not confirmed."""

    rate_code: str
    count: int
    amount: Decimal | None
    unconfirmed: int = 0


@dataclass(frozen=True)
class BillingPreview:
    """Every member with a segment overlapping the month, in name order, with the totals billing staff read."""

    service_month: ServiceMonth
    profile_name: str
    profile_title: str
    claim_type: ClaimType
    region: str
    rows: list[BillingPreviewRow]
    totals: list[RateTotal]
    billable_count: int
    not_billable: dict[BillingReason, int]
    notes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    code_labels: dict[str, str] = field(default_factory=dict)  # rate code -> what it bills, in words
    minimums: dict[str, str] = field(default_factory=dict)  # population or tier -> its monthly minimum in words
    payers: dict[str, PayerInfo] = field(default_factory=dict)
    today: date | None = None  # the day the filing limits were checked against

    @property
    def unconfirmed_count(self) -> int:
        return sum(total.unconfirmed for total in self.totals)

    @property
    def late_rows(self) -> list[BillingPreviewRow]:
        """Billable member-months whose claim would reach the payer after its filing limit."""
        return [item for item in self.rows if item.billable and item.past_filing_limit]

    def filing_warnings(self) -> list[str]:
        """One line per payer with billable months past its filing limit, for the preview and the export."""
        late: Counter[str] = Counter(item.payer_code for item in self.late_rows)
        lines = []
        for code, count in sorted(late.items()):
            payer = self.payers.get(code)
            limit = payer.filing_limit_days if payer else 0
            deadline = filing_deadline(self.service_month, limit) if payer else None
            name = payer.name if payer else code
            lines.append(f"{name}: {count} billable member-month(s) of {self.service_month} are past the "
                         f"{limit}-day filing limit (the claims were due by {deadline:%m/%d/%Y})")
        return lines

    @property
    def not_billable_count(self) -> int:
        return sum(self.not_billable.values())

    @property
    def total_amount(self) -> Decimal:
        return sum((total.amount or Decimal("0.00") for total in self.totals), Decimal("0.00"))

    @property
    def billing_rows(self) -> list[BillingRow]:
        return [item.row for item in self.rows]

    @property
    def billable_without_diagnosis(self) -> int:
        return sum(1 for item in self.rows if item.billable and not item.diagnosis_codes)


@dataclass(frozen=True)
class BillingRunInfo:
    """One export, as the history lists it."""

    id: int
    service_month: str
    format: str
    created_at: datetime  # UTC, naive (as stored)
    created_by: str  # username
    file_name: str
    sha256: str
    member_months: int
    billable_count: int
    total_amount: Decimal
    interchange_control_number: int | None
    group_control_number: int | None
    repeat_reason: str
    payer_code: str = ""
    late_reason: str = ""
    correction: bool = False

    @property
    def created_local(self) -> datetime:
        return self.created_at.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


@dataclass(frozen=True)
class ExportOutcome:
    """What one export wrote: one run per file (a claim export writes one file per payer)."""

    runs: tuple[BillingRunInfo, ...]

    @property
    def member_months(self) -> int:
        return sum(run.member_months for run in self.runs)

    @property
    def billable_count(self) -> int:
        return sum(run.billable_count for run in self.runs)

    @property
    def total_amount(self) -> Decimal:
        return sum((run.total_amount for run in self.runs), Decimal("0.00"))

    @property
    def files(self) -> list[str]:
        return [run.file_name for run in self.runs]

    def __getattr__(self, name: str) -> Any:
        # the first file's details (id, sha256, control numbers, ...): most exports write one file
        if name.startswith("_") or not self.runs:
            raise AttributeError(name)
        return getattr(self.runs[0], name)


class PastFilingLimit(ValidationFailed):
    """Billable months of the claim file are past their payer's filing limit; sending them needs a reason."""

    def __init__(self, message: str, warnings: list[str]) -> None:
        super().__init__(message, warnings)
        self.warnings = warnings


class AlreadyExported(ValidationFailed):
    """The month was exported in this format before; exporting it again needs a reason."""

    def __init__(self, message: str, earlier: list[BillingRunInfo]) -> None:
        super().__init__(message)
        self.earlier = earlier


# ---- parsing what the user typed ----------------------------------------------------------------------


def parse_month(text: str | ServiceMonth) -> ServiceMonth:
    if isinstance(text, ServiceMonth):
        return text
    try:
        return ServiceMonth.parse(text)
    except ValueError:
        raise ValidationFailed(
            f"The month {str(text).strip()[:20]!r} is not a month: write it YYYY-MM, for example 2024-03."
        ) from None


def parse_format(text: str | ExportFormat) -> ExportFormat:
    try:
        return ExportFormat(str(text).strip().lower())
    except ValueError:
        choices = ", ".join(f.value for f in ExportFormat)
        raise ValidationFailed(f"Choose an export format: {choices}.") from None


# ---- profile and claim settings from the agency settings ----------------------------------------------


def profile_from_settings(values: dict[str, Any]) -> BillingProfile:
    """The billing profile the settings name, for their region, with the agency's codes and amounts."""
    name = str(values.get("billing_profile") or settings_service.DEFAULTS["billing_profile"])
    try:
        data = read_profile_data(name)
        claim = data.get("claim") if isinstance(data.get("claim"), dict) else {}
        professional = claim.get("type") == ClaimType.PROFESSIONAL.value
        regions = [str(r) for r in data.get("regions", [])] if isinstance(data.get("regions"), list) else []
        region = str(values.get("billing_region") or "").strip()
        if region not in regions:
            if len(regions) > 1:
                raise ValidationFailed(
                    f"The rate region must be one of {', '.join(regions)} for this billing profile; "
                    "an administrator sets it under Billing settings."
                )
            region = ""
        overrides: dict[str, Any] = {}
        if str(values.get("outreach_rate_code") or "").strip():
            overrides["outreach_rate_code"] = str(values["outreach_rate_code"]).strip()
            if str(values.get("outreach_amount") or "").strip():
                overrides["outreach_amount"] = str(values["outreach_amount"]).strip()
        amounts = values.get("rate_amounts") or {}
        if isinstance(amounts, dict) and amounts:
            overrides["rate_amounts"] = {str(k): ("" if v is None else str(v)) for k, v in amounts.items()}
        if professional:
            if str(values.get("hcpcs_code") or "").strip():
                overrides["hcpcs_code"] = str(values["hcpcs_code"]).strip()
            if str(values.get("hcpcs_modifiers") or "").strip():
                overrides["modifiers"] = str(values["hcpcs_modifiers"]).strip()
        confirmed = values.get("confirmed_rates")
        if isinstance(confirmed, list) and confirmed:
            overrides["confirmed_rates"] = [str(code) for code in confirmed]
        if str(values.get("aot_rate_code") or "").strip():
            overrides["aot_rate_code"] = str(values["aot_rate_code"]).strip()
            if str(values.get("aot_amount") or "").strip():
                overrides["aot_amount"] = str(values["aot_amount"]).strip()
        grace = values.get("care_plan_grace_days")
        if isinstance(grace, int) and not isinstance(grace, bool):
            overrides["care_plan_grace_days"] = grace
        return load_profile(name, region=region or None, overrides=overrides)
    except ProfileError as exc:
        raise ValidationFailed(
            f"The billing settings do not make a usable profile: {exc}. An administrator can fix this under "
            "Billing settings."
        ) from None


def claim_settings_from(values: dict[str, Any], medicaid_provider_id: str = "") -> ClaimSettings:
    def text(key: str) -> str:
        return str(values.get(key) or "").strip()

    return ClaimSettings(
        billing_provider_name=text("billing_provider_name"),
        billing_provider_npi=text("billing_provider_npi"),
        billing_provider_taxonomy=text("billing_provider_taxonomy").upper(),
        billing_provider_tax_id=text("billing_provider_tax_id"),
        billing_provider_address=PostalAddress(
            line1=text("billing_provider_address"),
            city=text("billing_provider_city"),
            state=text("billing_provider_state").upper(),
            postal_code=text("billing_provider_zip"),
        ),
        submitter_id=text("submitter_id"),
        submitter_name=text("submitter_name"),
        receiver_id=text("receiver_id"),
        receiver_name=text("receiver_name"),
        payer_id=text("payer_id"),
        payer_name=text("payer_name"),
        contact_phone=text("submitter_contact_phone"),
        medicaid_provider_id=medicaid_provider_id.strip(),
        attending_last_name=text("attending_last_name"),
        attending_first_name=text("attending_first_name"),
        attending_npi=text("attending_npi"),
        test_file=bool(values.get("claim_test_file")),
    )


def _read_billing_settings(session: Session) -> tuple[dict[str, Any], ClaimSettings]:
    values = settings_service.read_all(session)
    agency = settings_service.agency_info(session)
    return values, claim_settings_from(values, agency.medicaid_provider_id)


def billing_profile(app: AppSession) -> BillingProfile:
    """The profile in use, as the settings make it (ValidationFailed if they do not make one)."""
    with app.read(Permission.BILLING) as session:
        values = settings_service.read_all(session)
    return profile_from_settings(values)


def code_labels(profile: BillingProfile) -> dict[str, str]:
    """What each of the profile's codes bills, in words: {'1873': 'Standard', '1386': 'Outreach'}."""
    labels: dict[str, list[str]] = {}
    for tier, rate in profile.tier_rates.items():
        labels.setdefault(rate.code, []).append(TIER_WORDS[tier])
    if profile.aot_rate is not None:
        labels.setdefault(profile.aot_rate.code, []).append("Health Home Plus, AOT order")
    if profile.outreach_rate is not None:
        labels.setdefault(profile.outreach_rate.code, []).append("Outreach")
    return {code: ", ".join(words) if len(words) < 4 else "Every tier" + (
        ", outreach" if "Outreach" in words else "") for code, words in labels.items()}


@dataclass(frozen=True)
class RateRow:
    """A rate code of the profile in use: the amount the profile gives and the one the agency set, if any."""

    code: str
    what: str
    profile_amount: Decimal | None
    agency_amount: Decimal | None
    periods: tuple[RatePeriod, ...] = ()  # the profile's dated amounts, oldest first
    reference_only: bool = False  # listed by the sources, not billed by hhdesk

    @property
    def confirmed(self) -> bool:
        return bool(self.periods) and all(period.confirmed for period in self.periods)

    @property
    def latest(self) -> RatePeriod | None:
        return self.periods[-1] if self.periods else None

    @property
    def provenance(self) -> str:
        """Every dated amount with its source, one a line."""
        return "\n".join(
            ("not set" if p.amount is None else f"${p.amount:,.2f}") + " — " + describe_rate_period(p)
            for p in self.periods)


def rate_rows(values: dict[str, Any]) -> list[RateRow]:
    """The codes the settings bill with (for the amounts table of the settings window)."""
    base = profile_from_settings({**values, "rate_amounts": {}, "outreach_amount": ""})
    agency = values.get("rate_amounts") if isinstance(values.get("rate_amounts"), dict) else {}
    labels = code_labels(base)
    rows = []
    for rate in base.rate_codes:
        chosen = str(agency.get(rate.code) or "").strip() if agency else ""
        if rate is base.outreach_rate and str(values.get("outreach_amount") or "").strip():
            chosen = chosen or str(values["outreach_amount"]).strip()
        try:
            agency_amount = Decimal(chosen).quantize(Decimal("0.01")) if chosen else None
        except ArithmeticError:
            agency_amount = None
        rows.append(RateRow(rate.code, labels.get(rate.code, ""), rate.amount, agency_amount, rate.periods))
    for rate, description in base.reference_codes:
        rows.append(RateRow(rate.code, description, rate.amount, None, rate.periods, reference_only=True))
    return rows


def recommended_claim_format(profile: BillingProfile) -> ExportFormat:
    return ExportFormat.X12_837I if profile.claim.claim_type is ClaimType.INSTITUTIONAL else ExportFormat.X12_837P


def claim_settings_problems(app: AppSession) -> list[str]:
    """What a claim file still needs from the settings, in the settings window's words (empty: ready)."""
    with app.read(Permission.BILLING) as session:
        _values, claim_settings = _read_billing_settings(session)
    try:
        check_claim_settings(claim_settings)
    except MissingSettingsError as exc:
        return list(exc.problems)
    return []


def check_billing_settings(values: dict[str, Any]) -> list[str]:
    """Problems with a set of billing settings before they are saved (shapes only; empty fields are allowed)."""
    problems: list[str] = []
    try:
        profile = profile_from_settings(values)
    except ValidationFailed as exc:
        problems.append(str(exc))
    else:
        outreach = profile.outreach_rate
        if (profile.claim.claim_type is ClaimType.PROFESSIONAL and outreach is not None
                and not _HCPCS_SHAPE.fullmatch(outreach.code)):
            problems.append("The outreach rate code must be a HCPCS code (a letter and 4 digits, like G9001) on a "
                            "professional-claim profile, or left empty when outreach is not billed.")
    problems += invalid_settings(claim_settings_from(values))
    return problems


def save_billing_settings(app: AppSession, changes: dict[str, Any]) -> None:
    """Check and save billing settings together (admins): a profile that would not load is refused."""
    with app.read(Permission.MANAGE_SETTINGS) as session:
        merged = {**settings_service.read_all(session), **changes}
    problems = check_billing_settings(merged)
    if problems:
        raise ValidationFailed(problems[0], problems)
    settings_service.update_settings(app, changes)


# ---- gathering the facts ------------------------------------------------------------------------------


class _Parsers:
    """Turns the store's text values into domain values once per distinct value (they repeat a lot)."""

    def __init__(self) -> None:
        self._days: dict[str, date] = {}
        self._modes: dict[str, ContactMode | None] = {}
        self._services: dict[str, frozenset[CoreService]] = {}

    def day(self, text: str | None) -> date | None:
        if text is None:
            return None
        value = self._days.get(text)
        if value is None:
            value = self._days[text] = date.fromisoformat(text[:10])
        return value

    def mode(self, text: str) -> ContactMode | None:
        if text in self._modes:
            return self._modes[text]
        try:
            value: ContactMode | None = ContactMode(text)
        except ValueError:
            value = None  # a mode this version does not know cannot carry a core service
        self._modes[text] = value
        return value

    def contact(self, dated: str, mode_text: str, services_text: str, with_whom_text: str,
                by_care_manager: bool) -> ContactFact | None:
        """The contact as the rules read it; None if it cannot carry a core service (unknown mode, no service)."""
        mode = self.mode(mode_text)
        services = self.services(services_text)
        if mode is None or not services:
            return None
        # an unknown party is read as a provider: it is never taken for face to face with the member
        with_whom = _WITH_WHOM.get(with_whom_text, WithWhom.PROVIDER)
        return ContactFact(self.day(dated), mode, services, with_whom, by_care_manager)  # type: ignore[arg-type]

    def services(self, text: str) -> frozenset[CoreService]:
        value = self._services.get(text)
        if value is None:
            codes = set()
            for part in text.split(";"):
                try:
                    codes.add(CoreService(part.strip()))
                except ValueError:
                    continue
            value = self._services[text] = frozenset(codes)
        return value


def _as_text(column: Any) -> Any:
    """Select a date column as its ISO text (parsed once per day by `_Parsers`, not once per row)."""
    return iso_date_text(column)


@dataclass
class _MemberFacts:
    member_id: int
    medicaid_id: str
    last_name: str
    first_name: str
    preferred_name: str
    dob: date
    sex: str
    address: PostalAddress | None
    care_manager: str
    care_manager_name: str
    care_manager_id: int | None = None
    hh_plus_population: HHPlusPopulation | None = None
    segments: list[SegmentFact] = field(default_factory=list)
    consents: list[ConsentFact] = field(default_factory=list)
    care_plans: list[date] = field(default_factory=list)
    tiers: list[TierFact] = field(default_factory=list)
    contacts: list[ContactFact] = field(default_factory=list)
    diagnoses: list[str] = field(default_factory=list)
    aot_orders: list[AotOrderFact] = field(default_factory=list)
    outreach_elsewhere: set[ServiceMonth] = field(default_factory=set)
    payer_periods: list[PayerPeriodFact] = field(default_factory=list)


def _gather(session: Session, month: ServiceMonth) -> list[_MemberFacts]:
    """The facts of every member with a segment overlapping the month, in name order: ten queries."""
    first_day, last_day = month.first_day, month.last_day
    window_start = month.shift(-HISTORY_MONTHS).first_day
    parse = _Parsers()

    def overlapping(start: date, end: date) -> Any:
        return and_(EnrolmentSegment.start_date <= end,
                    or_(EnrolmentSegment.end_date.is_(None), EnrolmentSegment.end_date >= start))

    in_month = select(EnrolmentSegment.member_id).where(overlapping(first_day, last_day))
    # Only an outreach month looks back (step 5), and it needs an outreach segment overlapping the month.
    outreach_in_month = select(EnrolmentSegment.member_id).where(
        EnrolmentSegment.kind == SegmentType.OUTREACH.value, overlapping(first_day, last_day))

    # Core execution on the session's connection: rows as plain tuples, without the ORM's result handling.
    connection = session.connection()
    members: dict[int, _MemberFacts] = {}
    member_rows = connection.execute(
        select(Member.id, Member.medicaid_id, Member.last_name, Member.first_name, Member.preferred_name,
               _as_text(Member.dob), Member.sex, Member.address_line1, Member.address_line2, Member.city,
               Member.state, Member.zip, User.username, User.full_name, Member.care_manager_id,
               Member.hh_plus_population)
        .outerjoin(User, User.id == Member.care_manager_id)
        .where(Member.id.in_(in_month))
        .order_by(Member.name_key, Member.id)
    ).all()
    for (member_id, medicaid_id, last, first, preferred, dob, sex, line1, line2, city, state, zip_code,
         username, full_name, care_manager_id, population) in member_rows:
        address = PostalAddress(line1 or "", line2 or "", city or "", state or "", zip_code or "")
        members[member_id] = _MemberFacts(
            member_id, medicaid_id, last, first, preferred or "", parse.day(dob),  # type: ignore[arg-type]
            (sex or "U").upper(), address if address.is_complete else None, username or "",
            full_name or username or "", care_manager_id, _POPULATIONS.get(population or ""))

    for member_id, kind, start, end in connection.execute(
        select(EnrolmentSegment.member_id, EnrolmentSegment.kind, _as_text(EnrolmentSegment.start_date),
               _as_text(EnrolmentSegment.end_date))
        .where(EnrolmentSegment.member_id.in_(in_month), EnrolmentSegment.start_date <= last_day)
        .order_by(EnrolmentSegment.member_id, EnrolmentSegment.start_date)
    ).all():
        facts = members.get(member_id)
        if facts is None or kind not in _SEGMENT_TYPES:
            continue
        segment_start, segment_end = parse.day(start), parse.day(end)
        if kind == SegmentType.OUTREACH.value:
            # No contact before the window is read, so no outreach month before it can count: starting the
            # segment at the window gives the same verdicts and keeps the evaluator's walk to 13 months.
            if segment_end is not None and segment_end < window_start:
                continue
            segment_start = max(segment_start, window_start)  # type: ignore[type-var]
        facts.segments.append(SegmentFact(_SEGMENT_TYPES[kind], segment_start, segment_end))  # type: ignore[arg-type]

    for member_id, kind, signed in connection.execute(
        select(Consent.member_id, Consent.kind, _as_text(Consent.signed_on))
        .where(Consent.member_id.in_(in_month), Consent.signed_on <= last_day)
        .order_by(Consent.member_id, Consent.signed_on, Consent.id)
    ).all():
        facts = members.get(member_id)
        if facts is not None and kind in _CONSENT_KINDS:
            facts.consents.append(ConsentFact(_CONSENT_KINDS[kind], parse.day(signed)))  # type: ignore[arg-type]

    for member_id, signed in connection.execute(
        select(CarePlanVersion.member_id, _as_text(CarePlanVersion.signed_on))
        .where(CarePlanVersion.member_id.in_(in_month), CarePlanVersion.signed_on.is_not(None),
               CarePlanVersion.signed_on <= last_day)
    ).all():
        facts = members.get(member_id)
        if facts is not None:
            facts.care_plans.append(parse.day(signed))  # type: ignore[arg-type]

    for member_id, tier, effective in connection.execute(
        select(TierPeriod.member_id, TierPeriod.tier, _as_text(TierPeriod.effective_date))
        .where(TierPeriod.member_id.in_(in_month), TierPeriod.effective_date <= last_day)
        .order_by(TierPeriod.member_id, TierPeriod.effective_date, TierPeriod.id)
    ).all():
        facts = members.get(member_id)
        if facts is not None and tier in _TIERS:
            facts.tiers.append(TierFact(_TIERS[tier], parse.day(effective)))  # type: ignore[arg-type]

    contact_columns = (Contact.member_id, _as_text(Contact.contact_date), Contact.mode, Contact.core_services,
                       Contact.with_whom, Contact.staff_id)
    month_contacts = connection.execute(
        select(*contact_columns)
        .where(Contact.contact_date >= first_day, Contact.contact_date <= last_day, Contact.core_services != "")
    ).all()
    earlier_contacts = connection.execute(
        select(*contact_columns)
        .where(Contact.member_id.in_(outreach_in_month), Contact.contact_date >= window_start,
               Contact.contact_date < first_day, Contact.core_services != "")
    ).all()
    # Contacts are values: one ContactFact serves every contact with the same day, mode and services.
    contact_facts: dict[tuple[str, str, str, str, bool], ContactFact | None] = {}
    for member_id, dated, mode_text, services_text, with_whom, staff_id in (*earlier_contacts, *month_contacts):
        facts = members.get(member_id)
        if facts is None:
            continue
        by_care_manager = staff_id is not None and staff_id == facts.care_manager_id
        key = (dated, mode_text, services_text, with_whom, by_care_manager)
        contact = contact_facts.get(key, _UNSEEN)
        if contact is _UNSEEN:
            contact = contact_facts[key] = parse.contact(dated, mode_text, services_text, with_whom, by_care_manager)
        if contact is not None:
            facts.contacts.append(contact)  # type: ignore[arg-type]

    # Assisted Outpatient Treatment orders overlapping the month (they set the Health Home Plus minimum).
    for member_id, start, end in connection.execute(
        select(AotOrder.member_id, _as_text(AotOrder.start_date), _as_text(AotOrder.end_date))
        .where(AotOrder.member_id.in_(in_month), AotOrder.start_date <= last_day,
               or_(AotOrder.end_date.is_(None), AotOrder.end_date >= first_day))
    ).all():
        facts = members.get(member_id)
        if facts is not None:
            facts.aot_orders.append(AotOrderFact(parse.day(start), parse.day(end)))  # type: ignore[arg-type]

    # Outreach months another Health Home billed, in the look-back and the month (outreach follows the person).
    for member_id, service_month in connection.execute(
        select(OutreachElsewhere.member_id, OutreachElsewhere.service_month)
        .where(OutreachElsewhere.member_id.in_(outreach_in_month),
               OutreachElsewhere.service_month >= str(month.shift(-HISTORY_MONTHS)),
               OutreachElsewhere.service_month <= str(month))
    ).all():
        facts = members.get(member_id)
        if facts is not None:
            facts.outreach_elsewhere.add(ServiceMonth.parse(service_month))

    # Diagnoses for the claim: conditions active at some point in the month with an ICD-10-CM code; the
    # chronic conditions that make the member eligible (those with a category) first, then by date noted.
    for member_id, code in connection.execute(
        select(Condition.member_id, Condition.icd10)
        .where(Condition.member_id.in_(in_month), Condition.icd10 != "",
               or_(Condition.resolved_on.is_(None), Condition.resolved_on >= first_day),
               or_(Condition.noted_on.is_(None), Condition.noted_on <= last_day))
        .order_by(Condition.member_id, Condition.category.is_(None), Condition.noted_on, Condition.id)
    ).all():
        facts = members.get(member_id)
        if facts is not None and code.strip() and code.strip() not in facts.diagnoses:
            facts.diagnoses.append(code.strip())

    for member_id, payer_code, effective in connection.execute(
        select(MemberPayerPeriod.member_id, Payer.code, _as_text(MemberPayerPeriod.effective_date))
        .join(Payer, Payer.id == MemberPayerPeriod.payer_id)
        .where(MemberPayerPeriod.member_id.in_(in_month), MemberPayerPeriod.effective_date <= last_day)
        .order_by(MemberPayerPeriod.member_id, MemberPayerPeriod.effective_date, MemberPayerPeriod.id)
    ).all():
        facts = members.get(member_id)
        if facts is not None:
            facts.payer_periods.append(PayerPeriodFact(payer_code, parse.day(effective)))  # type: ignore[arg-type]
    return list(members.values())


_UNSEEN = object()
_SEGMENT_TYPES = {kind.value: kind for kind in SegmentType}
_CONSENT_KINDS = {kind.value: kind for kind in ConsentKind}
_TIERS = {tier.value: tier for tier in Tier}
_WITH_WHOM = {party.value: party for party in WithWhom}
_POPULATIONS = {population.value: population for population in HHPlusPopulation}


def _evaluate(gathered: Iterable[_MemberFacts], month: ServiceMonth, profile: BillingProfile,
              payers: dict[str, PayerInfo] | None = None, today: date | None = None) -> list[BillingPreviewRow]:
    last_day = month.last_day
    payers = payers or {}
    deadlines = {code: filing_deadline(month, payer.filing_limit_days) for code, payer in payers.items()}
    rows: list[BillingPreviewRow] = []
    for member in gathered:
        facts = MemberBillingFacts(
            segments=tuple(member.segments), consents=tuple(member.consents),
            care_plans_signed=tuple(member.care_plans), tiers=tuple(member.tiers), contacts=tuple(member.contacts),
            hh_plus_population=member.hh_plus_population, aot_orders=tuple(member.aot_orders),
            outreach_billed_elsewhere=frozenset(member.outreach_elsewhere),
        )
        payer_code = payer_of_month(member.payer_periods, month)
        # the payer step comes last, outside the evaluator: a month without a payer still counts for outreach
        evaluation = with_payer(BillingEvaluator(facts, profile).evaluate(month), payer_code)
        # a month whose consent was withdrawn in it reports the consent its services were given under
        consent_day = last_day if evaluation.consent_ended is None else evaluation.consent_ended - timedelta(days=1)
        row = BillingRow(
            evaluation=evaluation, medicaid_id=member.medicaid_id, last_name=member.last_name,
            first_name=member.first_name, dob=member.dob, care_manager=member.care_manager,
            consent_date=consent_date_on(facts, consent_day), care_plan_date=care_plan_date_on(facts, last_day),
            sex=member.sex if member.sex in ("F", "M") else "U", diagnosis_codes=tuple(member.diagnoses),
            address=member.address, payer_code=payer_code or "",
        )
        payer = payers.get(payer_code or "")
        deadline = deadlines.get(payer_code or "")
        rows.append(BillingPreviewRow(
            member.member_id, row, member.care_manager_name, member.preferred_name,
            payer_name=payer.name if payer else "", filing_deadline=deadline,
            past_filing_limit=deadline is not None and today is not None and today > deadline))
    return rows


def _summarise(month: ServiceMonth, profile: BillingProfile, rows: list[BillingPreviewRow],
               seconds: float, payers: dict[str, PayerInfo] | None = None,
               today: date | None = None) -> BillingPreview:
    counts: Counter[str] = Counter()
    unconfirmed: Counter[str] = Counter()
    amounts: dict[str, Decimal | None] = {}
    reasons: Counter[BillingReason] = Counter()
    notes: Counter[str] = Counter()
    for item in rows:
        evaluation = item.row.evaluation
        if evaluation.note:
            notes[evaluation.note] += 1
        if evaluation.billable:
            code = evaluation.rate_code or ""
            counts[code] += 1
            if not evaluation.amount_confirmed:
                unconfirmed[code] += 1
            so_far = amounts.get(code, Decimal("0.00"))
            amounts[code] = None if so_far is None or evaluation.amount is None else so_far + evaluation.amount
        elif evaluation.reason is not None:
            reasons[evaluation.reason] += 1
    order = {rate.code: position for position, rate in enumerate(profile.rate_codes)}
    totals = [RateTotal(code, counts[code], amounts[code], unconfirmed[code])
              for code in sorted(counts, key=lambda code: (order.get(code, len(order)), code))]
    return BillingPreview(
        service_month=month, profile_name=profile.name, profile_title=profile.title,
        claim_type=profile.claim.claim_type, region=profile.region, rows=rows, totals=totals,
        billable_count=sum(counts.values()),
        not_billable={reason: reasons[reason] for reason in BillingReason if reasons[reason]},
        notes=dict(notes), seconds=seconds, code_labels=code_labels(profile), minimums=minimum_words(profile),
        payers=dict(payers or {}), today=today,
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector while hundreds of thousands of small acyclic objects are made.

    Measured on 10,000 members: the collector's repeated passes over the new row tuples took half of the
    time spent reading. Reference counting still frees everything; the collector runs again afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _compute_preview(session: Session, month: ServiceMonth, profile: BillingProfile,
                     progress: ProgressCallback | None = None, today: date | None = None) -> BillingPreview:
    started = time.perf_counter()
    payers = payers_in(session)
    if progress:
        progress(0, 3, f"Reading the records of {month}")
    with _collector_paused():
        gathered = _gather(session, month)
    if progress:
        progress(1, 3, f"Applying the billing rules to {len(gathered):,} members")
    with _collector_paused():
        rows = _evaluate(gathered, month, profile, payers, today)
    if progress:
        progress(2, 3, "Adding up")
    return _summarise(month, profile, rows, time.perf_counter() - started, payers, today)


def preview(app: AppSession, month: str | ServiceMonth,
            progress: ProgressCallback | None = None, today: date | None = None) -> BillingPreview:
    """Every member-month of the month (members with a segment overlapping it), billable or not, and why.

    `today` (the session's date) decides which billable months are past their payer's filing limit.
    """
    service_month = parse_month(month)
    with app.read(Permission.BILLING) as session:
        values = settings_service.read_all(session)
        profile = profile_from_settings(values)
        result = _compute_preview(session, service_month, profile, progress, today or date.today())
    # One event for the whole list (a list read, like the caseload, but of billing data for every member).
    with app.work(Permission.BILLING) as uow:
        uow.audit("billing_preview", "billing", str(service_month),
                  detail=f"{len(result.rows)} member-months")
    if progress:
        progress(3, 3, "Done")
    return result


# ---- history ------------------------------------------------------------------------------------------


def _run_info(run: BillingRun, username: str | None) -> BillingRunInfo:
    return BillingRunInfo(
        id=run.id, service_month=run.service_month, format=run.format, created_at=run.created_at,
        created_by=username or "", file_name=run.file_name, sha256=run.file_sha256,
        member_months=run.member_months, billable_count=run.billable_count,
        total_amount=Decimal(run.total_amount or "0"), interchange_control_number=run.interchange_control_number,
        group_control_number=run.group_control_number, repeat_reason=run.repeat_reason or "",
        payer_code=run.payer_code or "", late_reason=run.late_reason or "", correction=bool(run.correction),
    )


def _runs(session: Session, month: ServiceMonth | None = None,
          export_format: ExportFormat | None = None) -> list[BillingRunInfo]:
    query = (select(BillingRun, User.username).outerjoin(User, User.id == BillingRun.created_by_id)
             .order_by(BillingRun.created_at.desc(), BillingRun.id.desc()))
    if month is not None:
        query = query.where(BillingRun.service_month == str(month))
    if export_format is not None:
        query = query.where(BillingRun.format == export_format.value)
    return [_run_info(run, username) for run, username in session.execute(query)]


def history(app: AppSession, month: str | ServiceMonth | None = None) -> list[BillingRunInfo]:
    """Past exports, newest first; of one month if given."""
    service_month = parse_month(month) if month is not None else None
    with app.read(Permission.BILLING) as session:
        return _runs(session, service_month)


# ---- exporting ----------------------------------------------------------------------------------------


def default_file_name(month: str | ServiceMonth, export_format: str | ExportFormat) -> str:
    chosen = parse_format(export_format)
    return f"billing-{parse_month(month)}-{chosen.value}{chosen.suffix}"


def _already_exported(month: ServiceMonth, export_format: ExportFormat,
                      earlier: list[BillingRunInfo]) -> AlreadyExported:
    last = earlier[0]
    when = last.created_local.strftime("%m/%d/%Y %H:%M")
    times = "once" if len(earlier) == 1 else f"{len(earlier)} times"
    return AlreadyExported(
        f"{month} was already exported as {export_format.value} {times} (last on {when} by "
        f"{last.created_by or 'someone'}). Exporting it again could bill the month twice: give a reason "
        "for exporting it again.", earlier)


def _check_claim_format(profile: BillingProfile, export_format: ExportFormat) -> None:
    claim_type = export_format.claim_type
    if claim_type is None or claim_type is profile.claim.claim_type:
        return
    wanted = recommended_claim_format(profile)
    kind = "institutional" if profile.claim.claim_type is ClaimType.INSTITUTIONAL else "professional"
    raise ValidationFailed(
        f"The billing profile in use ({profile.title}) bills on the {kind} claim "
        f"({profile.claim.claim_type.value}), so choose the {wanted.value} export, not {export_format.value}. "
        "If the agency bills another way, an administrator changes the billing profile under Billing settings."
    )


def _check_output(out: Path) -> None:
    if out.is_dir():
        raise ValidationFailed(f"{out} is a folder: give a file name to export to.")
    if not out.parent.is_dir():
        raise ValidationFailed(f"The folder {out.parent} does not exist: choose another place for the file.")
    if not os.access(out.parent, os.W_OK):
        raise ValidationFailed(f"hhdesk may not write in {out.parent}: choose a folder you can write to.")


def _next_control_number(value: Any) -> int:
    last = value if isinstance(value, int) and not isinstance(value, bool) else 0
    return 1 if last < 0 or last >= MAX_CONTROL_NUMBER else last + 1


def _write_temporary(out: Path, data: bytes) -> Path:
    """The file's bytes, written and flushed beside the target, ready for an atomic rename."""
    handle, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ValidationFailed(
            f"The file could not be written in {out.parent} ({exc.strerror or 'disk error'}); nothing was exported."
        ) from None
    return temporary


def claim_file_path(out: Path, payer_code: str) -> Path:
    """Where one payer's claim file goes: the chosen name with the payer's code, claims.x12 -> claims-FFS.x12."""
    return out.with_name(f"{out.stem}-{payer_code}{out.suffix or '.x12'}")


@dataclass
class _PlannedFile:
    path: Path
    data: bytes
    payer_code: str
    member_months: int
    billable: int
    total: Decimal
    control: ControlNumbers | None = None
    claims: tuple[tuple[str, str, BillingRow], ...] = ()
    temporary: Path | None = None


def _late_months(month: ServiceMonth, warnings: list[str]) -> PastFilingLimit:
    return PastFilingLimit(
        f"Some claims of {month} are past their payer's filing limit: " + "; ".join(warnings)
        + ". The payer may deny them (CARC 29). To send them anyway, give the reason they are late "
        "(for example a retroactive eligibility decision, or a delay the payer caused).", warnings)


def _claim_files(result: BillingPreview, rows: list[BillingRow], profile: BillingProfile,
                 claim_settings: ClaimSettings, out: Path, current: dict[str, Any],
                 created_at: datetime) -> list[_PlannedFile]:
    """One claim file per payer of the billable rows, with consecutive control numbers."""
    problems = claim_problems(rows, profile)
    if problems and result.not_billable.get(BillingReason.NO_PAYER) and not result.billable_count:
        problems.append(f"{result.not_billable[BillingReason.NO_PAYER]} member-month(s) have no payer recorded: "
                        "record each member's Medicaid plan or fee-for-service in the chart")
    if problems:
        message = "The claim file cannot be written: " + "; ".join(problems) + "."
        raise ValidationFailed(message, problems)
    by_payer: dict[str, list[BillingRow]] = {}
    for row in rows:
        if row.evaluation.billable:
            by_payer.setdefault(row.payer_code, []).append(row)
    interchange = _next_control_number(current.get("interchange_control_number"))
    group = _next_control_number(current.get("group_control_number"))
    planned: list[_PlannedFile] = []
    for code in sorted(by_payer):
        payer = result.payers.get(code)
        if payer is None:  # cannot happen: the preview names only payers in the table
            raise ValidationFailed(f"The payer {code} is not in the payer table any more; preview the month again.")
        control = ControlNumbers(interchange, group)
        try:
            claim_file = write_837(by_payer[code], claim_settings.for_payer(payer), profile, control, created_at)
        except ExportError as exc:
            problems = list(exc.problems) if isinstance(exc, MissingSettingsError) else [str(exc)]
            raise ValidationFailed(str(exc), problems) from None
        planned.append(_PlannedFile(
            claim_file_path(out, code), claim_file.data, code, sum(1 for row in rows if row.payer_code == code),
            claim_file.claim_count, claim_file.total_amount, control, claim_file.claims))
        interchange = _next_control_number(interchange)
        group = _next_control_number(group)
    return planned


def _record_claims(session: Session, run: BillingRun, planned: _PlannedFile,
                   member_ids: dict[str, int]) -> None:
    for claim_id, transaction_set, row in planned.claims:
        session.add(BillingClaim(
            run_id=run.id, member_id=member_ids.get(row.medicaid_id), medicaid_id=row.medicaid_id,
            service_month=str(row.evaluation.service_month), claim_id=claim_id, transaction_set=transaction_set,
            frequency=row.claim_frequency, payer_code=planned.payer_code, rate_code=row.evaluation.rate_code or "",
            amount=f"{(row.evaluation.amount or Decimal('0')).quantize(Decimal('0.01'))}", status="sent",
        ))


def write_planned_files(uow: Any, app: AppSession, service_month: ServiceMonth, export_format: ExportFormat,
                        planned: list[_PlannedFile], *, repeat_reason: str, late_reason: str, correction: bool,
                        member_ids: dict[str, int], originals: dict[str, int] | None = None) -> ExportOutcome:
    """Record a run per planned file (and its claims) and put the files in place, all or nothing.

    Called inside the caller's unit of work; the files are renamed into place as its last step, and removed
    again if the transaction does not commit.
    """
    runs: list[BillingRunInfo] = []
    renamed: list[Path] = []
    try:
        for item in planned:
            item.temporary = _write_temporary(item.path, item.data)
        last_control: ControlNumbers | None = None
        for item in planned:
            digest = hashlib.sha256(item.data).hexdigest()
            run = BillingRun(
                service_month=str(service_month), format=export_format.value, created_by_id=app.actor.user_id,
                file_name=str(item.path), file_sha256=digest, member_months=item.member_months,
                billable_count=item.billable, total_amount=f"{item.total.quantize(Decimal('0.01'))}",
                interchange_control_number=item.control.interchange if item.control else None,
                group_control_number=item.control.group if item.control else None,
                repeat_reason=repeat_reason, payer_code=item.payer_code, late_reason=late_reason,
                correction=correction,
            )
            uow.session.add(run)
            uow.session.flush()
            _record_claims(uow.session, run, item, member_ids)
            if originals:
                uow.session.flush()
                _link_originals(uow.session, run, originals)
            last_control = item.control or last_control
            detail = (f"month {service_month}, format {export_format.value}, {item.member_months} member-months, "
                      f"{item.billable} billable, total {run.total_amount}, sha256 {digest}")
            if item.payer_code:
                detail += f", payer {item.payer_code}"
            if item.control is not None:
                detail += f", control numbers {item.control.interchange}/{item.control.group}"
            if repeat_reason:
                detail += f", exported again: {repeat_reason}"
            if late_reason:
                detail += f", past the filing limit: {late_reason}"
            if correction:
                detail += ", replacement and void claims"
            uow.audit("billing_export", "billing_run", run.id, detail=detail)
            runs.append(_run_info(run, app.actor.username))
        if last_control is not None:
            settings_service.put(uow.session, "interchange_control_number", last_control.interchange)
            settings_service.put(uow.session, "group_control_number", last_control.group)
        uow.session.flush()
        for item in planned:
            assert item.temporary is not None
            try:
                os.replace(item.temporary, item.path)
            except OSError as exc:
                raise ValidationFailed(
                    f"The file could not be saved as {item.path} ({exc.strerror or 'disk error'}); nothing was "
                    "exported.") from None
            renamed.append(item.path)
    except BaseException:
        for item in planned:
            if item.temporary is not None:
                item.temporary.unlink(missing_ok=True)
        for path in renamed:  # the record did not commit, so neither may the files
            path.unlink(missing_ok=True)
        raise
    return ExportOutcome(tuple(runs))


def _link_originals(session: Session, run: BillingRun, originals: dict[str, int]) -> None:
    """Point each correction claim of the run at the claim it replaces or voids, and mark that one."""
    for claim in session.execute(select(BillingClaim).where(BillingClaim.run_id == run.id)).scalars():
        original_id = originals.get(claim.claim_id)
        if original_id is None:
            continue
        claim.original_claim_id = original_id
        original = session.get(BillingClaim, original_id)
        if original is not None:
            original.status = "replaced" if claim.frequency == "7" else "voided"
            original.status_detail = ("a replacement claim was sent" if claim.frequency == "7"
                                      else "a void of this claim was sent")
            original.status_at = datetime.now(UTC).replace(tzinfo=None)


def _member_ids(session: Session, rows: Iterable[BillingRow]) -> dict[str, int]:
    wanted = {row.medicaid_id for row in rows if row.evaluation.billable}
    if not wanted:
        return {}
    return dict(session.execute(select(Member.medicaid_id, Member.id).where(Member.medicaid_id.in_(wanted))).all())


def export(app: AppSession, month: str | ServiceMonth, fmt: str | ExportFormat, out_path: str | Path,
           reason: str | None = None, progress: ProgressCallback | None = None, *,
           late_reason: str | None = None, today: date | None = None) -> ExportOutcome:
    """Write the month's file(s) in one format and record the export (a `BillingRun` per file, an audit event each).

    A claim format writes one file per payer (`claim_file_path`), each with its payer's receiver and payer
    identifiers and its own control numbers, and records every claim it holds. Refuses (ValidationFailed) a
    month already exported in this format unless `reason` says why (`AlreadyExported`); claims past their
    payer's filing limit on `today` unless `late_reason` says why (`PastFilingLimit`); a claim format other than
    the profile's; missing or malformed claim settings, naming each; rows a claim cannot carry. The files
    appear whole, together with their records, or not at all.
    """
    app.require(Permission.BILLING)
    service_month = parse_month(month)
    export_format = parse_format(fmt)
    out = Path(out_path).expanduser()
    repeat_reason = (reason or "").strip()
    late = (late_reason or "").strip()
    _check_output(out)

    def step(done: int, text: str) -> None:
        if progress:
            progress(done, 5, text)

    step(0, "Checking the settings")
    with app.read(Permission.BILLING) as session:
        values, claim_settings = _read_billing_settings(session)
        earlier = _runs(session, service_month, export_format)
        if earlier and not repeat_reason:
            raise _already_exported(service_month, export_format, earlier)
        profile = profile_from_settings(values)
        if export_format.claim_type is not None:
            _check_claim_format(profile, export_format)
            try:
                check_claim_settings(claim_settings)
            except MissingSettingsError as exc:
                raise ValidationFailed(
                    str(exc) + ". An administrator fills them in under Billing settings.", list(exc.problems)
                ) from None
        step(1, f"Reading the records of {service_month}")
        result = _compute_preview(session, service_month, profile, today=today or date.today())
    if export_format.claim_type is not None and result.late_rows and not late:
        raise _late_months(service_month, result.filing_warnings())
    step(3, "Writing the file")

    with app.work(Permission.BILLING) as uow:
        # Again, in turn with every other export: two clerks exporting the same month at once cannot both
        # pass, and the control numbers read below are the last ones any workstation used.
        take_turn(uow.session, Turn.BILLING_FILES)
        earlier = _runs(uow.session, service_month, export_format)
        if earlier and not repeat_reason:
            raise _already_exported(service_month, export_format, earlier)
        rows = result.billing_rows
        if export_format.claim_type is not None:
            current = settings_service.read_all(uow.session)
            planned = _claim_files(result, rows, profile, claim_settings, out, current, datetime.now())
        elif export_format is ExportFormat.CSV:
            planned = [_PlannedFile(out, billing_csv_bytes(rows), "", len(rows), result.billable_count,
                                    result.total_amount)]
        else:
            planned = [_PlannedFile(out, billing_support_bytes(rows), "",
                                    sum(1 for row in rows if row.evaluation.segment is not None),
                                    result.billable_count, result.total_amount)]
        step(4, "Saving the record of the export")
        outcome = write_planned_files(
            uow, app, service_month, export_format, planned, repeat_reason=repeat_reason if earlier else "",
            late_reason=late if export_format.claim_type is not None and result.late_rows else "",
            correction=False, member_ids=_member_ids(uow.session, rows))
    step(5, "Done")
    return outcome


def format_totals(preview_result: BillingPreview) -> list[str]:
    """Plain lines summing up a preview (for the command line)."""
    lines = []
    for total in preview_result.totals:
        amount = "amount not set" if total.amount is None else f"${total.amount:,.2f}"
        if total.unconfirmed:
            amount += f" ({total.unconfirmed} at an amount the agency has not confirmed)"
        lines.append(f"{total.rate_code}: {total.count} member-months, {amount}")
    lines.append(f"Billable: {preview_result.billable_count}, total ${preview_result.total_amount:,.2f}")
    for reason, count in preview_result.not_billable.items():
        lines.append(f"Not billable, {reason_text(reason)}: {count}")
    for note, count in preview_result.notes.items():
        lines.append(f"Note, {reason_text(None, note)}: {count}")
    return lines


def profile_choices() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(name, title, claim type, regions) of each bundled billing profile, for the settings window."""
    return [(info.name, info.title, info.claim_type, info.regions) for info in describe_profiles()]

