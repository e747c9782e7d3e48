"""The billing profile and the claim settings, from the agency's settings: reading, checking and saving them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from hhdesk.domain.billing_profile import BillingProfile, ClaimType, ProfileError, RatePeriod
from hhdesk.domain.permissions import Permission
from hhdesk.errors import ValidationFailed
from hhdesk.exports.billing_data import (
    ClaimSettings,
    MissingSettingsError,
    PostalAddress,
    check_claim_settings,
    invalid_settings,
)
from hhdesk.exports.profiles import describe_profiles, load_profile, read_profile_data
from hhdesk.services import settings as settings_service
from hhdesk.services.billing.labels import ExportFormat, code_labels, describe_rate_period
from hhdesk.services.context import AppSession
from hhdesk.services.settings import Settings

_HCPCS_SHAPE = re.compile(r"[A-Z][0-9]{4}|[0-9]{5}")


# ---- profile and claim settings from the agency settings ----------------------------------------------


def profile_from_settings(values: Settings) -> BillingProfile:
    """The billing profile the settings name, for their region, with the agency's codes and amounts."""
    name = values.billing_profile
    try:
        data = read_profile_data(name)
        claim = data.get("claim") if isinstance(data.get("claim"), dict) else {}
        professional = claim.get("type") == ClaimType.PROFESSIONAL.value
        regions = [str(r) for r in data.get("regions", [])] if isinstance(data.get("regions"), list) else []
        region = values.billing_region.strip()
        if region not in regions:
            if len(regions) > 1:
                raise ValidationFailed(
                    f"The rate region must be one of {', '.join(regions)} for this billing profile; "
                    "an administrator sets it under Billing settings."
                )
            region = ""
        overrides: dict[str, Any] = {}
        if values.outreach_rate_code.strip():
            overrides["outreach_rate_code"] = values.outreach_rate_code.strip()
            if values.outreach_amount.strip():
                overrides["outreach_amount"] = values.outreach_amount.strip()
        if values.rate_amounts:
            overrides["rate_amounts"] = dict(values.rate_amounts)
        if professional:
            if values.hcpcs_code.strip():
                overrides["hcpcs_code"] = values.hcpcs_code.strip()
            if values.hcpcs_modifiers.strip():
                overrides["modifiers"] = values.hcpcs_modifiers.strip()
        if values.confirmed_rates:
            overrides["confirmed_rates"] = list(values.confirmed_rates)
        if values.aot_rate_code.strip():
            overrides["aot_rate_code"] = values.aot_rate_code.strip()
            if values.aot_amount.strip():
                overrides["aot_amount"] = values.aot_amount.strip()
        overrides["care_plan_grace_days"] = values.care_plan_grace_days
        return load_profile(name, region=region or None, overrides=overrides)
    except ProfileError as exc:
        raise ValidationFailed(
            f"The billing settings do not make a usable profile: {exc}. An administrator can fix this under "
            "Billing settings."
        ) from None


def claim_settings_from(values: Settings, medicaid_provider_id: str = "") -> ClaimSettings:
    def text(key: str) -> str:
        return str(getattr(values, key)).strip()

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
        test_file=values.claim_test_file,
    )


def read_billing_settings(session: Session) -> tuple[Settings, ClaimSettings]:
    values = settings_service.read_all(session)
    agency = settings_service.agency_info(session)
    return values, claim_settings_from(values, agency.medicaid_provider_id)


def billing_profile(app: AppSession) -> BillingProfile:
    """The profile in use, as the settings make it (ValidationFailed if they do not make one)."""
    with app.read(Permission.BILLING) as session:
        values = settings_service.read_all(session)
    return profile_from_settings(values)


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


def rate_rows(values: Settings) -> list[RateRow]:
    """The codes the settings bill with (for the amounts table of the settings window)."""
    base = profile_from_settings(values.with_changes({"rate_amounts": {}, "outreach_amount": ""}))
    agency = values.rate_amounts
    labels = code_labels(base)
    rows = []
    for rate in base.rate_codes:
        chosen = str(agency.get(rate.code) or "").strip() if agency else ""
        if rate is base.outreach_rate and values.outreach_amount.strip():
            chosen = chosen or values.outreach_amount.strip()
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
        _values, claim_settings = read_billing_settings(session)
    try:
        check_claim_settings(claim_settings)
    except MissingSettingsError as exc:
        return list(exc.problems)
    return []


def check_billing_settings(values: Settings) -> list[str]:
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
        merged = settings_service.read_all(session).with_changes(changes)
    problems = check_billing_settings(merged)
    if problems:
        raise ValidationFailed(problems[0], problems)
    settings_service.update_settings(app, changes)




def profile_choices() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(name, title, claim type, regions) of each bundled billing profile, for the settings window."""
    return [(info.name, info.title, info.claim_type, info.regions) for info in describe_profiles()]
