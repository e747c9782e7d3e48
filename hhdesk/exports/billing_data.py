"""Read models the billing exports are written from: one row per member-month, and the agency's claim settings.

The service layer fills these from the store; the writers in this package never see the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from hhdesk.domain.billing_rules import MonthEvaluation


class ExportError(Exception):
    """An export cannot be written; the message says what to fix, in the user's words, with no member data."""


class MissingSettingsError(ExportError):
    """Claim settings the file needs are empty or malformed; `problems` lists each one in user words."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "The claim file needs these agency settings filled in before it can be written: "
            + "; ".join(problems)
        )


@dataclass(frozen=True)
class PostalAddress:
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""  # two-letter code
    postal_code: str = ""  # ZIP: 5 or 9 digits (the billing provider's must be 9)

    @property
    def is_complete(self) -> bool:
        return bool(
            self.line1.strip() and self.city.strip() and self.state.strip() and self.postal_code.strip()
        )


@dataclass(frozen=True)
class BillingRow:
    """One member-month as every billing export sees it: the evaluation plus who the member is.

    `consent_date` and `care_plan_date` are those in force at the end of the month (see
    `billing_rules.consent_date_on` / `care_plan_date_on`). The claim files also use `sex` (F, M or U),
    `diagnosis_codes` (ICD-10-CM, principal first; required on a claim) and `address` when known.
    """

    evaluation: MonthEvaluation
    medicaid_id: str
    last_name: str
    first_name: str
    dob: date
    care_manager: str = ""  # the care manager's username
    consent_date: date | None = None
    care_plan_date: date | None = None
    sex: str = "U"
    diagnosis_codes: tuple[str, ...] = ()
    address: PostalAddress | None = None
    payer_code: str = ""  # the payer of the month (payer table code); empty: none on record
    # CLM05-3: 1 an original claim, 7 a replacement and 8 a void of an earlier one, which then names the
    # payer's claim number of the original (REF*F8).
    claim_frequency: str = "1"
    payer_claim_number: str = ""

    @property
    def hh_plus_minimum_met(self) -> bool | None:
        return self.evaluation.hh_plus_minimum_met

    @property
    def billable(self) -> bool:
        return self.evaluation.billable


@dataclass(frozen=True)
class PayerInfo:
    """A payer in the agency's payer table: where its claim file goes and how long it allows for it."""

    code: str
    name: str
    payer_id: str  # 2010BB payer identifier
    receiver_id: str  # ISA08, GS03, 1000B
    receiver_name: str
    filing_limit_days: int = 90
    fee_for_service: bool = False
    active: bool = True
    id: int = 0


@dataclass(frozen=True)
class ClaimSettings:
    """The agency settings a claim file needs (kept in the store's settings, filled by an admin)."""

    billing_provider_name: str = ""
    billing_provider_npi: str = ""
    billing_provider_taxonomy: str = ""
    billing_provider_tax_id: str = ""  # EIN, 9 digits
    billing_provider_address: PostalAddress = PostalAddress()
    submitter_id: str = ""
    submitter_name: str = ""
    # The receiver and the payer come from the payer table, one claim file per payer (see `for_payer`).
    receiver_id: str = ""
    receiver_name: str = ""
    payer_id: str = ""
    payer_name: str = ""
    contact_phone: str = ""
    contact_name: str = ""  # optional
    medicaid_provider_id: str = ""  # optional: the state Medicaid (MMIS) provider ID, sent as REF*G2
    # 837I: the attending provider (2310A), required on every institutional claim for services other than
    # non-scheduled transport; the NPI only when the practitioner has one. 837P: sent as the rendering
    # provider (2310B) when it has an NPI; otherwise the billing provider is the rendering provider.
    attending_npi: str = ""
    attending_last_name: str = ""
    attending_first_name: str = ""
    test_file: bool = False  # ISA15: T for a test file, P for production

    def for_payer(self, payer: PayerInfo) -> ClaimSettings:
        """These settings with the receiver and payer of one payer's claim file."""
        return replace(self, receiver_id=payer.receiver_id, receiver_name=payer.receiver_name,
                       payer_id=payer.payer_id, payer_name=payer.name)


