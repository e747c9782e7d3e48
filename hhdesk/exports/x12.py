"""ASC X12 5010 claim files: 837I (005010X223A2) and 837P (005010X222A1), one claim per billable member-month.

One interchange (ISA) holding one functional group (GS) holding as many transaction sets (ST) as the claims
need, at most MAX_CLAIMS_PER_TRANSACTION claims each. Every transaction set is complete on its own (BHT,
submitter, receiver, the single billing provider at 2000A) and holds, under the billing provider, one
subscriber level (2000B) per billable member-month. The member is the subscriber and the patient (SBR02 = 18,
no 2000C loop), identified by the Medicaid ID (NM108 = MI). Interchange and group control numbers are passed
in: the store keeps them and increments them per export; transaction set control numbers run 0001, 0002, ...
within the file.

Claim conventions (type of bill, revenue code, value code 24 for the NY rate code, place of service,
service dates) come from the billing profile and are explained in docs/billing.md.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from hhdesk.domain.billing_profile import BillingProfile, ClaimType, ServiceDates
from hhdesk.exports.billing_data import (
    BillingRow,
    ClaimSettings,
    ExportError,
    MissingSettingsError,
    PostalAddress,
    check_claim_settings,
)

ELEMENT_SEPARATOR = "*"
COMPONENT_SEPARATOR = ":"
REPETITION_SEPARATOR = "^"
SEGMENT_TERMINATOR = "~"

IMPLEMENTATION_837I = "005010X223A2"
IMPLEMENTATION_837P = "005010X222A1"
MAX_CONTROL_NUMBER = 999_999_999
# The implementation guides recommend at most 5000 claims per transaction set; more claims start another set.
MAX_CLAIMS_PER_TRANSACTION = 5000
# CLM05-3 claim frequency type codes (NUBC): an original claim, a replacement of one, a void of one.
FREQUENCY_ORIGINAL = "1"
FREQUENCY_REPLACEMENT = "7"
FREQUENCY_VOID = "8"

_ICD10_PATTERN = re.compile(r"[A-Z][0-9][0-9A-Z]{1,5}")
_HCPCS_PATTERN = re.compile(r"[A-Z][0-9]{4}|[0-9]{5}")
# Characters outside the X12 extended character set, and the separators this writer uses, become spaces.
_NOT_X12_TEXT = re.compile(r"[^A-Za-z0-9 !\"&'()+,\-./;?=%@\[\]_{}\\|<>#$]")


@dataclass(frozen=True)
class ControlNumbers:
    """ISA13 and GS06 for this file (1 to 999,999,999); the store increments them with every export."""

    interchange: int
    group: int

    def __post_init__(self) -> None:
        for name in ("interchange", "group"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CONTROL_NUMBER:
                raise ExportError(f"the {name} control number must be a whole number from 1 to 999999999")


@dataclass(frozen=True)
class ClaimFile:
    """A written claim file and what it holds (`transaction_sets`: how many ST-SE sets share its one GS-GE)."""

    text: str
    claim_count: int
    total_amount: Decimal
    claim_type: ClaimType
    transaction_sets: int = 1
    # (CLM01, ST02 of the set holding it, the row) for every claim, in file order: what the store records
    claims: tuple[tuple[str, str, BillingRow], ...] = ()

    @property
    def data(self) -> bytes:
        return self.text.encode("ascii")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


# -- values -----------------------------------------------------------------------------------------------


def x12_text(value: str, max_length: int) -> str:
    """Plain upper-case ASCII without separators, trimmed to the element's maximum length."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    cleaned = " ".join(_NOT_X12_TEXT.sub(" ", ascii_text).split()).upper()
    return cleaned[:max_length].strip()


