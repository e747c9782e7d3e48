"""Monthly billing rules (docs/domain.md §10): table-driven cases for every reason, the note and the month edges,
the outreach limits over a year, and hypothesis properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hhdesk.domain.billing_profile import BillingProfile
from hhdesk.domain.billing_rules import (
    BillingEvaluator,
    ContactFact,
    MemberBillingFacts,
    MonthEvaluation,
    care_plan_date_on,
    consent_date_on,
    evaluate_month,
    evaluate_months,
)
from hhdesk.domain.enums import HH_PLUS_MINIMUM_NOT_MET, BillingReason, ContactMode, SegmentType, Tier
from hhdesk.domain.service_month import ServiceMonth, month_bounds, months_between

PROFILE_DATA: dict[str, Any] = {
    "format": 1,
    "kind": "billing",
    "name": "test_adult",
    "title": "Test adult profile",
    "claim": {"type": "837I", "facility_type_code": "34"},
    "care_plan_grace_days": 90,
    "regions": ["upstate", "downstate"],
    "tiers": {
        "hh_plus": {"rate_code": "1853", "amounts": {"upstate": "822.12", "downstate": "876.93"}},
        "high_risk": {"rate_code": "1874", "amounts": {"upstate": "303.00", "downstate": "323.20"}},
        "standard": {"rate_code": "1873", "amounts": {"upstate": "202.00", "downstate": "215.13"}},
    },
    "hh_plus_fallback_tier": "high_risk",
    "outreach": {"rate_code": "9999", "amounts": {"upstate": "135.00", "downstate": "145.00"}},
}
PROFILE = BillingProfile.from_dict(PROFILE_DATA)
PROFILE_WITHOUT_OUTREACH_CODE = BillingProfile.from_dict(PROFILE_DATA, overrides={"outreach_rate_code": ""})
PROFILE_WITHOUT_FALLBACK_CODE = BillingProfile.from_dict(
    {**PROFILE_DATA, "tiers": {k: v for k, v in PROFILE_DATA["tiers"].items() if k != "high_risk"}}
)

MARCH = "2024-03"  # 31 days; 2024 is a leap year, so 2024-03-31 is 90 days after 2024-01-01


def d(text: str) -> date:
    return date.fromisoformat(text)


def enrolled_member(**changes: Any) -> MemberBillingFacts:
    """An enrolled member with consent, a signed plan and a standard tier: billable once a contact is added."""
    base: dict[str, Any] = {
        "segments": [("enrolled", d("2024-01-01"), None)],
        "consents": [("consent", d("2024-01-01"))],
        "care_plans_signed": [d("2024-01-20")],
        "tiers": [("standard", d("2024-01-01"))],
        "contacts": [(d("2024-03-05"), "phone", {"CM"})],
    }
    base.update(changes)
    return MemberBillingFacts(**base)


def outreach_member(**changes: Any) -> MemberBillingFacts:
    base: dict[str, Any] = {
        "segments": [("outreach", d("2024-03-01"), None)],
        "contacts": [(d("2024-03-05"), "phone", {"CM"})],
    }
    base.update(changes)
    return MemberBillingFacts(**base)


def hh_plus_contacts(in_person: int, other: int) -> list[tuple[date, str, set[str]]]:
    return [(d("2024-03-01") + timedelta(days=i), "in_person", {"CM"}) for i in range(in_person)] + [
        (d("2024-03-10") + timedelta(days=i), "phone", {"CC"}) for i in range(other)
    ]


# (id, facts, profile, expected attributes of the March 2024 evaluation)
CASES: list[tuple[str, MemberBillingFacts, BillingProfile, dict[str, Any]]] = [
    # step 1: segment
    (
        "no segment at all",
        MemberBillingFacts(contacts=[(d("2024-03-05"), "phone", {"CM"})]),
        PROFILE,
        {"reason": BillingReason.NO_SEGMENT, "segment": None, "qualifying_contacts": 0, "billable": False},
    ),
    (
        "segment ended the month before",
        enrolled_member(segments=[("enrolled", d("2024-01-01"), d("2024-02-29"))]),
        PROFILE,
        {"reason": BillingReason.NO_SEGMENT},
    ),
    (
        "segment starts the month after",
        enrolled_member(segments=[("enrolled", d("2024-04-01"), None)]),
        PROFILE,
        {"reason": BillingReason.NO_SEGMENT},
    ),
    (
        "segment ends on the first day of the month",
        enrolled_member(
            segments=[("enrolled", d("2024-01-01"), d("2024-03-01"))],
            contacts=[(d("2024-03-01"), "phone", {"CM"})],
        ),
        PROFILE,
        {"billable": True, "segment": SegmentType.ENROLLED},
    ),
    (
        "segment ends mid-month, contact before the end",
        enrolled_member(segments=[("enrolled", d("2024-01-01"), d("2024-03-10"))]),
        PROFILE,
        {"billable": True, "rate_code": "1873", "amount": Decimal("202.00")},
    ),
    (
        "segment ends mid-month, contact after the end",
        enrolled_member(
            segments=[("enrolled", d("2024-01-01"), d("2024-03-10"))],
            contacts=[(d("2024-03-11"), "phone", {"CM"})],
        ),
        PROFILE,
        {"reason": BillingReason.NO_CORE_SERVICE, "segment": SegmentType.ENROLLED},
    ),
    (
        "segment starts mid-month, contact the day before",
        enrolled_member(
            segments=[("enrolled", d("2024-03-15"), None)],
            consents=[("consent", d("2024-03-15"))],
            contacts=[(d("2024-03-14"), "in_person", {"CM"})],
        ),
        PROFILE,
        {"reason": BillingReason.NO_CORE_SERVICE},
    ),
    (
        "segment starts mid-month, contact on the start day",
        enrolled_member(
            segments=[("enrolled", d("2024-03-15"), None)],
            consents=[("consent", d("2024-03-15"))],
            contacts=[(d("2024-03-15"), "in_person", {"CM"})],
        ),
        PROFILE,
        {"billable": True, "in_person_contacts": 1},
    ),
    (
        "contact on the last day of the month",
        enrolled_member(contacts=[(d("2024-03-31"), "video", {"TC"})]),
        PROFILE,
        {"billable": True, "core_services": ("TC",)},
    ),
    (
        "contact on the first day of the next month",
        enrolled_member(contacts=[(d("2024-04-01"), "phone", {"CM"})]),
        PROFILE,
        {"reason": BillingReason.NO_CORE_SERVICE, "qualifying_contacts": 0},
    ),
    (
        "enrolled month wins over outreach; outreach-days contact does not count",
        enrolled_member(
            segments=[("outreach", d("2024-01-01"), d("2024-03-14")), ("enrolled", d("2024-03-15"), None)],
            consents=[("consent", d("2024-03-15"))],
            contacts=[(d("2024-03-10"), "phone", {"CM"})],
        ),
        PROFILE,
        {"segment": SegmentType.ENROLLED, "reason": BillingReason.NO_CORE_SERVICE},
    ),
    (
        "enrolled month after outreach; enrolled-days contact counts",
        enrolled_member(
            segments=[("outreach", d("2024-01-01"), d("2024-03-14")), ("enrolled", d("2024-03-15"), None)],
            consents=[("consent", d("2024-03-15"))],
            contacts=[(d("2024-03-20"), "phone", {"CM"})],
        ),
        PROFILE,
        {"segment": SegmentType.ENROLLED, "billable": True},
    ),
    # step 2: qualifying contacts and modes
    (
        "contact without a core service",
        enrolled_member(contacts=[(d("2024-03-05"), "in_person", set())]),
        PROFILE,
        {"reason": BillingReason.NO_CORE_SERVICE},
    ),
    (
        "mail never qualifies (enrolled)",
        enrolled_member(contacts=[(d("2024-03-05"), "mail", {"CM"})]),
        PROFILE,
        {"reason": BillingReason.NO_CORE_SERVICE},
    ),
    (
        "attempt does not qualify an enrolled month",
        enrolled_member(contacts=[(d("2024-03-05"), "attempt", {"CM"})]),
        PROFILE,
        {"reason": BillingReason.NO_CORE_SERVICE},
    ),
    (
        "collateral qualifies an enrolled month",
        enrolled_member(contacts=[(d("2024-03-05"), "collateral", {"RS", "CC"})]),
        PROFILE,
        {"billable": True, "core_services": ("CC", "RS"), "in_person_contacts": 0},
    ),
    (
        "attempt qualifies an outreach month",
        outreach_member(contacts=[(d("2024-03-05"), "attempt", {"CM"})]),
        PROFILE,
        {"billable": True, "segment": SegmentType.OUTREACH, "rate_code": "9999", "amount": Decimal("135.00")},
    ),
    (
        "mail never qualifies (outreach)",
        outreach_member(contacts=[(d("2024-03-05"), "mail", {"CM"})]),
        PROFILE,
        {"reason": BillingReason.NO_CORE_SERVICE},
    ),
    (
        "counts only qualifying contacts",
        enrolled_member(
            contacts=[
                (d("2024-03-05"), "in_person", {"CM", "FS"}),
                (d("2024-03-06"), "mail", {"IT"}),
                (d("2024-03-07"), "phone", set()),
                (d("2024-03-08"), "phone", {"CM"}),
            ]
        ),
        PROFILE,
        {"qualifying_contacts": 2, "in_person_contacts": 1, "core_services": ("CM", "FS")},
    ),
    # step 3: consent
    ("no consent on file", enrolled_member(consents=[]), PROFILE, {"reason": BillingReason.NO_CONSENT}),
    (
        "consent dated after the month",
        enrolled_member(consents=[("consent", d("2024-04-01"))]),
        PROFILE,
        {"reason": BillingReason.NO_CONSENT},
    ),
    (
        "consent dated on the last day",
        enrolled_member(consents=[("consent", d("2024-03-31"))]),
        PROFILE,
        {"billable": True},
    ),
    (
        # DOH-5058 withdraws consent "effective on the date the form was signed" (NY DOH Forms and
        # Templates): the core service of 03-05, before the withdrawal, still counts for March.
        "consent withdrawn within the month, core service before it",
        enrolled_member(consents=[("consent", d("2024-01-01")), ("withdrawal", d("2024-03-20"))]),
        PROFILE,
        {"billable": True, "consent_ended": d("2024-03-20"), "qualifying_contacts": 1},
    ),
    (
        "consent withdrawn within the month, core service on the day of withdrawal",
        enrolled_member(
            consents=[("consent", d("2024-01-01")), ("withdrawal", d("2024-03-20"))],
            contacts=[(d("2024-03-20"), "phone", {"CM"})],
        ),
        PROFILE,
        {"reason": BillingReason.NO_CONSENT, "consent_ended": d("2024-03-20")},
    ),
    (
        "opt-out after consent",
        enrolled_member(consents=[("consent", d("2024-01-01")), ("opt_out", d("2024-02-01"))]),
        PROFILE,
        {"reason": BillingReason.NO_CONSENT},
    ),
    (
        "withdrawal after the month does not reach back",
        enrolled_member(consents=[("consent", d("2024-01-01")), ("withdrawal", d("2024-04-02"))]),
        PROFILE,
        {"billable": True},
    ),
    (
        "new consent after a withdrawal",
        enrolled_member(
            consents=[
                ("consent", d("2023-06-01")),
                ("withdrawal", d("2023-09-01")),
                ("consent", d("2024-01-01")),
            ]
        ),
        PROFILE,
        {"billable": True},
    ),
    (
        "consent and withdrawal on the same day",
        enrolled_member(consents=[("withdrawal", d("2024-02-01")), ("consent", d("2024-02-01"))]),
        PROFILE,
        {"reason": BillingReason.NO_CONSENT},
    ),
    ("outreach needs no consent", outreach_member(), PROFILE, {"billable": True}),
    # step 4: care plan
    (
        "grace period over, no plan",
        enrolled_member(segments=[("enrolled", d("2023-12-31"), None)], care_plans_signed=[]),
        PROFILE,
        {"reason": BillingReason.NO_CARE_PLAN},
    ),
    (
        "exactly 90 days is still within the grace period",
        enrolled_member(segments=[("enrolled", d("2024-01-01"), None)], care_plans_signed=[]),
        PROFILE,
        {"billable": True},
    ),
    (
        "plan signed on the last day",
        enrolled_member(segments=[("enrolled", d("2023-06-01"), None)], care_plans_signed=[d("2024-03-31")]),
        PROFILE,
        {"billable": True},
    ),
    (
        "plan signed the month after",
        enrolled_member(segments=[("enrolled", d("2023-06-01"), None)], care_plans_signed=[d("2024-04-01")]),
        PROFILE,
        {"reason": BillingReason.NO_CARE_PLAN},
    ),
    (
        "grace counts from the current enrolled segment",
        enrolled_member(
            segments=[("enrolled", d("2023-01-01"), d("2024-03-05")), ("enrolled", d("2024-03-20"), None)],
            care_plans_signed=[],
            contacts=[(d("2024-03-25"), "phone", {"CM"})],
        ),
        PROFILE,
        {"billable": True},
    ),
    (
        "consent is checked before the care plan",
        enrolled_member(segments=[("enrolled", d("2023-01-01"), None)], consents=[], care_plans_signed=[]),
        PROFILE,
        {"reason": BillingReason.NO_CONSENT},
    ),
    # step 6: tier and rate code
    (
        "tier change mid-month: tier on the last day wins",
        enrolled_member(tiers=[("standard", d("2024-01-01")), ("high_risk", d("2024-03-16"))]),
        PROFILE,
        {"tier": Tier.HIGH_RISK, "rate_code": "1874", "amount": Decimal("303.00")},
    ),
    (
        "tier change on the last day",
        enrolled_member(tiers=[("standard", d("2024-01-01")), ("high_risk", d("2024-03-31"))]),
        PROFILE,
        {"tier": Tier.HIGH_RISK, "rate_code": "1874"},
    ),
    (
        "tier change the next month does not apply",
        enrolled_member(tiers=[("high_risk", d("2024-04-01")), ("standard", d("2024-01-01"))]),
        PROFILE,
        {"tier": Tier.STANDARD, "rate_code": "1873"},
    ),
    (
        "no tier on record",
        enrolled_member(tiers=[]),
        PROFILE,
        {"reason": BillingReason.NO_RATE_CODE, "tier": None},
    ),
    (
        "tier without a code in the profile",
        enrolled_member(tiers=[("child_low", d("2024-01-01"))]),
        PROFILE,
        {"reason": BillingReason.NO_RATE_CODE, "rate_code": None, "amount": None},
    ),
    (
        "downstate amount",
        enrolled_member(),
        BillingProfile.from_dict(PROFILE_DATA, region="downstate"),
        {"rate_code": "1873", "amount": Decimal("215.13")},
    ),
    (
        "outreach without an outreach code",
        outreach_member(),
        PROFILE_WITHOUT_OUTREACH_CODE,
        {"reason": BillingReason.NO_RATE_CODE, "segment": SegmentType.OUTREACH},
    ),
    # Health Home Plus
    (
        "HH+ minimum met",
        enrolled_member(tiers=[("hh_plus", d("2024-01-01"))], contacts=hh_plus_contacts(2, 2)),
        PROFILE,
        {"rate_code": "1853", "amount": Decimal("822.12"), "note": None, "hh_plus_minimum_met": True},
    ),
    (
        "HH+ with only one in person",
        enrolled_member(tiers=[("hh_plus", d("2024-01-01"))], contacts=hh_plus_contacts(1, 5)),
        PROFILE,
        {
            "rate_code": "1874",
            "note": HH_PLUS_MINIMUM_NOT_MET,
            "billable": True,
            "hh_plus_minimum_met": False,
        },
    ),
    (
        "HH+ with three contacts",
        enrolled_member(tiers=[("hh_plus", d("2024-01-01"))], contacts=hh_plus_contacts(3, 0)),
        PROFILE,
        {"rate_code": "1874", "note": HH_PLUS_MINIMUM_NOT_MET, "qualifying_contacts": 3},
    ),
    (
        "HH+ with one contact still bills",
        enrolled_member(tiers=[("hh_plus", d("2024-01-01"))]),
        PROFILE,
        {"rate_code": "1874", "note": HH_PLUS_MINIMUM_NOT_MET, "billable": True},
    ),
    (
        "HH+ below minimum and no fallback code",
        enrolled_member(tiers=[("hh_plus", d("2024-01-01"))]),
        PROFILE_WITHOUT_FALLBACK_CODE,
        {"reason": BillingReason.NO_RATE_CODE, "note": HH_PLUS_MINIMUM_NOT_MET},
    ),
    (
        "HH+ no note when another reason stops the month",
        enrolled_member(tiers=[("hh_plus", d("2024-01-01"))], consents=[]),
        PROFILE,
        {"reason": BillingReason.NO_CONSENT, "note": None, "hh_plus_minimum_met": False},
    ),
    ("not HH+: no minimum flag", enrolled_member(), PROFILE, {"hh_plus_minimum_met": None}),
]


@pytest.mark.parametrize(
    ("facts", "profile", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_month_cases(facts: MemberBillingFacts, profile: BillingProfile, expected: dict[str, Any]) -> None:
    evaluation = evaluate_month(facts, profile, MARCH)
    assert evaluation.service_month == ServiceMonth(2024, 3)
    for attribute, value in expected.items():
        assert getattr(evaluation, attribute) == value, attribute


def test_every_reason_code_and_the_note_are_covered_by_the_table() -> None:
    reasons = {case[3].get("reason") for case in CASES}
    outreach_reasons = {
        BillingReason.OUTREACH_LIMIT,
        BillingReason.OUTREACH_NEEDS_FACE_TO_FACE,
        BillingReason.OUTREACH_LIMIT_12M,
        BillingReason.OUTREACH_BILLED_ELSEWHERE,  # in test_billing_rules_ny.py
        BillingReason.CHILD_MINIMUM_NOT_MET,  # in test_billing_rules_ny.py
    }  # covered by the year-long tables below
    payer_step = {BillingReason.NO_PAYER}  # applied after the evaluator: tests/domain/test_payers.py
    assert set(BillingReason) - outreach_reasons - payer_step <= reasons
    assert any(case[3].get("note") == HH_PLUS_MINIMUM_NOT_MET for case in CASES)


# -- outreach limits over a year --------------------------------------------------------------------------

R = BillingReason
OK = None  # billable

# (id, contact mode each month from 2023-01 on (None: no contact), expected reason per month)
OUTREACH_YEARS: list[tuple[str, list[str | None], list[BillingReason | None]]] = [
    (
        "phone every month: every other month needs face to face, then the 12-month limit",
        ["phone"] * 14,
        # Jan Feb Mar Apr May Jun Jul | Aug..Dec: 4 counted in the 11 months before, so a 5th in a rolling 12
        # | Jan 2024: Feb..Dec hold 3 | Feb 2024: Mar 2023..Jan 2024 hold 4 again
        [
            OK,
            R.OUTREACH_NEEDS_FACE_TO_FACE,
            OK,
            R.OUTREACH_NEEDS_FACE_TO_FACE,
            OK,
            R.OUTREACH_NEEDS_FACE_TO_FACE,
            OK,
        ]
        + [R.OUTREACH_LIMIT_12M] * 5
        + [OK, R.OUTREACH_LIMIT_12M],
    ),
    (
        "in person every month: two in a row, then the limit, then the 12-month limit",
        ["in_person"] * 15,
        # counted Jan, Feb, Apr, May 2023; Jun..Dec would make a 5th in 12; Jan and Feb 2024 see 3; Mar 2024 4
        [OK, OK, R.OUTREACH_LIMIT, OK, OK] + [R.OUTREACH_LIMIT_12M] * 7 + [OK, OK, R.OUTREACH_LIMIT_12M],
    ),
    (
        "a month without contact resets the consecutive count",
        ["phone", None, "phone", None, "phone", None, "phone", None, "phone"],
        [
            OK,
            R.NO_CORE_SERVICE,
            OK,
            R.NO_CORE_SERVICE,
            OK,
            R.NO_CORE_SERVICE,
            OK,
            R.NO_CORE_SERVICE,
            R.OUTREACH_LIMIT_12M,
        ],
    ),
    (
        "face to face after a counted month is allowed once",
        ["phone", "in_person", "in_person", "phone"],
        [OK, OK, R.OUTREACH_LIMIT, OK],
    ),
]


def _outreach_year_facts(modes: list[str | None], start: date = date(2023, 1, 1)) -> MemberBillingFacts:
    first = ServiceMonth.of(start)
    contacts = [
        (first.shift(offset).first_day + timedelta(days=9), mode, {"CM"})
        for offset, mode in enumerate(modes)
        if mode is not None
    ]
    return MemberBillingFacts(segments=[("outreach", start, None)], contacts=contacts)


@pytest.mark.parametrize(
    ("modes", "expected"), [c[1:] for c in OUTREACH_YEARS], ids=[c[0] for c in OUTREACH_YEARS]
)
def test_outreach_limits_over_a_year(modes: list[str | None], expected: list[BillingReason | None]) -> None:
    facts = _outreach_year_facts(modes)
    months = [ServiceMonth(2023, 1).shift(i) for i in range(len(modes))]
    reasons = [evaluation.reason for evaluation in evaluate_months(facts, PROFILE, months)]
    assert reasons == expected
    # the same verdicts when each month is evaluated alone, latest first (history is worked out on demand)
    assert [evaluate_month(facts, PROFILE, month).reason for month in reversed(months)] == expected[::-1]


def test_outreach_months_without_a_rate_code_still_count_toward_the_limits() -> None:
    facts = _outreach_year_facts(["phone", "phone", "in_person"])
    reasons = [
        e.reason
        for e in evaluate_months(facts, PROFILE_WITHOUT_OUTREACH_CODE, ["2023-01", "2023-02", "2023-03"])
    ]
    assert reasons == [R.NO_RATE_CODE, R.OUTREACH_NEEDS_FACE_TO_FACE, R.NO_RATE_CODE]


def test_enrolled_months_between_outreach_months_do_not_count() -> None:
    facts = MemberBillingFacts(
        segments=[
            ("outreach", d("2023-01-01"), d("2023-01-31")),
            ("enrolled", d("2023-02-01"), d("2023-03-31")),
            ("outreach", d("2023-04-01"), None),
        ],
        consents=[("consent", d("2023-02-01"))],
        tiers=[("standard", d("2023-02-01"))],
        contacts=[(ServiceMonth(2023, m).first_day, "in_person", {"CM"}) for m in range(1, 9)],
    )
    months = months_between(ServiceMonth(2023, 1), ServiceMonth(2023, 8))
    reasons = [e.reason for e in evaluate_months(facts, PROFILE, months)]
    # Jan counted; Feb and Mar enrolled (billable, never counted), so April is not a third month in a row;
    # Apr and May counted, so June hits the limit; July is the 4th counted month in 12, August the 5th
    assert reasons == [OK, OK, OK, OK, OK, R.OUTREACH_LIMIT, OK, R.OUTREACH_LIMIT_12M]


def test_months_before_the_first_segment_do_not_count() -> None:
    # contacts before any segment are ignored; the first outreach month is billable
    facts = MemberBillingFacts(
        segments=[("outreach", d("2024-03-01"), None)],
        contacts=[(ServiceMonth(2024, m).first_day, "phone", {"CM"}) for m in range(1, 4)],
    )
    assert [e.reason for e in evaluate_months(facts, PROFILE, ["2024-01", "2024-02", "2024-03"])] == [
        R.NO_SEGMENT,
        R.NO_SEGMENT,
        OK,
    ]


def test_rolling_twelve_months_include_the_service_month() -> None:
    # "Outreach billable months cannot exceed 4 months in a rolling twelve (12) month period" (NY DOH interim
    # outreach guidance, 2017-10-18). Counted: 2023-01, 03, 05, 07. December 2023 would be a 5th month in
    # January-December 2023; January 2024's twelve months (Feb 2023 - Jan 2024) hold 3, so it bills.
    # The old rule looked at the 12 months before the month (a 13-month window) and refused January.
    modes: list[str | None] = ["phone", None] * 4 + [None] * 3 + ["phone", "phone"]
    facts = _outreach_year_facts(modes)
    assert evaluate_month(facts, PROFILE, "2023-12").reason is R.OUTREACH_LIMIT_12M
    assert evaluate_month(facts, PROFILE, "2024-01").reason is OK


def test_long_outreach_history_is_evaluated_without_recursion() -> None:
    facts = _outreach_year_facts(["in_person"] * 12 * 40, start=date(1985, 1, 1))
    evaluator = BillingEvaluator(facts, PROFILE)
    last = evaluator.evaluate(ServiceMonth(1985, 1).shift(12 * 40 - 1))
    assert last.segment is SegmentType.OUTREACH


# -- helpers ----------------------------------------------------------------------------------------------


def test_month_bounds_and_service_month_text() -> None:
    assert month_bounds("2024-02") == (d("2024-02-01"), d("2024-02-29"))
    assert month_bounds(ServiceMonth(2023, 12)) == (d("2023-12-01"), d("2023-12-31"))
    assert str(ServiceMonth.parse("2024-03")) == "2024-03"
    assert ServiceMonth(2024, 1).shift(-1) == ServiceMonth(2023, 12)
    for bad in ("2024-13", "2024-3", "24-03", "2024/03", "", "2024-00"):
        with pytest.raises(ValueError, match="YYYY-MM|1 to 12"):
            ServiceMonth.parse(bad)


def test_consent_and_care_plan_dates_for_the_exports() -> None:
    facts = enrolled_member(
        consents=[
            ("consent", d("2023-01-01")),
            ("withdrawal", d("2023-05-01")),
            ("consent", d("2024-02-10")),
        ],
        care_plans_signed=[d("2023-02-01"), d("2024-03-02"), d("2024-04-01")],
    )
    assert consent_date_on(facts, d("2024-03-31")) == d("2024-02-10")
    assert consent_date_on(facts, d("2023-06-30")) is None
    assert care_plan_date_on(facts, d("2024-03-31")) == d("2024-03-02")
    assert care_plan_date_on(facts, d("2023-01-31")) is None


def test_facts_refuse_a_segment_that_ends_before_it_starts() -> None:
    with pytest.raises(ValueError, match="end before it starts"):
        MemberBillingFacts(segments=[("enrolled", d("2024-03-02"), d("2024-03-01"))])


# -- properties -------------------------------------------------------------------------------------------

WINDOW_START = date(2023, 1, 1)
WINDOW_DAYS = 730
MONTHS = list(months_between(ServiceMonth(2023, 1), ServiceMonth(2024, 12)))

days = st.integers(min_value=0, max_value=WINDOW_DAYS - 1).map(lambda n: WINDOW_START + timedelta(days=n))
segments = st.lists(
    st.tuples(st.sampled_from(list(SegmentType)), days, st.one_of(st.none(), st.integers(0, 400))).map(
        lambda t: (t[0], t[1], None if t[2] is None else t[1] + timedelta(days=t[2]))
    ),
    max_size=3,
)
contacts = st.lists(
    st.tuples(
        days,
        st.sampled_from(list(ContactMode)),
        st.frozensets(st.sampled_from(["CM", "CC", "TC", "FS", "RS", "IT"])),
    ),
    max_size=40,
)
facts_strategy = st.builds(
    MemberBillingFacts,
    segments=segments,
    consents=st.lists(st.tuples(st.sampled_from(["consent", "withdrawal", "opt_out"]), days), max_size=3),
    care_plans_signed=st.lists(days, max_size=2),
    tiers=st.lists(st.tuples(st.sampled_from(list(Tier)), days), max_size=3),
    contacts=contacts,
)


@settings(max_examples=150, deadline=None)
@given(facts_strategy)
def test_properties_of_every_month(facts: MemberBillingFacts) -> None:
    evaluations = evaluate_months(facts, PROFILE, MONTHS)
    for evaluation in evaluations:
        assert evaluation.billable == (evaluation.reason is None)
        assert 0 <= evaluation.in_person_contacts <= evaluation.qualifying_contacts
        assert (evaluation.rate_code is not None) == evaluation.billable
        assert list(evaluation.core_services) == sorted(set(evaluation.core_services))
        assert (evaluation.qualifying_contacts > 0) == bool(evaluation.core_services)
        if evaluation.reason is BillingReason.NO_SEGMENT:
            assert evaluation.segment is None and evaluation.qualifying_contacts == 0
        if evaluation.note is not None:
            assert evaluation.tier is Tier.HH_PLUS and evaluation.hh_plus_minimum_met is False
        if evaluation.segment is not SegmentType.ENROLLED:
            assert evaluation.reason not in (BillingReason.NO_CONSENT, BillingReason.NO_CARE_PLAN)
            assert evaluation.hh_plus_minimum_met is None
        else:
            assert evaluation.reason not in (
                BillingReason.OUTREACH_LIMIT,
                BillingReason.OUTREACH_LIMIT_12M,
                BillingReason.OUTREACH_NEEDS_FACE_TO_FACE,
            )


@settings(max_examples=150, deadline=None)
@given(facts_strategy)
def test_outreach_limits_hold_and_match_a_plain_reading_of_step_5(facts: MemberBillingFacts) -> None:
    evaluations = evaluate_months(facts, PROFILE, MONTHS)
    counted = [e.counts_toward_outreach_limits for e in evaluations]
    for index, evaluation in enumerate(evaluations):
        if evaluation.segment is not SegmentType.OUTREACH or evaluation.qualifying_contacts == 0:
            continue
        # the months before the window: the strategy puts every date inside it, so nothing earlier counts
        # the 11 months before: with the month itself, a rolling 12 months
        before = [counted[index - back] if index - back >= 0 else False for back in range(1, 12)]
        has_in_person = evaluation.in_person_contacts > 0
        if sum(before) >= 4:
            expected = BillingReason.OUTREACH_LIMIT_12M
        elif before[0] and before[1]:
            expected = BillingReason.OUTREACH_LIMIT
        elif before[0] and not has_in_person:
            expected = BillingReason.OUTREACH_NEEDS_FACE_TO_FACE
        else:
            expected = None
        assert evaluation.reason == expected, str(evaluation.service_month)
        if counted[index]:
            assert sum(before) <= 3 and not (before[0] and before[1])
    # no rolling 12 months holds more than 4 counted months
    for end in range(len(counted)):
        assert sum(counted[max(0, end - 11): end + 1]) <= 4


@settings(max_examples=75, deadline=None)
@given(facts_strategy, st.permutations(MONTHS))
def test_verdicts_do_not_depend_on_the_order_months_are_asked_for(
    facts: MemberBillingFacts, order: list[ServiceMonth]
) -> None:
    in_order = {e.service_month: e for e in evaluate_months(facts, PROFILE, MONTHS)}
    shuffled = {e.service_month: e for e in evaluate_months(facts, PROFILE, order)}
    assert in_order == shuffled


@settings(max_examples=75, deadline=None)
@given(facts_strategy, days, st.frozensets(st.sampled_from(["CM", "CC"]), min_size=1))
def test_mail_contacts_never_change_a_verdict(
    facts: MemberBillingFacts, day: date, services: frozenset[str]
) -> None:
    with_mail = replace(facts, contacts=(*facts.contacts, ContactFact(day, ContactMode.MAIL, services)))
    assert evaluate_months(facts, PROFILE, MONTHS) == evaluate_months(with_mail, PROFILE, MONTHS)


@settings(max_examples=75, deadline=None)
@given(facts_strategy)
def test_a_qualifying_contact_never_turns_a_billable_enrolled_month_unbillable(
    facts: MemberBillingFacts,
) -> None:
    before: list[MonthEvaluation] = evaluate_months(facts, PROFILE, MONTHS)
    for evaluation in before:
        if evaluation.billable and evaluation.segment is SegmentType.ENROLLED:
            month = evaluation.service_month
            extra = replace(
                facts,
                contacts=(*facts.contacts, ContactFact(month.last_day, ContactMode.PHONE, frozenset({"CM"}))),
            )
            if any(s.kind is SegmentType.ENROLLED and s.contains(month.last_day) for s in facts.segments):
                assert evaluate_month(extra, PROFILE, month).billable
