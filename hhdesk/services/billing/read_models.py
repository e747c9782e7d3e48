"""What billing shows and returns: the preview's rows and totals, past exports, an export's outcome, and
the month and format the user typed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hhdesk.domain.billing_profile import ClaimType
from hhdesk.domain.billing_rules import (
    MonthEvaluation,
)
from hhdesk.domain.enums import (
    BillingReason,
    SegmentType,
    Tier,
)
from hhdesk.domain.payers import filing_deadline
from hhdesk.domain.service_month import ServiceMonth
from hhdesk.errors import ValidationFailed
from hhdesk.exports.billing_data import (
    BillingRow,
    PayerInfo,
)
from hhdesk.services.billing.labels import ExportFormat, describe_rate_period, reason_text

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