def x12_amount(amount: Decimal) -> str:
    """X12 decimal: no trailing zeros after the point, no exponent (202.00 -> 202, 215.10 -> 215.1)."""
    text = format(amount.quantize(Decimal("0.01")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def x12_date(day: date) -> str:
    return day.strftime("%Y%m%d")


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _diagnosis(code: str) -> str:
    return code.replace(".", "").strip().upper()


def claim_identifier(row: BillingRow) -> str:
    """CLM01 (at most 20 characters): the Medicaid ID and YYYYMM, so a remittance points back to the month."""
    month = row.evaluation.service_month
    month_text = f"{month.year:04d}{month.month:02d}"
    member = re.sub(r"[^A-Za-z0-9]", "", row.medicaid_id).upper()
    if len(member) + len(month_text) <= 20:
        return member + month_text
    return month_text + hashlib.sha256(member.encode("ascii", "ignore")).hexdigest()[:14].upper()


# -- checks -----------------------------------------------------------------------------------------------


def claim_problems(rows: Sequence[BillingRow], profile: BillingProfile) -> list[str]:
    """What stops the billable rows from becoming claims, in user words, naming row numbers (1-based) only."""
    problems: list[str] = []
    billable = [(number, row) for number, row in enumerate(rows, start=1) if row.evaluation.billable]
    if not billable:
        return ["there are no billable member-months to claim"]
    without_diagnosis = [
        number
        for number, row in billable
        if not row.diagnosis_codes or not _ICD10_PATTERN.fullmatch(_diagnosis(row.diagnosis_codes[0]))
    ]
    if without_diagnosis:
        problems.append(
            f"{len(without_diagnosis)} billable member-month(s) have no valid ICD-10-CM diagnosis code "
            f"(rows {_row_list(without_diagnosis)}); record a condition with its ICD-10-CM code for each member"
        )
    without_name = [number for number, row in billable if not x12_text(row.last_name, 60)]
    if without_name:
        problems.append(
            f"{len(without_name)} billable member-month(s) have a last name with no letters a claim can carry, "
            f"A to Z (rows {_row_list(without_name)}); add the name as on the Medicaid card"
        )
    without_id = [number for number, row in billable if not x12_text(row.medicaid_id, 80)]
    if without_id:
        problems.append(
            f"{len(without_id)} billable member-month(s) have no Medicaid ID (rows {_row_list(without_id)})"
        )
    codes_without_amount = sorted(
        {row.evaluation.rate_code or "" for _, row in billable if row.evaluation.amount is None}
    )
    if codes_without_amount:
        problems.append(
            "the monthly amount is not set for rate code(s) "
            + ", ".join(codes_without_amount)
            + "; set it under rate amounts in the agency's billing settings"
        )
    if profile.claim.claim_type is ClaimType.PROFESSIONAL:
        not_hcpcs = sorted(
            {
                row.evaluation.rate_code or ""
                for _, row in billable
                if not _HCPCS_PATTERN.fullmatch(row.evaluation.rate_code or "")
            }
        )
        if not_hcpcs:
            problems.append(
                "a professional claim needs a HCPCS code, but the profile bills "
                + ", ".join(not_hcpcs)
                + "; set the HCPCS code in the agency's billing settings"
            )
    corrections_without_number = [
        number
        for number, row in billable
        if row.claim_frequency in (FREQUENCY_REPLACEMENT, FREQUENCY_VOID) and not x12_text(row.payer_claim_number, 50)
    ]
    if corrections_without_number:
        problems.append(
            f"{len(corrections_without_number)} replacement or void claim(s) have no payer claim number of the "
            f"original claim (rows {_row_list(corrections_without_number)}); import the payer's 277CA or 835, "
            "or type the number from the remittance"
        )
    unknown_frequency = [
        number for number, row in billable if row.claim_frequency not in (FREQUENCY_ORIGINAL, FREQUENCY_REPLACEMENT,
                                                                          FREQUENCY_VOID)
    ]
    if unknown_frequency:
        problems.append(f"claim frequency must be 1, 7 or 8 (rows {_row_list(unknown_frequency)})")
    identifiers = [claim_identifier(row) for _, row in billable]
    if len(set(identifiers)) != len(identifiers):
        problems.append("the same member-month appears more than once among the billable rows")
    return problems


def _row_list(numbers: list[int], shown: int = 10) -> str:
    listed = ", ".join(str(number) for number in numbers[:shown])
    return listed + (f" and {len(numbers) - shown} more" if len(numbers) > shown else "")


# -- writing ----------------------------------------------------------------------------------------------


class _Segments:
    """Collects segments; counts those inside the current transaction set for SE01."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.in_transaction = 0

    def add(self, *elements: str) -> None:
        # drop empty trailing elements, as X12 requires
        values = list(elements)
        while values and values[-1] == "":
            values.pop()
        self.lines.append(ELEMENT_SEPARATOR.join(values) + SEGMENT_TERMINATOR)
        self.in_transaction += 1


def _composite(*components: str) -> str:
    values = list(components)
    while values and values[-1] == "":
        values.pop()
    return COMPONENT_SEPARATOR.join(values)


def write_837(
    rows: Iterable[BillingRow],
    settings: ClaimSettings,
    profile: BillingProfile,
    control: ControlNumbers,
    created_at: datetime,
    *,
    segment_newlines: bool = False,
) -> ClaimFile:
    """Write the claim file the profile calls for (837I or 837P) for the billable rows.

    Raises MissingSettingsError naming missing agency settings, or ExportError saying which rows or codes
    need fixing. `segment_newlines` puts each segment on its own line (easier to read; some payers refuse it).
    """
    if profile.claim.claim_type is ClaimType.INSTITUTIONAL:
        return write_837i(rows, settings, profile, control, created_at, segment_newlines=segment_newlines)
    return write_837p(rows, settings, profile, control, created_at, segment_newlines=segment_newlines)


def write_837i(
    rows: Iterable[BillingRow],
    settings: ClaimSettings,
    profile: BillingProfile,
    control: ControlNumbers,
    created_at: datetime,
    *,
    segment_newlines: bool = False,
) -> ClaimFile:
    return _write(rows, settings, profile, control, created_at, ClaimType.INSTITUTIONAL, segment_newlines)


def write_837p(
    rows: Iterable[BillingRow],
    settings: ClaimSettings,
    profile: BillingProfile,
    control: ControlNumbers,
    created_at: datetime,
    *,
    segment_newlines: bool = False,
) -> ClaimFile:
    return _write(rows, settings, profile, control, created_at, ClaimType.PROFESSIONAL, segment_newlines)


def _write(
    rows: Iterable[BillingRow],
    settings: ClaimSettings,
    profile: BillingProfile,
    control: ControlNumbers,
    created_at: datetime,
    claim_type: ClaimType,
    segment_newlines: bool,
) -> ClaimFile:
    if profile.claim.claim_type is not claim_type:
        raise ExportError(
            f"the billing profile '{profile.name}' bills on the {profile.claim.claim_type.value} claim, "
            f"not the {claim_type.value}; choose the {profile.claim.claim_type.value} export"
        )
    check_claim_settings(settings)
    payer_missing = [label for label, value in (("the payer's receiver ID", settings.receiver_id),
                                                ("the payer's receiver name", settings.receiver_name),
                                                ("the payer ID", settings.payer_id),
                                                ("the payer name", settings.payer_name)) if not value.strip()]
    if payer_missing:
        raise MissingSettingsError([f"{label} in the payer table" for label in payer_missing])
    if claim_type is ClaimType.INSTITUTIONAL and not settings.attending_last_name.strip():
        raise MissingSettingsError(["attending provider last name"])
    all_rows = list(rows)
    problems = claim_problems(all_rows, profile)
    if problems:
        raise ExportError("The claim file cannot be written: " + "; ".join(problems) + ".")
    billable = [row for row in all_rows if row.evaluation.billable]
    implementation = _implementation(claim_type)

    out = _Segments()
    _interchange_header(out, settings, control, created_at)
    out.add(
        "GS",
        "HC",
        x12_text(settings.submitter_id, 15),
        x12_text(settings.receiver_id, 15),
        x12_date(created_at.date()),
        created_at.strftime("%H%M"),
        str(control.group),
        "X",
        implementation,
    )
    total = Decimal("0")
    batches = _batches(billable, MAX_CLAIMS_PER_TRANSACTION)
    claims: list[tuple[str, str, BillingRow]] = []
    for set_number, batch in enumerate(batches, start=1):
        total += _transaction_set(out, batch, settings, profile, control, created_at, claim_type, set_number)
        claims += [(claim_identifier(row), f"{set_number:04d}", row) for row in batch]
    out.add("GE", str(len(batches)), str(control.group))
    out.add("IEA", "1", f"{control.interchange:09d}")
    separator = "\n" if segment_newlines else ""
    return ClaimFile(
        text=separator.join(out.lines) + separator,
        claim_count=len(billable),
        total_amount=total,
        claim_type=claim_type,
        transaction_sets=len(batches),
        claims=tuple(claims),
    )


def _implementation(claim_type: ClaimType) -> str:
    return IMPLEMENTATION_837I if claim_type is ClaimType.INSTITUTIONAL else IMPLEMENTATION_837P


def _batches(billable: list[BillingRow], size: int) -> list[list[BillingRow]]:
    return [billable[start : start + size] for start in range(0, len(billable), size)]


def _transaction_set(
    out: _Segments,
    batch: list[BillingRow],
    settings: ClaimSettings,
    profile: BillingProfile,
    control: ControlNumbers,
    created_at: datetime,
    claim_type: ClaimType,
    set_number: int,
) -> Decimal:
    """One ST-SE set for the batch; returns the batch's total. HL numbers start again at 1 in every set."""
    institutional = claim_type is ClaimType.INSTITUTIONAL
    out.in_transaction = 0
    transaction_control = f"{set_number:04d}"
    out.add("ST", "837", transaction_control, _implementation(claim_type))
    # BHT03 is the originator's reference for the batch; the set's control number keeps it distinct between
    # the sets of one file, which share the interchange number.
    out.add(
        "BHT",
        "0019",
        "00",
        f"{control.interchange:09d}{transaction_control}",
        x12_date(created_at.date()),
        created_at.strftime("%H%M"),
        "CH",
    )
    _submitter_and_receiver(out, settings)
    _billing_provider(out, settings)
    total = Decimal("0")
    for level, row in enumerate(batch, start=2):
        amount = row.evaluation.amount
        assert amount is not None
        total += amount
        _subscriber(out, row, settings, profile, level)
        if institutional:
            _institutional_claim(out, row, settings, profile)
        else:
            _professional_claim(out, row, settings, profile)
    out.add("SE", str(out.in_transaction + 1), transaction_control)
    return total


def _interchange_header(
    out: _Segments, settings: ClaimSettings, control: ControlNumbers, created_at: datetime
) -> None:
    out.add(
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        "ZZ",
        x12_text(settings.submitter_id, 15).ljust(15),
        "ZZ",
        x12_text(settings.receiver_id, 15).ljust(15),
        created_at.strftime("%y%m%d"),
        created_at.strftime("%H%M"),
        REPETITION_SEPARATOR,
        "00501",
        f"{control.interchange:09d}",
        "0",
        "T" if settings.test_file else "P",
        COMPONENT_SEPARATOR,
    )


def _submitter_and_receiver(out: _Segments, settings: ClaimSettings) -> None:
    out.add(
        "NM1",
        "41",
        "2",
        x12_text(settings.submitter_name, 60),
        "",
        "",
        "",
        "",
        "46",
        x12_text(settings.submitter_id, 80),
    )
    out.add("PER", "IC", x12_text(settings.contact_name, 60), "TE", _digits(settings.contact_phone))
    out.add(
        "NM1",
        "40",
        "2",
        x12_text(settings.receiver_name, 60),
        "",
        "",
        "",
        "",
        "46",
        x12_text(settings.receiver_id, 80),
    )


def _address(out: _Segments, address: PostalAddress) -> None:
    out.add("N3", x12_text(address.line1, 55), x12_text(address.line2, 55))
    out.add("N4", x12_text(address.city, 30), x12_text(address.state, 2), _digits(address.postal_code))


def _billing_provider(out: _Segments, settings: ClaimSettings) -> None:
    out.add("HL", "1", "", "20", "1")
    out.add("PRV", "BI", "PXC", x12_text(settings.billing_provider_taxonomy, 50))
    out.add(
        "NM1",
        "85",
        "2",
        x12_text(settings.billing_provider_name, 60),
        "",
        "",
        "",
        "",
        "XX",
        settings.billing_provider_npi.strip(),
    )
    _address(out, settings.billing_provider_address)
    out.add("REF", "EI", _digits(settings.billing_provider_tax_id))


def _member_address_usable(address: PostalAddress | None) -> bool:
    """A member's address goes on the claim only when complete and well-formed; it is optional there."""
    return (
        address is not None
        and address.is_complete
        and bool(x12_text(address.line1, 55))
        and bool(x12_text(address.city, 30))
        and re.fullmatch(r"[A-Za-z]{2}", address.state.strip()) is not None
        and len(_digits(address.postal_code)) in (5, 9)
    )


def _subscriber(
    out: _Segments, row: BillingRow, settings: ClaimSettings, profile: BillingProfile, level: int
) -> None:
    out.add("HL", str(level), "1", "22", "0")
    out.add("SBR", "P", "18", "", "", "", "", "", "", profile.claim.claim_filing_indicator)
    out.add(
        "NM1",
        "IL",
        "1",
        x12_text(row.last_name, 60),
        x12_text(row.first_name, 35),
        "",
        "",
        "",
        "MI",
        x12_text(row.medicaid_id, 80),
    )
    if _member_address_usable(row.address):
        _address(out, row.address)  # type: ignore[arg-type]
    sex = row.sex.strip().upper() if row.sex.strip().upper() in ("F", "M") else "U"
    out.add("DMG", "D8", x12_date(row.dob), sex)
    out.add(
        "NM1",
        "PR",
        "2",
        x12_text(settings.payer_name, 60),
        "",
        "",
        "",
        "",
        "PI",
        x12_text(settings.payer_id, 80),
    )
    if settings.medicaid_provider_id.strip():
        out.add("REF", "G2", x12_text(settings.medicaid_provider_id, 50))


def _service_period(row: BillingRow, profile: BillingProfile) -> tuple[date, date]:
    month = row.evaluation.service_month
    if profile.claim.service_dates is ServiceDates.LAST_DAY:
        return month.last_day, month.last_day
    return month.first_day, month.last_day


def _diagnosis_segments(row: BillingRow, principal: str, other: str, limit: int) -> list[str]:
    codes: list[str] = []
    for code in row.diagnosis_codes:
        cleaned = _diagnosis(code)
        if _ICD10_PATTERN.fullmatch(cleaned) and cleaned not in codes:
            codes.append(cleaned)
    codes = codes[:limit]
    return [_composite(principal, codes[0])] + [_composite(other, code) for code in codes[1:]]


def _original_claim_reference(out: _Segments, row: BillingRow) -> None:
    """2300 REF*F8: a replacement or void names the payer's claim control number of the original claim."""
    if row.claim_frequency in (FREQUENCY_REPLACEMENT, FREQUENCY_VOID):
        out.add("REF", "F8", x12_text(row.payer_claim_number, 50))


def _service_date(out: _Segments, qualifier: str, first: date, last: date) -> None:
    if first == last:
        out.add("DTP", qualifier, "D8", x12_date(first))
    else:
        out.add("DTP", qualifier, "RD8", f"{x12_date(first)}-{x12_date(last)}")


def _institutional_claim(
    out: _Segments, row: BillingRow, settings: ClaimSettings, profile: BillingProfile
) -> None:
    rules = profile.claim
    evaluation = row.evaluation
    assert evaluation.amount is not None and evaluation.rate_code is not None
    amount = x12_amount(evaluation.amount)
    first, last = _service_period(row, profile)
    out.add(
        "CLM",
        claim_identifier(row),
        amount,
        "",
        "",
        _composite(rules.facility_type_code, "A", row.claim_frequency),
        "",
        "A",
        "Y",
        "Y",
    )
    out.add("DTP", "434", "RD8", f"{x12_date(first)}-{x12_date(last)}")
    out.add("CL1", "", "", rules.patient_status_code)
    _original_claim_reference(out, row)
    diagnoses = _diagnosis_segments(row, "ABK", "ABF", limit=13)
    out.add("HI", diagnoses[0])
    if len(diagnoses) > 1:
        out.add("HI", *diagnoses[1:])
    # NY: the rate code is reported as the amount of value code 24
    out.add("HI", _composite("BE", rules.value_code, "", "", evaluation.rate_code))
    # 2310A attending provider: the 837I guide requires it on every claim for services other than
    # non-scheduled transportation; the NPI goes with it only when the practitioner has one.
    npi = settings.attending_npi.strip()
    out.add(
        "NM1",
        "71",
        "1",
        x12_text(settings.attending_last_name, 60),
        x12_text(settings.attending_first_name, 35),
        "",
        "",
        "",
        "XX" if npi else "",
        npi,
    )
    out.add("LX", "1")
    out.add("SV2", rules.revenue_code, "", amount, "UN", "1")
    # 2400 service date: the 837I guide requires it on every line of an outpatient claim
    _service_date(out, "472", first, last)


def _professional_claim(
    out: _Segments, row: BillingRow, settings: ClaimSettings, profile: BillingProfile
) -> None:
    rules = profile.claim
    evaluation = row.evaluation
    assert evaluation.amount is not None and evaluation.rate_code is not None
    amount = x12_amount(evaluation.amount)
    out.add(
        "CLM",
        claim_identifier(row),
        amount,
        "",
        "",
        _composite(rules.place_of_service, "B", row.claim_frequency),
        "Y",
        "A",
        "Y",
        "Y",
    )
    _original_claim_reference(out, row)
    out.add("HI", *_diagnosis_segments(row, "ABK", "ABF", limit=12))
    # 2310B rendering provider: only when it differs from the billing provider, i.e. a practitioner is named
    if settings.attending_npi.strip():
        out.add(
            "NM1",
            "82",
            "1",
            x12_text(settings.attending_last_name, 60),
            x12_text(settings.attending_first_name, 35),
            "",
            "",
            "",
            "XX",
            settings.attending_npi.strip(),
        )
    out.add("LX", "1")
    out.add("SV1", _composite("HC", evaluation.rate_code, *rules.modifiers), amount, "UN", "1", "", "", "1")
    first, last = _service_period(row, profile)
    _service_date(out, "472", first, last)
