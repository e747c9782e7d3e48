"""Agency details and typed settings with defaults (stored as JSON in the settings table)."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hhdesk.db.models import Agency, Setting
from hhdesk.domain.file_names import DEFAULT_PATTERN as DEFAULT_FILE_NAME_PATTERN
from hhdesk.domain.file_names import pattern_problems as file_name_pattern_problems
from hhdesk.domain.permissions import Permission
from hhdesk.errors import ValidationFailed
from hhdesk.services.context import AppSession

DEFAULTS: dict[str, Any] = {
    "lock_minutes": 15,
    "paper_size": "letter",  # letter | a4
    # The names of printed files (hhdesk.domain.file_names): no member name or Medicaid ID by default.
    "print_file_name": DEFAULT_FILE_NAME_PATTERN,
    "program_profile": "program_ny",
    "billing_profile": "ny_adult",
    "billing_region": "upstate",  # upstate | downstate (NY rates)
    "outreach_rate_code": "",
    "hcpcs_code": "S0280",
    "hcpcs_modifiers": "",
    "referral_follow_up_days": 14,
    "care_plan_review_months": 6,
    "care_plan_grace_days": 90,
    # What the claim files need (docs/domain.md §10); empty until the agency fills them in.
    "billing_provider_name": "",
    "billing_provider_npi": "",
    "billing_provider_taxonomy": "",
    "billing_provider_tax_id": "",
    "billing_provider_address": "",
    "billing_provider_city": "",
    "billing_provider_state": "",
    "billing_provider_zip": "",
    "submitter_id": "",
    "submitter_name": "",
    "submitter_contact_phone": "",
    "receiver_id": "",
    "receiver_name": "",
    "payer_id": "",
    "payer_name": "",
    # 837I attending provider (2310A): the practitioner responsible for the member's care; NPI when they have one
    "attending_last_name": "",
    "attending_first_name": "",
    "attending_npi": "",
    # Agency amounts ({rate code: "202.00"}) replacing the profile's, and the outreach code's amount.
    "rate_amounts": {},
    "outreach_amount": "",
    # Rate codes whose profile amounts the agency confirmed against the rate table and its contracts.
    "confirmed_rates": [],
    # NY Health Home Plus under an AOT order: the code (the 2024 table says "to be assigned") and amount.
    "aot_rate_code": "",
    "aot_amount": "",
    "claim_test_file": False,  # ISA15 = T: a test file for the payer or clearinghouse
    # The last control numbers used (0: none yet); each claim export takes the next and stores it.
    "interchange_control_number": 0,
    "group_control_number": 0,
    "last_auto_backup": "",
}

SETTING_LABELS: dict[str, str] = {
    "lock_minutes": "Lock after minutes of inactivity",
    "paper_size": "Paper size",
    "print_file_name": "Names of printed files",
    "billing_profile": "Billing profile",
    "billing_region": "Rate region",
    "outreach_rate_code": "Outreach rate code",
    "outreach_amount": "Outreach monthly amount",
    "hcpcs_code": "HCPCS code",
    "hcpcs_modifiers": "HCPCS modifiers",
    "rate_amounts": "Monthly amounts by rate code",
    "confirmed_rates": "Amounts the agency confirmed",
    "aot_rate_code": "Health Home Plus AOT rate code",
    "aot_amount": "Health Home Plus AOT monthly amount",
    "care_plan_grace_days": "Days after enrolment before a signed care plan is needed",
    "submitter_contact_phone": "Billing contact phone",
    "attending_last_name": "Attending provider last name",
    "attending_first_name": "Attending provider first name",
    "attending_npi": "Attending provider NPI",
    "claim_test_file": "Mark claim files as test files",
    "interchange_control_number": "Last interchange control number",
    "group_control_number": "Last group control number",
    "billing_provider_name": "Billing provider name",
    "billing_provider_npi": "Billing provider NPI",
    "billing_provider_taxonomy": "Billing provider taxonomy code",
    "billing_provider_tax_id": "Billing provider tax ID (EIN)",
    "billing_provider_address": "Billing provider street address",
    "billing_provider_city": "Billing provider city",
    "billing_provider_state": "Billing provider state",
    "billing_provider_zip": "Billing provider ZIP code",
    "submitter_id": "Submitter ID",
    "submitter_name": "Submitter name",
    "receiver_id": "Receiver ID",
    "receiver_name": "Receiver name",
    "payer_id": "Payer ID",
    "payer_name": "Payer name",
}


@dataclass(frozen=True)
class AgencyInfo:
    name: str
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    phone: str = ""
    fax: str = ""
    npi: str = ""
    medicaid_provider_id: str = ""


def read_all(session: Session) -> dict[str, Any]:
    values = dict(DEFAULTS)
    for row in session.execute(select(Setting)).scalars():
        values[row.key] = json.loads(row.value_json)
    return values


def put(session: Session, key: str, value: Any) -> None:
    if key not in DEFAULTS:
        raise ValidationFailed(f"There is no setting called {key!r}.")
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value_json=json.dumps(value)))
    else:
        row.value_json = json.dumps(value)


def get_settings(app: AppSession) -> dict[str, Any]:
    with app.read(None) as session:
        return read_all(session)


def update_settings(app: AppSession, changes: dict[str, Any]) -> None:
    problems = []
    for key, value in changes.items():
        if key not in DEFAULTS:
            problems.append(f"There is no setting called {key!r}.")
        elif isinstance(DEFAULTS[key], int) and not isinstance(value, int):
            problems.append(f"{SETTING_LABELS.get(key, key)} must be a whole number.")
    if "lock_minutes" in changes and isinstance(changes["lock_minutes"], int) and not 1 <= changes["lock_minutes"] <= 240:
        problems.append("Lock after: choose between 1 and 240 minutes.")
    if changes.get("paper_size", "letter") not in ("letter", "a4"):
        problems.append("Paper size is letter or A4.")
    if "print_file_name" in changes:
        problems += file_name_pattern_problems(str(changes["print_file_name"]))
    if problems:
        raise ValidationFailed(problems[0], problems)
    with app.work(Permission.MANAGE_SETTINGS) as uow:
        for key, value in changes.items():
            put(uow.session, key, value)
        uow.audit("settings_changed", "settings", detail=", ".join(sorted(changes)))


def get_agency(app: AppSession) -> AgencyInfo:
    with app.read(None) as session:
        return agency_info(session)


def agency_info(session: Session) -> AgencyInfo:
    """The agency's details inside the caller's transaction."""
    agency = session.execute(select(Agency)).scalars().first()
    if agency is None:
        return AgencyInfo(name="")
    return AgencyInfo(**{f.name: getattr(agency, f.name) for f in fields(AgencyInfo)})


def update_agency(app: AppSession, info: AgencyInfo) -> None:
    if not info.name.strip():
        raise ValidationFailed("The agency needs a name.")
    with app.work(Permission.MANAGE_SETTINGS) as uow:
        agency = uow.session.execute(select(Agency)).scalars().first()
        if agency is None:
            agency = Agency(name=info.name)
            uow.session.add(agency)
        for f in fields(AgencyInfo):
            setattr(agency, f.name, getattr(info, f.name).strip())
        uow.audit("agency_changed", "agency")
