"""Payer of a month, the no_payer step and timely filing (docs/billing.md, "Payers" and "Timely filing")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.domain.billing_rules import MemberBillingFacts, evaluate_month
from hhdesk.domain.enums import BillingReason
from hhdesk.domain.payers import (
    FEE_FOR_SERVICE_FILING_LIMIT_DAYS,
    PayerPeriodFact,
    check_filing_limit,
    check_payer_code,
    filing_deadline,
    past_filing_limit,
    payer_of_month,
    payer_on,
    with_payer,
)
from hhdesk.domain.service_month import ServiceMonth
from hhdesk.exports.profiles import load_profile

d = date.fromisoformat
PERIODS = (PayerPeriodFact("FFS", d("2024-01-01")), PayerPeriodFact("FIDELIS", d("2024-03-15")),
           PayerPeriodFact("MVP", d("2024-05-01")))


@pytest.mark.parametrize(("month", "payer"), [
    ("2023-12", None),  # before any record
    ("2024-01", "FFS"),
    ("2024-02", "FFS"),
    ("2024-03", "FIDELIS"),  # the plan in effect on the month's last day (as for the tier)
    ("2024-04", "FIDELIS"),
    ("2024-05", "MVP"),
    ("2025-01", "MVP"),  # a period stays in force until the next one
])
def test_the_payer_of_a_month_is_the_one_in_effect_on_its_last_day(month: str, payer: str | None) -> None:
    assert payer_of_month(PERIODS, ServiceMonth.parse(month)) == payer


def test_a_later_record_wins_a_tie() -> None:
    same_day = (PayerPeriodFact("FFS", d("2024-01-01")), PayerPeriodFact("MVP", d("2024-01-01")))
    assert payer_on(same_day, d("2024-01-31")) == "MVP"


def _billable_evaluation():  # type: ignore[no-untyped-def]
    profile = load_profile("ny_adult")
    facts = MemberBillingFacts(segments=[("enrolled", d("2024-01-01"), None)], consents=[("consent", d("2024-01-01"))],
                               care_plans_signed=[d("2024-01-10")], tiers=[("standard", d("2024-01-01"))],
                               contacts=[(d("2024-03-05"), "phone", {"CM"})])
    return evaluate_month(facts, profile, "2024-03")


def test_a_billable_month_without_a_payer_is_no_payer() -> None:
    evaluation = _billable_evaluation()
    assert evaluation.billable
    missing = with_payer(evaluation, None)
    assert (missing.billable, missing.reason, missing.rate_code, missing.amount) == (
        False, BillingReason.NO_PAYER, None, None)
    assert with_payer(evaluation, "FFS") == evaluation


def test_a_month_already_not_billable_keeps_its_own_reason() -> None:
    evaluation = with_payer(_billable_evaluation(), None)
    assert with_payer(evaluation, None).reason is BillingReason.NO_PAYER
    profile = load_profile("ny_adult")
    no_service = evaluate_month(MemberBillingFacts(segments=[("enrolled", d("2024-01-01"), None)]), profile, "2024-03")
    assert with_payer(no_service, None).reason is BillingReason.NO_CORE_SERVICE


# 18 NYCRR 540.6: NY Medicaid fee-for-service claims within 90 days of the date of service; a plan's own limit
# comes from its contract (a payer-table setting). Counted from the month's last day (the claim's through date).
@pytest.mark.parametrize(("month", "limit", "today", "late"), [
    ("2024-03", 90, "2024-06-29", False),  # deadline day: March 31 + 90 days = June 29
    ("2024-03", 90, "2024-06-30", True),
    ("2024-02", 90, "2024-05-29", False),  # leap February: 29th + 90 days
    ("2024-02", 90, "2024-05-30", True),
    ("2024-12", 90, "2025-03-31", False),  # across the year
    ("2024-12", 90, "2025-04-01", True),
    ("2024-12", 365, "2025-12-31", False),
    ("2024-12", 365, "2026-01-01", True),
    ("2024-03", 120, "2024-06-30", False),
])
def test_timely_filing_deadline(month: str, limit: int, today: str, late: bool) -> None:
    service_month = ServiceMonth.parse(month)
    assert past_filing_limit(service_month, limit, d(today)) is late
    assert filing_deadline(service_month, limit) == service_month.last_day + timedelta(days=limit)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 1)), st.integers(1, 3650))
def test_deadline_is_exactly_the_boundary(day: date, limit: int) -> None:
    month = ServiceMonth.of(day)
    deadline = filing_deadline(month, limit)
    assert not past_filing_limit(month, limit, deadline)
    assert past_filing_limit(month, limit, deadline + timedelta(days=1))


def test_fee_for_service_limit_is_ninety_days() -> None:
    assert FEE_FOR_SERVICE_FILING_LIMIT_DAYS == 90


@pytest.mark.parametrize("bad", ["", "FFS PLAN", "a" * 21, "ÉLAN", "-X"])
def test_payer_codes_are_short_and_plain(bad: str) -> None:
    with pytest.raises(ValueError):
        check_payer_code(bad)


def test_payer_code_is_upper_cased_and_limits_checked() -> None:
    assert check_payer_code(" fidelis ") == "FIDELIS"
    for bad in (0, -1, 3651, True):
        with pytest.raises(ValueError):
            check_filing_limit(bad)  # type: ignore[arg-type]
    assert check_filing_limit(90) == 90
