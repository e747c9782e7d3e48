"""Billing profiles: the state-specific part of monthly billing (codes, rates, claim conventions), as data.

A profile arrives as a plain dict (read from `resources/profiles/*.json` by `hhdesk.exports.profiles`) and is
checked here, so that a broken or half-filled profile is refused with a message naming the field, before any
month is evaluated. The agency's own choices (region, outreach code, HCPCS code, modifiers, rate updates) come
in as an `overrides` dict and are applied on top of the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from hhdesk.domain.enums import Tier

PROFILE_KIND = "billing"
PROFILE_FORMAT = 1
DEFAULT_CARE_PLAN_GRACE_DAYS = 90
DEFAULT_HH_PLUS_MIN_QUALIFYING = 4
DEFAULT_HH_PLUS_MIN_IN_PERSON = 2

OVERRIDE_KEYS = frozenset(
    {
        "region",
        "outreach_rate_code",
        "outreach_amount",
        "hcpcs_code",
        "modifiers",
        "place_of_service",
        "rate_amounts",
        "care_plan_grace_days",
    }
)

_RATE_CODE_PATTERN = re.compile(r"[A-Za-z0-9]{1,30}")
_HCPCS_PATTERN = re.compile(r"[A-Z][0-9]{4}|[0-9]{5}")
_MODIFIER_PATTERN = re.compile(r"[A-Z0-9]{2}")
_TWO_DIGITS = re.compile(r"[0-9]{2}")
_REVENUE_CODE_PATTERN = re.compile(r"[0-9]{4}")
_TAXONOMY_FREE_CODE = re.compile(r"[A-Z0-9]{1,2}")


class ProfileError(ValueError):
    """A billing profile or an agency override is missing something or holds a value of the wrong shape."""


class ClaimType(StrEnum):
    INSTITUTIONAL = "837I"
    PROFESSIONAL = "837P"


class ServiceDates(StrEnum):
    """Which dates a claim gives for a monthly service."""

    MONTH = "month"  # first to last day of the service month
    LAST_DAY = "last_day"  # the last day of the service month only


@dataclass(frozen=True)
class RateCode:
    """A billing code and its monthly amount in the profile's chosen region (None: not yet set)."""

    code: str
    amount: Decimal | None


@dataclass(frozen=True)
class ClaimRules:
    """How the claim file presents a billable member-month; see docs/billing.md for the reasons."""

    claim_type: ClaimType
    claim_filing_indicator: str = "MC"  # SBR09: Medicaid
    service_dates: ServiceDates = ServiceDates.MONTH
    claim_frequency_code: str = "1"  # original claim
    # institutional (837I)
    facility_type_code: str = "89"
    revenue_code: str = "0500"
    value_code: str = "24"  # NY: the rate code travels as the amount of value code 24
    patient_status_code: str = "30"
    # professional (837P)
    place_of_service: str = "99"
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class BillingProfile:
    """A validated billing profile with one region chosen and the agency's overrides applied."""

    name: str
    title: str
    region: str
    regions: tuple[str, ...]
    claim: ClaimRules
    tier_rates: Mapping[Tier, RateCode] = field(default_factory=dict)
    outreach_rate: RateCode | None = None
    hh_plus_fallback_tier: Tier | None = None
    hh_plus_min_qualifying: int = DEFAULT_HH_PLUS_MIN_QUALIFYING
    hh_plus_min_in_person: int = DEFAULT_HH_PLUS_MIN_IN_PERSON
    care_plan_grace_days: int = DEFAULT_CARE_PLAN_GRACE_DAYS
    source_note: str = ""

    def rate_for_tier(self, tier: Tier | None) -> RateCode | None:
        return None if tier is None else self.tier_rates.get(tier)

    @property
    def rate_codes(self) -> tuple[RateCode, ...]:
        """Every code the profile can bill, tiers first, without repeats."""
        seen: dict[str, RateCode] = {}
        for rate in [*self.tier_rates.values(), *([self.outreach_rate] if self.outreach_rate else [])]:
            seen.setdefault(rate.code, rate)
        return tuple(seen.values())

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        *,
        region: str | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> BillingProfile:
        """Check a profile dict and build the profile for one region, with agency overrides applied.

        `region` wins over `overrides["region"]`, which wins over the profile's `default_region`.
        Raises ProfileError with a message naming the offending field.
        """
        return _ProfileReader(data).read(region=region, overrides=dict(overrides or {}))


