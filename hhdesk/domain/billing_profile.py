"""Billing profiles: the state-specific part of monthly billing (codes, rates, claim conventions), as data.

A profile arrives as a plain dict (read from `resources/profiles/*.json` by `hhdesk.exports.profiles`) and is
checked here, so that a broken or half-filled profile is refused with a message naming the field, before any
month is evaluated. The agency's own choices (region, outreach code, HCPCS code, modifiers, rate updates,
which amounts it has confirmed) come in as an `overrides` dict and are applied on top of the file.

Amounts are effective-dated: a rate code carries one or more `RatePeriod`s, each with the date from which
it applies, its amount per region, the source it was read from and that source's date, and its status in
the source (published, or pending CMS approval). A month bills at the period in effect on its first day.
An amount is *confirmed* only when the agency says so (`confirmed_rates`) or enters the amount itself
(`rate_amounts`); the window shows every other amount as unconfirmed. The rule parameters that a source
leaves open (who counts as face to face, when an AOT order applies, a children's fallback) are profile
settings too; docs/billing.md lists them with their sources.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from hhdesk.domain.enums import HHPlusPopulation, Tier, WithWhom

PROFILE_KIND = "billing"
PROFILE_FORMAT = 1
DEFAULT_CARE_PLAN_GRACE_DAYS = 90
DEFAULT_HH_PLUS_MIN_QUALIFYING = 4
DEFAULT_HH_PLUS_MIN_IN_PERSON = 2
AOT = "aot"  # the key of the Assisted Outpatient Treatment minimum in `hh_plus_minimums`
CHILD_TIERS = (Tier.CHILD_LOW, Tier.CHILD_MEDIUM, Tier.CHILD_HIGH)

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
        "confirmed_rates",
        "aot_rate_code",
        "aot_amount",
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


class RateStatus(StrEnum):
    """What the source says of an amount."""

    PUBLISHED = "published"  # in effect in the published rate table
    PENDING = "pending_approval"  # announced, pending CMS approval
    UNPUBLISHED = "unpublished"  # no published figure found: a placeholder for the agency to replace


@dataclass(frozen=True)
class RatePeriod:
    """A monthly amount from a date on, for the chosen region, with where it comes from."""

    effective: date
    amount: Decimal | None
    source: str = ""
    source_date: str = ""
    status: RateStatus = RateStatus.PUBLISHED
    confirmed: bool = False  # the agency confirmed this amount (or entered it itself)


@dataclass(frozen=True)
class RateCode:
    """A billing code and its monthly amount in the profile's chosen region (None: not yet set).

    `amount` is the latest amount (what the settings window shows first); `periods` hold every dated amount,
    oldest first, and `period_on(day)` picks the one a month bills at.
    """

    code: str
    amount: Decimal | None
    periods: tuple[RatePeriod, ...] = field(default=(), compare=False)

    def period_on(self, day: date) -> RatePeriod | None:
        """The period in effect on `day`; None when every period starts later (or there is none)."""
        if not self.periods:
            return RatePeriod(date.min, self.amount)
        chosen = None
        for period in self.periods:
            if period.effective <= day:
                chosen = period
        return chosen


@dataclass(frozen=True)
class HHPlusMinimum:
    """What a Health Home Plus month needs: qualifying contacts, how many in person with the member, and how
    many of those in person by the member's own care manager."""

    qualifying_contacts: int
    in_person: int
    in_person_by_care_manager: int = 0


@dataclass(frozen=True)
class ChildMinimum:
    """What a children's month needs: core services on this many different days, this many face to face."""

    service_days: int
    face_to_face: int


