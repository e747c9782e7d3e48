"""Who pays a member-month, and by when the claim must reach them (docs/billing.md, "Payers").

A member's Medicaid coverage is recorded as effective-dated payer periods: from a date on, the member's
month is paid by one managed-care plan, or by Medicaid fee-for-service. The payer of a month is the one in
effect on the month's last day, the same day the tier is read on. A month that the billing rules find
billable but that has no payer on record is not billable, with the reason `no_payer` (the claim would have
nowhere to go); it still counts toward the outreach limits, like a month that only lacks a rate code,
because the service was delivered and the gap is one of paperwork.

Timely filing: a claim must reach the payer within the payer's filing limit, counted in days from the last
day of the service month (the claim's "through" date). New York Medicaid fee-for-service allows 90 days
(18 NYCRR 540.6); each managed-care plan sets its own in its provider contract, so the limit is a setting of
each payer in the agency's payer table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from hhdesk.domain.billing_rules import MonthEvaluation
from hhdesk.domain.enums import BillingReason
from hhdesk.domain.service_month import ServiceMonth

FEE_FOR_SERVICE_FILING_LIMIT_DAYS = 90
MAX_FILING_LIMIT_DAYS = 3650
PAYER_CODE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,19}")


@dataclass(frozen=True, slots=True)
class PayerPeriodFact:
    """From `effective` on, the member's months are paid by the payer with this code."""

    payer_code: str
    effective: date


def payer_on(periods: Iterable[PayerPeriodFact], day: date) -> str | None:
    """The payer code in effect on `day`: latest effective date on or before it; a later record wins a tie."""
    best: PayerPeriodFact | None = None
    for period in periods:
        if period.effective <= day and (best is None or period.effective >= best.effective):
            best = period
    return best.payer_code if best else None


def payer_of_month(periods: Iterable[PayerPeriodFact], month: ServiceMonth) -> str | None:
    """The payer of a service month: the one in effect on its last day."""
    return payer_on(periods, month.last_day)


def with_payer(evaluation: MonthEvaluation, payer_code: str | None) -> MonthEvaluation:
    """The evaluation with the payer step applied: a billable month without a payer becomes `no_payer`."""
    if not evaluation.billable or payer_code:
        return evaluation
    return replace(evaluation, billable=False, reason=BillingReason.NO_PAYER, note=None, rate_code=None, amount=None,
                   rate_period=None)


def filing_deadline(month: ServiceMonth, limit_days: int) -> date:
    """The last day a claim for the month reaches the payer in time: `limit_days` after the month's last day."""
    return month.last_day + timedelta(days=limit_days)


def past_filing_limit(month: ServiceMonth, limit_days: int, today: date) -> bool:
    """Is a claim for the month sent `today` late for a payer with this filing limit?"""
    return today > filing_deadline(month, limit_days)


def check_payer_code(code: str) -> str:
    """The code upper-cased, or ValueError: 1 to 20 letters, digits, '-' or '_' (it names the claim file)."""
    cleaned = code.strip().upper()
    if not PAYER_CODE_PATTERN.fullmatch(cleaned):
        raise ValueError("a payer code is 1 to 20 letters or digits (with - or _), like FFS or FIDELIS")
    return cleaned


def check_filing_limit(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_FILING_LIMIT_DAYS:
        raise ValueError(f"the filing limit is a whole number of days from 1 to {MAX_FILING_LIMIT_DAYS}")
    return days