class _ProfileReader:
    """Reads one profile dict; keeps the profile's name for messages."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        if not isinstance(data, Mapping):
            raise ProfileError("a billing profile must be a JSON object")
        self.data = data
        name = data.get("name")
        self.label = f"billing profile '{name}'" if isinstance(name, str) and name else "billing profile"

    def fail(self, message: str) -> ProfileError:
        return ProfileError(f"{self.label}: {message}")

    def read(self, *, region: str | None, overrides: dict[str, Any]) -> BillingProfile:
        unknown = sorted(set(overrides) - OVERRIDE_KEYS)
        if unknown:
            raise self.fail(
                f"unknown agency setting(s) {', '.join(unknown)}; allowed: {', '.join(sorted(OVERRIDE_KEYS))}"
            )
        data = self.data
        if data.get("kind") != PROFILE_KIND:
            raise self.fail(f"this is not a billing profile ('kind' must be \"{PROFILE_KIND}\")")
        if data.get("format") != PROFILE_FORMAT:
            raise self.fail(f"'format' must be {PROFILE_FORMAT}")
        name = self.text("name", required=True)
        title = self.text("title", required=True)
        regions = self.regions()
        chosen_region = region or overrides.get("region") or data.get("default_region") or regions[0]
        if chosen_region not in regions:
            raise self.fail(f"region must be one of {', '.join(regions)}")

        rate_amount_overrides = self.rate_amount_overrides(overrides.get("rate_amounts"))
        claim = self.claim_rules(overrides)
        tier_code_override: str | None = None
        if overrides.get("hcpcs_code"):
            if claim.claim_type is not ClaimType.PROFESSIONAL:
                raise self.fail(
                    "agency setting hcpcs_code applies to professional-claim (837P) profiles only"
                )
            tier_code_override = self.hcpcs(overrides["hcpcs_code"], "agency setting hcpcs_code")
        tier_rates = self.tier_rates(chosen_region, rate_amount_overrides, tier_code_override)
        outreach_rate = self.outreach_rate(chosen_region, overrides, rate_amount_overrides)

        fallback = self.optional_tier(data.get("hh_plus_fallback_tier"), "hh_plus_fallback_tier")
        minimum = data.get("hh_plus_minimum", {})
        if not isinstance(minimum, Mapping):
            raise self.fail(
                "'hh_plus_minimum' must be an object with qualifying_contacts and in_person_contacts"
            )
        grace_days = overrides.get("care_plan_grace_days", data.get("care_plan_grace_days"))
        return BillingProfile(
            name=name,
            title=title,
            region=chosen_region,
            regions=regions,
            claim=claim,
            tier_rates=tier_rates,
            outreach_rate=outreach_rate,
            hh_plus_fallback_tier=fallback,
            hh_plus_min_qualifying=self.count(
                minimum.get("qualifying_contacts", DEFAULT_HH_PLUS_MIN_QUALIFYING),
                "hh_plus_minimum.qualifying_contacts",
            ),
            hh_plus_min_in_person=self.count(
                minimum.get("in_person_contacts", DEFAULT_HH_PLUS_MIN_IN_PERSON),
                "hh_plus_minimum.in_person_contacts",
            ),
            care_plan_grace_days=self.count(
                DEFAULT_CARE_PLAN_GRACE_DAYS if grace_days is None else grace_days, "care_plan_grace_days"
            ),
            source_note=self.text("source_note", required=False),
        )

    # -- pieces -------------------------------------------------------------------------------------------

    def text(self, key: str, *, required: bool) -> str:
        value = self.data.get(key, "")
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(f"'{key}' must be {'a non-empty ' if required else 'a '}text")
        return value.strip()

    def regions(self) -> tuple[str, ...]:
        regions = self.data.get("regions")
        if (
            not isinstance(regions, list)
            or not regions
            or not all(isinstance(item, str) and item for item in regions)
            or len(set(regions)) != len(regions)
        ):
            raise self.fail(
                '\'regions\' must be a list of distinct region names, e.g. ["upstate", "downstate"]'
            )
        return tuple(regions)

    def count(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(f"'{where}' must be a whole number of 0 or more")
        return value

    def amount(self, value: Any, where: str) -> Decimal | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            # floats are refused on purpose: 215.13 as a float is not 215.13
            raise self.fail(f"'{where}' must be an amount written as text, like \"202.00\"")
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise self.fail(f"'{where}' must be an amount like \"202.00\"") from None
        if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
            raise self.fail(f"'{where}' must be an amount of 0 or more with at most 2 decimals")
        return amount.quantize(Decimal("0.01"))

    def rate_code_text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not _RATE_CODE_PATTERN.fullmatch(value.strip()):
            raise self.fail(f"'{where}' must be a code of letters and digits, like \"1873\"")
        return value.strip()

    def hcpcs(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not _HCPCS_PATTERN.fullmatch(value.strip().upper()):
            raise self.fail(f"'{where}' must be a HCPCS code: a letter and 4 digits, like S0280")
        return value.strip().upper()

    def optional_tier(self, value: Any, where: str) -> Tier | None:
        if value is None or value == "":
            return None
        try:
            return Tier(value)
        except ValueError:
            raise self.fail(f"'{where}' must be one of {', '.join(t.value for t in Tier)}") from None

    def rate_amount_overrides(self, value: Any) -> dict[str, Decimal | None]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail("agency setting rate_amounts must map a rate code to an amount")
        return {
            self.rate_code_text(code, "agency setting rate_amounts"): self.amount(
                amount, f"agency setting rate_amounts.{code}"
            )
            for code, amount in value.items()
        }

    def region_amount(self, entry: Mapping[str, Any], region: str, where: str) -> Decimal | None:
        amounts = entry.get("amounts", {})
        if not isinstance(amounts, Mapping):
            raise self.fail(f"'{where}.amounts' must map each region to an amount")
        unknown = sorted(set(amounts) - set(self.regions()))
        if unknown:
            raise self.fail(f"'{where}.amounts' names region(s) not in 'regions': {', '.join(unknown)}")
        return self.amount(amounts.get(region), f"{where}.amounts.{region}")

    def tier_rates(
        self, region: str, amount_overrides: dict[str, Decimal | None], code_override: str | None
    ) -> dict[Tier, RateCode]:
        tiers = self.data.get("tiers")
        if not isinstance(tiers, Mapping) or not tiers:
            raise self.fail("'tiers' must map each billable tier to a rate code and amounts")
        rates: dict[Tier, RateCode] = {}
        for tier_name, entry in tiers.items():
            tier = self.optional_tier(tier_name, f"tiers.{tier_name}")
            assert tier is not None
            if not isinstance(entry, Mapping):
                raise self.fail(f"'tiers.{tier_name}' must be an object with rate_code and amounts")
            code = code_override or self.rate_code_text(
                entry.get("rate_code"), f"tiers.{tier_name}.rate_code"
            )
            amount = self.region_amount(entry, region, f"tiers.{tier_name}")
            rates[tier] = RateCode(code, amount_overrides.get(code, amount))
        return rates

    def outreach_rate(
        self, region: str, overrides: Mapping[str, Any], amount_overrides: dict[str, Decimal | None]
    ) -> RateCode | None:
        entry = self.data.get("outreach", {})
        if not isinstance(entry, Mapping):
            raise self.fail("'outreach' must be an object with rate_code and amounts")
        code_value = overrides.get("outreach_rate_code", entry.get("rate_code", ""))
        if code_value is None or (isinstance(code_value, str) and not code_value.strip()):
            return None  # the agency has not set an outreach code: outreach months show no_rate_code
        code = self.rate_code_text(code_value, "outreach rate code")
        if "outreach_amount" in overrides:
            amount = self.amount(overrides["outreach_amount"], "agency setting outreach_amount")
        else:
            amount = self.region_amount(entry, region, "outreach")
        return RateCode(code, amount_overrides.get(code, amount))

    def claim_rules(self, overrides: Mapping[str, Any]) -> ClaimRules:
        claim = self.data.get("claim")
        if not isinstance(claim, Mapping):
            raise self.fail("'claim' must be an object describing the claim file")
        try:
            claim_type = ClaimType(claim.get("type"))
        except ValueError:
            raise self.fail("'claim.type' must be 837I or 837P") from None
        try:
            service_dates = ServiceDates(claim.get("service_dates", ServiceDates.MONTH.value))
        except ValueError:
            raise self.fail("'claim.service_dates' must be month or last_day") from None

        def code(key: str, pattern: re.Pattern[str], default: str, shape: str) -> str:
            value = claim.get(key, default)
            if not isinstance(value, str) or not pattern.fullmatch(value):
                raise self.fail(f"'claim.{key}' must be {shape}")
            return value

        modifiers_value = overrides.get("modifiers", claim.get("modifiers", []))
        place_of_service = overrides.get("place_of_service", claim.get("place_of_service", "99"))
        if not isinstance(place_of_service, str) or not _TWO_DIGITS.fullmatch(place_of_service):
            raise self.fail("place of service must be a 2-digit code, like 11 or 99")
        return ClaimRules(
            claim_type=claim_type,
            claim_filing_indicator=code(
                "claim_filing_indicator", _TAXONOMY_FREE_CODE, "MC", "a code like MC"
            ),
            service_dates=service_dates,
            claim_frequency_code=code("claim_frequency_code", re.compile(r"[0-9]"), "1", "one digit, like 1"),
            facility_type_code=code("facility_type_code", _TWO_DIGITS, "89", "2 digits, like 89"),
            revenue_code=code("revenue_code", _REVENUE_CODE_PATTERN, "0500", "4 digits, like 0500"),
            value_code=code("value_code", _TAXONOMY_FREE_CODE, "24", "a value code like 24"),
            patient_status_code=code("patient_status_code", _TWO_DIGITS, "30", "2 digits, like 30"),
            place_of_service=place_of_service,
            modifiers=self.modifiers(modifiers_value),
        )

    def modifiers(self, value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [part for part in re.split(r"[\s,;:]+", value) if part]
        if not isinstance(value, list | tuple) or len(value) > 4:
            raise self.fail('modifiers must be a list of at most 4 two-character codes, like ["U1"]')
        modifiers = tuple(str(item).strip().upper() for item in value)
        if not all(_MODIFIER_PATTERN.fullmatch(item) for item in modifiers):
            raise self.fail("each modifier must be two letters or digits, like U1")
        return modifiers