class AotApplies(StrEnum):
    """When an Assisted Outpatient Treatment order makes a month an AOT month."""

    ANY_DAY = "any_day"  # the order is in effect on at least one day of the month
    LAST_DAY = "last_day"  # the order is in effect on the month's last day (as the tier is read)


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
    hh_plus_minimums: Mapping[str, HHPlusMinimum] = field(
        default_factory=lambda: {HHPlusPopulation.SMI.value: HHPlusMinimum(4, 2)}
    )
    hh_plus_default_population: HHPlusPopulation = HHPlusPopulation.SMI
    hh_plus_in_person_with: frozenset[WithWhom] = frozenset({WithWhom.MEMBER})
    aot_applies: AotApplies = AotApplies.ANY_DAY
    aot_rate: RateCode | None = None
    outreach_face_to_face_with: frozenset[WithWhom] = frozenset({WithWhom.MEMBER, WithWhom.FAMILY})
    child_minimums: Mapping[Tier, ChildMinimum] = field(default_factory=dict)
    child_face_to_face_with: frozenset[WithWhom] = frozenset({WithWhom.MEMBER, WithWhom.FAMILY})
    child_minimum_fallback_tier: Tier | None = None
    care_plan_grace_days: int = DEFAULT_CARE_PLAN_GRACE_DAYS
    source_note: str = ""
    # Codes the sources list that hhdesk does not bill by itself (shown in the settings for reference).
    reference_codes: tuple[tuple[RateCode, str], ...] = ()

    def rate_for_tier(self, tier: Tier | None) -> RateCode | None:
        return None if tier is None else self.tier_rates.get(tier)

    def hh_plus_minimum(self, population: str) -> HHPlusMinimum:
        """The minimum for a population key (smi, hiv or aot); the SMI minimum where the profile has none."""
        fallback = self.hh_plus_minimums.get(HHPlusPopulation.SMI.value, HHPlusMinimum(4, 2))
        return self.hh_plus_minimums.get(population, fallback)

    @property
    def hh_plus_min_qualifying(self) -> int:
        return self.hh_plus_minimum(self.hh_plus_default_population.value).qualifying_contacts

    @property
    def hh_plus_min_in_person(self) -> int:
        return self.hh_plus_minimum(self.hh_plus_default_population.value).in_person

    @property
    def rate_codes(self) -> tuple[RateCode, ...]:
        """Every code the profile can bill, tiers first, without repeats."""
        seen: dict[str, RateCode] = {}
        extra = [rate for rate in (self.aot_rate, self.outreach_rate) if rate is not None]
        for rate in [*self.tier_rates.values(), *extra]:
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
        self.confirmed = self.confirmations(overrides.get("confirmed_rates"))
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
        aot_rate = self.extra_rate(
            "hh_plus_aot", "aot_rate_code", "aot_amount", chosen_region, overrides, rate_amount_overrides
        )

        fallback = self.optional_tier(data.get("hh_plus_fallback_tier"), "hh_plus_fallback_tier")
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
            hh_plus_minimums=self.hh_plus_minimums(),
            hh_plus_default_population=self.population(
                data.get("hh_plus_default_population", HHPlusPopulation.SMI.value)
            ),
            hh_plus_in_person_with=self.with_whom_set("hh_plus_in_person_with", [WithWhom.MEMBER.value]),
            aot_applies=self.aot_applies(),
            aot_rate=aot_rate,
            outreach_face_to_face_with=self.with_whom_set(
                "outreach_face_to_face_with", [WithWhom.MEMBER.value, WithWhom.FAMILY.value]
            ),
            child_minimums=self.child_minimums(),
            child_face_to_face_with=self.with_whom_set(
                "child_face_to_face_with", [WithWhom.MEMBER.value, WithWhom.FAMILY.value]
            ),
            child_minimum_fallback_tier=self.optional_tier(
                data.get("child_minimum_fallback_tier"), "child_minimum_fallback_tier"
            ),
            care_plan_grace_days=self.count(
                DEFAULT_CARE_PLAN_GRACE_DAYS if grace_days is None else grace_days, "care_plan_grace_days"
            ),
            source_note=self.text("source_note", required=False),
            reference_codes=self.reference_codes(chosen_region),
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

    def reference_codes(self, region: str) -> tuple[tuple[RateCode, str], ...]:
        entries = self.data.get("reference_codes", [])
        if not isinstance(entries, list):
            raise self.fail("'reference_codes' must be a list of codes with a description and rates")
        codes = []
        for number, entry in enumerate(entries, start=1):
            where = f"reference_codes[{number}]"
            if not isinstance(entry, Mapping) or not isinstance(entry.get("description"), str):
                raise self.fail(f"'{where}' must be an object with rate_code, description and rates")
            code = self.rate_code_text(entry.get("rate_code"), f"{where}.rate_code")
            amount, periods = self.rate_periods(entry, code, region, where, False)
            codes.append((RateCode(code, amount, periods), entry["description"].strip()))
        return tuple(codes)

    def confirmations(self, value: Any) -> frozenset[str]:
        """`confirmed_rates`: codes ("1873": every dated amount) or "code@YYYY-MM-DD" (one dated amount)."""
        if value is None or value == "":
            return frozenset()
        if isinstance(value, str):
            value = [part for part in re.split(r"[\s,;]+", value) if part]
        if not isinstance(value, list | tuple | set | frozenset) or not all(isinstance(v, str) for v in value):
            raise self.fail('agency setting confirmed_rates must list rate codes, like ["1873", "1853@2024-01-01"]')
        for item in value:
            code, _, day = item.partition("@")
            self.rate_code_text(code, "agency setting confirmed_rates")
            if day:
                self.day(day, "agency setting confirmed_rates")
        return frozenset(value)

    def day(self, value: Any, where: str) -> date:
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(f"'{where}' must be a date written YYYY-MM-DD") from None

    def population(self, value: Any) -> HHPlusPopulation:
        try:
            return HHPlusPopulation(value)
        except ValueError:
            choices = ", ".join(p.value for p in HHPlusPopulation)
            raise self.fail(f"'hh_plus_default_population' must be one of {choices}") from None

    def with_whom_set(self, key: str, default: list[str]) -> frozenset[WithWhom]:
        value = self.data.get(key, default)
        try:
            if not isinstance(value, list) or not value:
                raise ValueError
            return frozenset(WithWhom(item) for item in value)
        except ValueError:
            choices = ", ".join(w.value for w in WithWhom)
            raise self.fail(f"'{key}' must list one or more of {choices}") from None

    def aot_applies(self) -> AotApplies:
        try:
            return AotApplies(self.data.get("aot_applies", AotApplies.ANY_DAY.value))
        except ValueError:
            raise self.fail("'aot_applies' must be any_day or last_day") from None

    def hh_plus_minimums(self) -> dict[str, HHPlusMinimum]:
        minimums: dict[str, HHPlusMinimum] = {}
        legacy = self.data.get("hh_plus_minimum")
        if legacy is not None:
            if not isinstance(legacy, Mapping):
                raise self.fail(
                    "'hh_plus_minimum' must be an object with qualifying_contacts and in_person_contacts"
                )
            minimums[HHPlusPopulation.SMI.value] = HHPlusMinimum(
                self.count(legacy.get("qualifying_contacts", DEFAULT_HH_PLUS_MIN_QUALIFYING),
                           "hh_plus_minimum.qualifying_contacts"),
                self.count(legacy.get("in_person_contacts", DEFAULT_HH_PLUS_MIN_IN_PERSON),
                           "hh_plus_minimum.in_person_contacts"),
            )
        table = self.data.get("hh_plus_minimums", {})
        if not isinstance(table, Mapping):
            raise self.fail("'hh_plus_minimums' must map smi, hiv and aot to their minimums")
        allowed = {p.value for p in HHPlusPopulation} | {AOT}
        for key, entry in table.items():
            where = f"hh_plus_minimums.{key}"
            if key not in allowed:
                raise self.fail(f"'{where}' is not one of {', '.join(sorted(allowed))}")
            if not isinstance(entry, Mapping):
                raise self.fail(f"'{where}' must be an object with qualifying_contacts and in_person")
            minimum = HHPlusMinimum(
                self.count(entry.get("qualifying_contacts", DEFAULT_HH_PLUS_MIN_QUALIFYING),
                           f"{where}.qualifying_contacts"),
                self.count(entry.get("in_person", DEFAULT_HH_PLUS_MIN_IN_PERSON), f"{where}.in_person"),
                self.count(entry.get("in_person_by_care_manager", 0), f"{where}.in_person_by_care_manager"),
            )
            if minimum.in_person > minimum.qualifying_contacts or (
                minimum.in_person_by_care_manager > minimum.in_person
            ):
                raise self.fail(f"'{where}' asks for more in-person contacts than contacts")
            minimums[key] = minimum
        minimums.setdefault(
            HHPlusPopulation.SMI.value, HHPlusMinimum(DEFAULT_HH_PLUS_MIN_QUALIFYING, DEFAULT_HH_PLUS_MIN_IN_PERSON)
        )
        return minimums

    def child_minimums(self) -> dict[Tier, ChildMinimum]:
        table = self.data.get("child_minimums", {})
        if not isinstance(table, Mapping):
            raise self.fail("'child_minimums' must map child_low, child_medium and child_high to their minimums")
        minimums: dict[Tier, ChildMinimum] = {}
        for key, entry in table.items():
            where = f"child_minimums.{key}"
            tier = self.optional_tier(key, where)
            if tier not in CHILD_TIERS:
                raise self.fail(f"'{where}' must be one of {', '.join(t.value for t in CHILD_TIERS)}")
            if not isinstance(entry, Mapping):
                raise self.fail(f"'{where}' must be an object with service_days and face_to_face")
            minimum = ChildMinimum(
                self.count(entry.get("service_days", 1), f"{where}.service_days"),
                self.count(entry.get("face_to_face", 0), f"{where}.face_to_face"),
            )
            if minimum.face_to_face > minimum.service_days:
                raise self.fail(f"'{where}' asks for more face-to-face days than days")
            assert tier is not None
            minimums[tier] = minimum
        return minimums

    def rate_periods(
        self, entry: Mapping[str, Any], code: str, region: str, where: str, agency_amount: Decimal | None | bool
    ) -> tuple[Decimal | None, tuple[RatePeriod, ...]]:
        """The latest amount and the dated periods of one code; `agency_amount` False: the agency set none."""
        if agency_amount is not False:
            # The agency's own amount replaces the profile's for every month, and it is confirmed by entering it.
            amount = agency_amount if isinstance(agency_amount, Decimal) else None
            return amount, (RatePeriod(date.min, amount, "set by the agency", "", RateStatus.PUBLISHED, True),)
        dated = entry.get("rates")
        if dated is None:
            amount = self.region_amount(entry, region, where)
            confirmed = code in self.confirmed
            return amount, (RatePeriod(date.min, amount, "", "", RateStatus.PUBLISHED, confirmed),)
        if not isinstance(dated, list) or not dated:
            raise self.fail(f"'{where}.rates' must list the dated amounts, oldest first")
        periods: list[RatePeriod] = []
        for number, item in enumerate(dated, start=1):
            here = f"{where}.rates[{number}]"
            if not isinstance(item, Mapping):
                raise self.fail(f"'{here}' must be an object with effective, amounts, source and source_date")
            effective = self.day(item.get("effective"), f"{here}.effective")
            if periods and effective <= periods[-1].effective:
                raise self.fail(f"'{where}.rates' must be in date order, each from a later date")
            source = item.get("source", "")
            source_date = item.get("source_date", "")
            if not isinstance(source, str) or not source.strip() or not isinstance(source_date, str):
                raise self.fail(f"'{here}' must name its source and the source's date")
            try:
                status = RateStatus(item.get("status", RateStatus.PUBLISHED.value))
            except ValueError:
                raise self.fail(
                    f"'{here}.status' must be one of {', '.join(s.value for s in RateStatus)}"
                ) from None
            confirmed = code in self.confirmed or f"{code}@{effective.isoformat()}" in self.confirmed
            periods.append(RatePeriod(effective, self.region_amount(item, region, here), source.strip(),
                                      source_date.strip(), status, confirmed))
        return periods[-1].amount, tuple(periods)

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
            agency: Decimal | None | bool = amount_overrides.get(code, False)
            amount, periods = self.rate_periods(entry, code, region, f"tiers.{tier_name}", agency)
            rates[tier] = RateCode(code, amount, periods)
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
        agency: Decimal | None | bool = False
        if code in amount_overrides:
            agency = amount_overrides[code]
        elif "outreach_amount" in overrides:
            agency = self.amount(overrides["outreach_amount"], "agency setting outreach_amount")
        amount, periods = self.rate_periods(entry, code, region, "outreach", agency)
        return RateCode(code, amount, periods)

    def extra_rate(
        self, key: str, code_setting: str, amount_setting: str, region: str, overrides: Mapping[str, Any],
        amount_overrides: dict[str, Decimal | None],
    ) -> RateCode | None:
        """A code outside the tiers (Health Home Plus under an AOT order): the profile's, or the agency's."""
        entry = self.data.get(key, {})
        if not isinstance(entry, Mapping):
            raise self.fail(f"'{key}' must be an object with rate_code and rates")
        code_value = overrides.get(code_setting, entry.get("rate_code", ""))
        if code_value is None or (isinstance(code_value, str) and not code_value.strip()):
            return None
        code = self.rate_code_text(code_value, f"{key} rate code")
        agency: Decimal | None | bool = False
        if code in amount_overrides:
            agency = amount_overrides[code]
        elif str(overrides.get(amount_setting) or "").strip():
            agency = self.amount(overrides[amount_setting], f"agency setting {amount_setting}")
        amount, periods = self.rate_periods(entry, code, region, key, agency)
        return RateCode(code, amount, periods)

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
