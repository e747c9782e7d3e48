"""Billing profile validation and agency overrides (hhdesk.domain.billing_profile)."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from hhdesk.domain.billing_profile import BillingProfile, ClaimType, ProfileError, RateCode, ServiceDates
from hhdesk.domain.enums import Tier

BASE: dict[str, Any] = {
    "format": 1,
    "kind": "billing",
    "name": "sample",
    "title": "Sample profile",
    "claim": {"type": "837I", "facility_type_code": "34", "revenue_code": "0500"},
    "regions": ["upstate", "downstate"],
    "default_region": "upstate",
    "tiers": {
        "standard": {"rate_code": "1873", "amounts": {"upstate": "202.00", "downstate": "215.13"}},
        "high_risk": {"rate_code": "1874", "amounts": {"upstate": "303", "downstate": None}},
    },
    "hh_plus_fallback_tier": "high_risk",
    "outreach": {"rate_code": "", "amounts": {"upstate": None, "downstate": None}},
}


def build(changes: dict[str, Any] | None = None, **kwargs: Any) -> BillingProfile:
    data = copy.deepcopy(BASE)
    data.update(changes or {})
    return BillingProfile.from_dict(data, **kwargs)


def test_reads_a_valid_profile_with_defaults() -> None:
    profile = build()
    assert profile.region == "upstate"
    assert profile.tier_rates[Tier.STANDARD] == RateCode("1873", Decimal("202.00"))
    assert profile.tier_rates[Tier.HIGH_RISK].amount == Decimal("303.00")
    assert profile.outreach_rate is None
    assert profile.care_plan_grace_days == 90
    assert (profile.hh_plus_min_qualifying, profile.hh_plus_min_in_person) == (4, 2)
    assert profile.claim.claim_type is ClaimType.INSTITUTIONAL
    assert profile.claim.service_dates is ServiceDates.MONTH
    assert profile.rate_for_tier(Tier.HH_PLUS) is None and profile.rate_for_tier(None) is None


def test_region_and_overrides() -> None:
    profile = build(
        region="downstate",
        overrides={
            "region": "upstate",  # the explicit argument wins
            "outreach_rate_code": "1386",
            "outreach_amount": "135.50",
            "rate_amounts": {"1874": "330.00"},
            "care_plan_grace_days": 60,
        },
    )
    assert profile.region == "downstate"
    assert profile.tier_rates[Tier.STANDARD].amount == Decimal("215.13")
    assert profile.tier_rates[Tier.HIGH_RISK].amount == Decimal("330.00")
    assert profile.outreach_rate == RateCode("1386", Decimal("135.50"))
    assert profile.care_plan_grace_days == 60
    assert [rate.code for rate in profile.rate_codes] == ["1873", "1874", "1386"]


def test_professional_profile_overrides() -> None:
    profile = build(
        {
            "claim": {"type": "837P"},
            "regions": ["statewide"],
            "default_region": "statewide",
            "tiers": {"standard": {"rate_code": "S0280", "amounts": {"statewide": None}}},
        },
        overrides={
            "hcpcs_code": "g9001",
            "modifiers": "u1, hk",
            "place_of_service": "11",
            "rate_amounts": {"G9001": "350"},
        },
    )
    assert profile.tier_rates[Tier.STANDARD] == RateCode("G9001", Decimal("350.00"))
    assert profile.claim.modifiers == ("U1", "HK")
    assert profile.claim.place_of_service == "11"


@pytest.mark.parametrize(
    ("changes", "kwargs", "message"),
    [
        ({"kind": "program"}, {}, "not a billing profile"),
        ({"format": 2}, {}, "'format' must be 1"),
        ({"title": ""}, {}, "'title' must be a non-empty text"),
        ({"regions": []}, {}, "'regions' must be a list"),
        ({}, {"region": "midstate"}, "region must be one of upstate, downstate"),
        ({"tiers": {}}, {}, "'tiers' must map"),
        ({"tiers": {"platinum": {"rate_code": "1", "amounts": {}}}}, {}, "'tiers.platinum' must be one of"),
        ({"tiers": {"standard": {"rate_code": "18 73", "amounts": {}}}}, {}, "tiers.standard.rate_code"),
        (
            {"tiers": {"standard": {"rate_code": "1873", "amounts": {"upstate": 202.0}}}},
            {},
            "written as text",
        ),
        ({"tiers": {"standard": {"rate_code": "1873", "amounts": {"upstate": "-1"}}}}, {}, "0 or more"),
        (
            {"tiers": {"standard": {"rate_code": "1873", "amounts": {"upstate": "2.001"}}}},
            {},
            "at most 2 decimals",
        ),
        ({"tiers": {"standard": {"rate_code": "1873", "amounts": {"upstate": "abc"}}}}, {}, "amount like"),
        (
            {"tiers": {"standard": {"rate_code": "1873", "amounts": {"midstate": "1"}}}},
            {},
            "not in 'regions'",
        ),
        ({"claim": {"type": "837X"}}, {}, "'claim.type' must be 837I or 837P"),
        ({"claim": {"type": "837I", "revenue_code": "500"}}, {}, "'claim.revenue_code' must be 4 digits"),
        ({"claim": {"type": "837I", "service_dates": "week"}}, {}, "month or last_day"),
        ({"hh_plus_fallback_tier": "gold"}, {}, "hh_plus_fallback_tier"),
        ({"care_plan_grace_days": -1}, {}, "care_plan_grace_days"),
        ({}, {"overrides": {"colour": "blue"}}, "unknown agency setting"),
        ({}, {"overrides": {"modifiers": ["U1", "TOOLONG"]}}, "two letters or digits"),
        ({}, {"overrides": {"modifiers": ["U1", "U2", "U3", "U4", "U5"]}}, "at most 4"),
        ({}, {"overrides": {"place_of_service": "1"}}, "2-digit code"),
        ({}, {"overrides": {"hcpcs_code": "S0280"}}, "professional-claim"),
        ({}, {"overrides": {"outreach_rate_code": "13 86"}}, "outreach rate code"),
        # dated rates, minimums and face-to-face settings
        ({"tiers": {"standard": {"rate_code": "1873", "rates": []}}}, {}, "dated amounts"),
        ({"tiers": {"standard": {"rate_code": "1873", "rates": [
            {"effective": "2024-04-01", "amounts": {"upstate": "1"}, "source": "s", "source_date": "2024"},
            {"effective": "2024-01-01", "amounts": {"upstate": "2"}, "source": "s", "source_date": "2024"}]}}},
         {}, "in date order"),
        ({"tiers": {"standard": {"rate_code": "1873", "rates": [
            {"effective": "2024-04-01", "amounts": {"upstate": "1"}, "source": "", "source_date": "2024"}]}}},
         {}, "name its source"),
        ({"tiers": {"standard": {"rate_code": "1873", "rates": [
            {"effective": "04/01/2024", "amounts": {"upstate": "1"}, "source": "s", "source_date": "2024"}]}}},
         {}, "YYYY-MM-DD"),
        ({"tiers": {"standard": {"rate_code": "1873", "rates": [
            {"effective": "2024-04-01", "amounts": {"upstate": "1"}, "source": "s", "source_date": "",
             "status": "rumoured"}]}}}, {}, "status"),
        ({"hh_plus_minimums": {"smi": {"qualifying_contacts": 4, "in_person": 5}}}, {}, "more in-person"),
        ({"hh_plus_minimums": {"tb": {"qualifying_contacts": 4}}}, {}, "not one of aot, hiv, smi"),
        ({"child_minimums": {"standard": {"service_days": 1}}}, {}, "child_low, child_medium, child_high"),
        ({"child_minimums": {"child_high": {"service_days": 1, "face_to_face": 2}}}, {}, "more face-to-face"),
        ({"outreach_face_to_face_with": ["member", "neighbour"]}, {}, "outreach_face_to_face_with"),
        ({"outreach_face_to_face_with": []}, {}, "outreach_face_to_face_with"),
        ({"aot_applies": "sometimes"}, {}, "any_day or last_day"),
        ({"hh_plus_default_population": "aot"}, {}, "hh_plus_default_population"),
        ({}, {"overrides": {"confirmed_rates": ["1873@2024-13-01"]}}, "YYYY-MM-DD"),
        ({}, {"overrides": {"confirmed_rates": [1873]}}, "confirmed_rates"),
    ],
)
def test_refuses_a_bad_profile_naming_the_field(
    changes: dict[str, Any], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ProfileError, match=message) as caught:
        build(changes, **kwargs)
    assert str(caught.value).startswith("billing profile 'sample'")


def test_refuses_a_non_object() -> None:
    with pytest.raises(ProfileError, match="JSON object"):
        BillingProfile.from_dict(["not", "a", "profile"])  # type: ignore[arg-type]
