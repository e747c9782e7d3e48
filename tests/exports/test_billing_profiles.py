"""The bundled billing profiles in resources/profiles and the loader (hhdesk.exports.profiles)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from hhdesk.domain.billing_profile import ClaimType, ProfileError, RateCode
from hhdesk.domain.enums import Tier
from hhdesk.exports.profiles import available_profiles, describe_profiles, load_profile, read_profile_data


def test_bundled_billing_profiles_are_listed_and_other_kinds_are_not() -> None:
    assert available_profiles() == ["generic_837p", "ny_adult", "ny_children"]
    claim_types = {info.name: info.claim_type for info in describe_profiles()}
    assert claim_types == {"generic_837p": "837P", "ny_adult": "837I", "ny_children": "837I"}


@pytest.mark.parametrize("name", ["generic_837p", "ny_adult", "ny_children"])
def test_every_bundled_profile_loads_in_every_region(name: str) -> None:
    for region in read_profile_data(name)["regions"]:
        profile = load_profile(name, region=region)
        assert profile.region == region
        assert profile.source_note  # each profile says where its figures come from and what to confirm
        assert profile.outreach_rate is None  # the outreach code is the agency's to fill


def test_ny_adult_codes_and_rates() -> None:
    upstate = load_profile("ny_adult")
    downstate = load_profile("ny_adult", region="downstate")
    assert upstate.claim.claim_type is ClaimType.INSTITUTIONAL and upstate.claim.value_code == "24"
    assert upstate.care_plan_grace_days == 90
    assert {tier: rate.code for tier, rate in upstate.tier_rates.items()} == {
        Tier.HH_PLUS: "1853",
        Tier.HIGH_RISK: "1874",
        Tier.STANDARD: "1873",
    }
    assert upstate.tier_rates[Tier.STANDARD].amount == Decimal("202.00")
    assert downstate.tier_rates[Tier.STANDARD].amount == Decimal("215.13")
    assert upstate.hh_plus_fallback_tier is Tier.HIGH_RISK
    assert "confirm" in upstate.source_note


def test_ny_children_codes() -> None:
    profile = load_profile("ny_children")
    assert {tier: rate.code for tier, rate in profile.tier_rates.items()} == {
        Tier.CHILD_LOW: "1864",
        Tier.CHILD_MEDIUM: "1865",
        Tier.CHILD_HIGH: "1866",
    }


def test_generic_profile_takes_the_agency_code_modifiers_and_amount() -> None:
    profile = load_profile(
        "generic_837p",
        overrides={
            "hcpcs_code": "S0281",
            "modifiers": "U1,U2",
            "place_of_service": "11",
            "rate_amounts": {"S0281": "410.25"},
            "outreach_rate_code": "S0280",
            "outreach_amount": "95",
        },
    )
    assert profile.claim.claim_type is ClaimType.PROFESSIONAL
    assert set(profile.tier_rates.values()) == {RateCode("S0281", Decimal("410.25"))}
    assert profile.claim.modifiers == ("U1", "U2") and profile.claim.place_of_service == "11"
    assert profile.outreach_rate == RateCode("S0280", Decimal("95.00"))


def test_a_profile_can_be_loaded_from_a_path(tmp_path: Path) -> None:
    data = read_profile_data("ny_adult")
    data["name"] = "agency_copy"
    data["tiers"]["standard"]["rates"][-1]["amounts"]["upstate"] = "210.00"
    path = tmp_path / "agency_copy.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_profile(path).tier_rates[Tier.STANDARD].amount == Decimal("210.00")
    assert load_profile(str(path)).name == "agency_copy"


def test_unknown_or_broken_profiles_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(
        ProfileError, match="was not found; choose one of: generic_837p, ny_adult, ny_children"
    ):
        load_profile("ny_adults")
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": 1,', encoding="utf-8")
    with pytest.raises(ProfileError, match="not valid JSON \\(line 1"):
        load_profile(broken)
    with pytest.raises(ProfileError, match="not a billing profile"):
        load_profile("program_ny")