# Names of settings in the words the settings window uses.
SETTING_LABELS: dict[str, str] = {
    "billing_provider_name": "billing provider name",
    "billing_provider_npi": "billing provider NPI",
    "billing_provider_taxonomy": "billing provider taxonomy code",
    "billing_provider_tax_id": "billing provider tax ID (EIN)",
    "submitter_id": "submitter ID",
    "submitter_name": "submitter name",
    "contact_phone": "billing contact phone",
}
ADDRESS_LABELS: dict[str, str] = {
    "line1": "billing provider street address",
    "city": "billing provider city",
    "state": "billing provider state",
    "postal_code": "billing provider ZIP code",
}


def missing_settings(settings: ClaimSettings) -> list[str]:
    """Each required claim setting that is empty, named in user words (empty list: none missing)."""
    missing = [label for name, label in SETTING_LABELS.items() if not str(getattr(settings, name)).strip()]
    address = settings.billing_provider_address
    missing += [label for name, label in ADDRESS_LABELS.items() if not getattr(address, name).strip()]
    if settings.attending_npi.strip() and not settings.attending_last_name.strip():
        missing.append("attending provider last name")
    return missing


def npi_is_valid(npi: str) -> bool:
    """10 digits whose last is the Luhn check digit over the prefix 80840 and the first 9 (CMS NPI rule)."""
    if not re.fullmatch(r"\d{10}", npi):
        return False
    digits = [int(d) for d in "80840" + npi[:9]]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 0:  # doubled: every second digit counting from the right of the payload
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return (10 - total % 10) % 10 == int(npi[9])


def invalid_settings(settings: ClaimSettings) -> list[str]:
    """Filled-in settings whose shape a claim file cannot carry, in user words."""
    problems: list[str] = []
    if settings.billing_provider_npi.strip() and not npi_is_valid(settings.billing_provider_npi.strip()):
        problems.append("billing provider NPI must be 10 digits with a valid check digit")
    if settings.attending_npi.strip() and not npi_is_valid(settings.attending_npi.strip()):
        problems.append("attending provider NPI must be 10 digits with a valid check digit")
    tax_id = settings.billing_provider_tax_id.replace("-", "").strip()
    if tax_id and not re.fullmatch(r"\d{9}", tax_id):
        problems.append("billing provider tax ID (EIN) must be 9 digits")
    taxonomy = settings.billing_provider_taxonomy.strip()
    if taxonomy and not re.fullmatch(r"[0-9A-Z]{9}X", taxonomy.upper()):
        problems.append("billing provider taxonomy code must be 10 characters ending in X, like 251B00000X")
    address = settings.billing_provider_address
    if address.state.strip() and not re.fullmatch(r"[A-Za-z]{2}", address.state.strip()):
        problems.append("billing provider state must be a two-letter code, like NY")
    postal = address.postal_code.replace("-", "").strip()
    if postal and not re.fullmatch(r"\d{9}", postal):
        problems.append("billing provider ZIP code must have 9 digits (ZIP+4) on a claim")
    if len(settings.submitter_id.strip()) > 15:
        problems.append("submitter ID must be at most 15 characters")
    phone = re.sub(r"\D", "", settings.contact_phone)
    if settings.contact_phone.strip() and len(phone) != 10:
        problems.append("billing contact phone must have 10 digits")
    return problems


def check_claim_settings(settings: ClaimSettings) -> None:
    """Raise MissingSettingsError naming every missing or malformed setting; return quietly if all is well."""
    problems = missing_settings(settings) + invalid_settings(settings)
    if problems:
        raise MissingSettingsError(problems)
