"""837I and 837P claim files, validated with pyx12 (the library behind its `x12valid` script)."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import pyx12.params
import pyx12.x12n_document
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.domain.billing_profile import BillingProfile, ServiceDates
from hhdesk.domain.billing_rules import MemberBillingFacts, evaluate_month
from hhdesk.exports import x12
from hhdesk.exports.billing_data import (
    BillingRow,
    ClaimSettings,
    ExportError,
    MissingSettingsError,
    PostalAddress,
    missing_settings,
)
from hhdesk.exports.profiles import load_profile
from hhdesk.exports.x12 import (
    MAX_CLAIMS_PER_TRANSACTION,
    ControlNumbers,
    claim_identifier,
    write_837,
    write_837i,
    write_837p,
    x12_amount,
    x12_text,
)

MONTH = "2024-03"
CREATED = datetime(2024, 4, 2, 9, 30)
CONTROL = ControlNumbers(interchange=42, group=7)

SETTINGS = ClaimSettings(
    billing_provider_name="Sunrise Care Management, Inc.",
    billing_provider_npi="1234567893",
    billing_provider_taxonomy="251B00000X",
    billing_provider_tax_id="12-3456789",
    billing_provider_address=PostalAddress("100 Main St", "Suite 2", "Albany", "NY", "12207-1234"),
    submitter_id="SUNRISE01",
    submitter_name="Sunrise Care Management",
    receiver_id="NYMEDICAID",
    receiver_name="NYS Medicaid",
    payer_id="141797357",
    payer_name="NYS Medicaid",
    contact_phone="(518) 555-0100",
    contact_name="Billing Office",
    attending_last_name="Rivera",
    attending_first_name="Ana",
)


def d(text: str) -> date:
    return date.fromisoformat(text)


def member_facts(
    tier: str, contacts: list[tuple[date, str, set[str]]], segment: str = "enrolled"
) -> MemberBillingFacts:
    return MemberBillingFacts(
        segments=[(segment, d("2024-01-01"), None)],
        consents=[("consent", d("2024-01-01"))],
        care_plans_signed=[d("2024-01-20")],
        tiers=[(tier, d("2024-01-01"))],
        contacts=contacts,
    )


def sample_rows(profile: BillingProfile) -> list[BillingRow]:
    """Four billable member-months of different kinds and one that is not billable."""
    phone = [(d("2024-03-05"), "phone", {"CM"})]
    hh_plus_short = [(d("2024-03-05"), "in_person", {"CM"}), (d("2024-03-06"), "phone", {"CC"})]
    evaluations = [
        evaluate_month(member_facts("standard", phone), profile, MONTH),
        evaluate_month(member_facts("hh_plus", hh_plus_short), profile, MONTH),
        evaluate_month(member_facts("high_risk", phone), profile, MONTH),
        evaluate_month(member_facts("standard", []), profile, MONTH),  # no core service
        evaluate_month(member_facts("standard", phone, segment="outreach"), profile, MONTH),
    ]
    people = [
        ("AB12345C", "O'Brien", "Zoë", d("1970-05-06"), "F", ("F32.9", "E11.9", "I10")),
        ("CD23456E", "Nguyễn", "Minh*Anh", d("1985-11-30"), "M", ("F20.9",)),
        ("EF34567G", "Smith~Jones", "Al", d("1990-01-01"), "X", ("J45.909",)),
        ("GH45678I", "Doe", "Jane", d("2000-02-29"), "F", ()),
        ("IJ56789K", "Lee", "Sam", d("1960-07-04"), "U", ("Z59.00",)),
    ]
    rows = []
    for number, (evaluation, person) in enumerate(zip(evaluations, people, strict=True)):
        medicaid_id, last, first, dob, sex, diagnoses = person
        rows.append(
            BillingRow(
                evaluation=evaluation,
                medicaid_id=medicaid_id,
                last_name=last,
                first_name=first,
                dob=dob,
                care_manager="cm.one",
                consent_date=d("2024-01-01"),
                care_plan_date=d("2024-01-20"),
                sex=sex,
                diagnosis_codes=diagnoses,
                address=PostalAddress("5 Elm St", "", "Troy", "NY", "12180") if number % 2 == 0 else None,
            )
        )
    return rows


@pytest.fixture(scope="module")
def ny_adult() -> BillingProfile:
    return load_profile("ny_adult", overrides={"outreach_rate_code": "1386", "outreach_amount": "135.00"})


@pytest.fixture(scope="module")
def generic() -> BillingProfile:
    return load_profile(
        "generic_837p",
        overrides={"hcpcs_code": "S0280", "modifiers": ["U1"], "rate_amounts": {"S0280": "350.00"}},
    )


def validate(text: str, tmp_path: Path) -> tuple[bool, str]:
    """Run pyx12's validator over the file; returns (valid, the 999 acknowledgement it wrote)."""
    path = tmp_path / "claims.x12"
    path.write_text(text, encoding="ascii")
    acknowledgement = io.StringIO()
    valid = pyx12.x12n_document.x12n_document(
        param=pyx12.params.params(), src_file=str(path), fd_997=acknowledgement, fd_html=None, fd_xmldoc=None
    )
    return valid, acknowledgement.getvalue()


def segments_of(text: str) -> list[list[str]]:
    return [segment.strip().split("*") for segment in text.split("~") if segment.strip()]


def generated_rows(profile: BillingProfile, count: int) -> list[BillingRow]:
    """`count` billable member-months: the sample's billable rows over again, each with its own Medicaid ID."""
    billable = [row for row in sample_rows(profile) if row.evaluation.billable]
    return [replace(billable[n % len(billable)], medicaid_id=f"ZZ{n:06d}A") for n in range(count)]


def transaction_sets(segments: list[list[str]]) -> list[list[list[str]]]:
    """The segments of each ST-SE set, ST and SE included, in file order."""
    sets: list[list[list[str]]] = []
    for segment in segments:
        if segment[0] == "ST":
            sets.append([])
        if sets and (segment[0] != "GE" and segment[0] != "IEA"):
            sets[-1].append(segment)
    return sets


def assert_envelope(segments: list[list[str]], claims_per_set: list[int]) -> None:
    """One ISA/IEA and one GS/GE around sequential, self-contained ST-SE sets holding those claim counts."""
    sets = transaction_sets(segments)
    controls = [f"{number:04d}" for number in range(1, len(claims_per_set) + 1)]
    assert [s[0] for s in segments].count("ISA") == 1 and [s[0] for s in segments].count("GS") == 1
    assert [s[0][2] for s in sets] == controls
    assert segments[-2] == ["GE", str(len(claims_per_set)), "7"] and segments[-1] == ["IEA", "1", "000000042"]
    assert [sum(1 for s in one_set if s[0] == "CLM") for one_set in sets] == claims_per_set
    bht_references = []
    for one_set, control in zip(sets, controls, strict=True):
        assert one_set[0][0] == "ST" and one_set[-1] == ["SE", str(len(one_set)), control]
        assert one_set[1][0] == "BHT" and [s[:2] for s in one_set[2:5]] == [["NM1", "41"], ["PER", "IC"], ["NM1", "40"]]
        bht_references.append(one_set[1][3])
        # HL numbers start at 1 in every set: the billing provider, then one subscriber level per claim
        levels = [s[1:4] for s in one_set if s[0] == "HL"]
        assert levels[0] == ["1", "", "20"]
        assert levels[1:] == [[str(n), "1", "22"] for n in range(2, len(levels) + 1)]
        assert len(levels) == sum(1 for s in one_set if s[0] == "CLM") + 1
    assert len(set(bht_references)) == len(bht_references)


# -- validation -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("newlines", [False, True], ids=["one-line", "segment-per-line"])
def test_837i_validates_with_pyx12(ny_adult: BillingProfile, tmp_path: Path, newlines: bool) -> None:
    claim_file = write_837i(
        sample_rows(ny_adult), SETTINGS, ny_adult, CONTROL, CREATED, segment_newlines=newlines
    )
    valid, acknowledgement = validate(claim_file.text, tmp_path)
    assert valid, acknowledgement
    assert "IK5*A" in acknowledgement and "AK9*A*1*1*1" in acknowledgement


@pytest.mark.parametrize("newlines", [False, True], ids=["one-line", "segment-per-line"])
def test_837p_validates_with_pyx12(generic: BillingProfile, tmp_path: Path, newlines: bool) -> None:
    claim_file = write_837p(
        sample_rows(generic), SETTINGS, generic, CONTROL, CREATED, segment_newlines=newlines
    )
    valid, acknowledgement = validate(claim_file.text, tmp_path)
    assert valid, acknowledgement
    assert "IK5*A" in acknowledgement


@pytest.mark.parametrize("profile_name", ["ny_adult", "generic_837p"])
def test_x12valid_script_reports_ok(
    profile_name: str, ny_adult: BillingProfile, generic: BillingProfile, tmp_path: Path
) -> None:
    profile = ny_adult if profile_name == "ny_adult" else generic
    path = tmp_path / "claims.x12"
    path.write_bytes(write_837(sample_rows(profile), SETTINGS, profile, CONTROL, CREATED).data)
    result = subprocess.run(
        [sys.executable, "-m", "pyx12.scripts.x12valid", "--quiet", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert f"{path}: OK" in result.stderr, result.stderr


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda text: re.sub(r"CL1\*[^~]*~", "", text),  # a required segment gone
        lambda text: re.sub(r"SE\*\d+\*", "SE*3*", text),  # wrong segment count
        lambda text: text.replace("HL*2*1*22*0", "HL*2*1*23*0"),  # unknown hierarchical level code
    ],
    ids=["missing CL1", "wrong SE count", "bad HL03"],
)
def test_the_validator_does_catch_broken_files(ny_adult: BillingProfile, tmp_path: Path, corrupt) -> None:  # type: ignore[no-untyped-def]
    text = write_837i(sample_rows(ny_adult), SETTINGS, ny_adult, CONTROL, CREATED).text
    broken = corrupt(text)
    assert broken != text
    valid, _ = validate(broken, tmp_path)
    assert not valid


@pytest.mark.slow
@pytest.mark.parametrize("profile_name", ["ny_adult", "generic_837p"])
def test_more_claims_than_one_transaction_set_holds_validate_as_several_sets(
    profile_name: str, ny_adult: BillingProfile, generic: BillingProfile, tmp_path: Path
) -> None:
    # 12,001 claims at 5,000 a set: two full sets and one of 2,001 (pyx12 takes about 15-25 s per file)
    profile = ny_adult if profile_name == "ny_adult" else generic
    count = 2 * MAX_CLAIMS_PER_TRANSACTION + 2001
    claim_file = write_837(generated_rows(profile, count), SETTINGS, profile, CONTROL, CREATED)
    assert (claim_file.claim_count, claim_file.transaction_sets) == (count, 3)
    segments = segments_of(claim_file.text)
    assert [s[2] for s in segments if s[0] == "ST"] == ["0001", "0002", "0003"]
    assert_envelope(segments, [MAX_CLAIMS_PER_TRANSACTION, MAX_CLAIMS_PER_TRANSACTION, 2001])
    valid, acknowledgement = validate(claim_file.text, tmp_path)
    assert valid, acknowledgement[:2000]
    assert acknowledgement.count("IK5*A") == 3 and "AK9*A*3*3*3" in acknowledgement


@pytest.mark.parametrize("newlines", [False, True], ids=["one-line", "segment-per-line"])
def test_claims_split_into_sets_at_the_limit(
    ny_adult: BillingProfile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, newlines: bool
) -> None:
    # a limit of 2 splits the sample's 4 claims without writing thousands of them
    monkeypatch.setattr(x12, "MAX_CLAIMS_PER_TRANSACTION", 2)
    rows = sample_rows(ny_adult)
    claim_file = write_837(rows, SETTINGS, ny_adult, CONTROL, CREATED, segment_newlines=newlines)
    segments = segments_of(claim_file.text)
    assert claim_file.transaction_sets == 2
    assert claim_file.total_amount == sum(row.evaluation.amount or Decimal("0") for row in rows)
    assert_envelope(segments, [2, 2])
    valid, acknowledgement = validate(claim_file.text, tmp_path)
    assert valid, acknowledgement
    assert acknowledgement.count("IK5*A") == 2 and "AK9*A*2*2*2" in acknowledgement


def test_exactly_the_limit_stays_one_set(ny_adult: BillingProfile, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(x12, "MAX_CLAIMS_PER_TRANSACTION", 4)
    claim_file = write_837(sample_rows(ny_adult), SETTINGS, ny_adult, CONTROL, CREATED)
    assert claim_file.transaction_sets == 1
    assert_envelope(segments_of(claim_file.text), [4])


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda text: text.replace("GE*2*7~", "GE*1*7~"),  # group count says one set
        lambda text: text.replace("ST*837*0002*", "ST*837*0001*").replace("*0002~", "*0001~"),  # repeated ST02
        lambda text: text.replace("*0002~", "*0003~"),  # SE02 does not match its ST02
    ],
    ids=["wrong GE01", "repeated ST02", "SE02 mismatch"],
)
def test_the_validator_does_catch_broken_envelopes_of_several_sets(  # type: ignore[no-untyped-def]
    ny_adult: BillingProfile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, corrupt
) -> None:
    monkeypatch.setattr(x12, "MAX_CLAIMS_PER_TRANSACTION", 2)
    text = write_837i(sample_rows(ny_adult), SETTINGS, ny_adult, CONTROL, CREATED).text
    broken = corrupt(text)
    assert broken != text
    valid, _ = validate(broken, tmp_path)
    assert not valid


# -- content ----------------------------------------------------------------------------------------------


def test_837i_content_follows_the_new_york_conventions(ny_adult: BillingProfile) -> None:
    rows = sample_rows(ny_adult)
    claim_file = write_837(rows, SETTINGS, ny_adult, CONTROL, CREATED)
    segments = segments_of(claim_file.text)
    billable = [row for row in rows if row.evaluation.billable]
    assert claim_file.claim_count == len(billable) == 4
    assert claim_file.total_amount == Decimal("202.00") + Decimal("303.00") + Decimal("303.00") + Decimal(
        "135.00"
    )
    assert [s for s in segments if s[0] == "CLM"] == [
        ["CLM", claim_identifier(row), x12_amount(row.evaluation.amount), "", "", "34:A:1", "", "A", "Y", "Y"]  # type: ignore[arg-type]
        for row in billable
    ]
    # the rate code travels as value code 24; the HH+ member below the minimum bills at 1874
    assert [s[1] for s in segments if s[0] == "HI" and s[1].startswith("BE:")] == [
        "BE:24:::1873",
        "BE:24:::1874",
        "BE:24:::1874",
        "BE:24:::1386",
    ]
    assert [s for s in segments if s[0] == "SV2"][0] == ["SV2", "0500", "", "202", "UN", "1"]
    assert ["DTP", "434", "RD8", "20240301-20240331"] in segments
    assert ["HI", "ABK:F329", "ABF:E119", "ABF:I10"] not in segments  # principal diagnosis stands alone
    assert ["HI", "ABK:F329"] in segments and ["HI", "ABF:E119", "ABF:I10"] in segments
    # control numbers where the store expects them
    isa = segments[0]
    assert isa[13] == "000000042" and isa[15] == "P"
    assert segments[1][6] == "7" and segments[1][8] == "005010X223A2"
    assert segments[-2] == ["GE", "1", "7"] and segments[-1] == ["IEA", "1", "000000042"]
    st_index = next(i for i, s in enumerate(segments) if s[0] == "ST")
    se_index = next(i for i, s in enumerate(segments) if s[0] == "SE")
    assert segments[se_index][1] == str(se_index - st_index + 1)
    # member names made safe for X12: no separators, ASCII only
    assert ["NM1", "IL", "1", "NGUYEN", "MINH ANH", "", "", "", "MI", "CD23456E"] in segments
    assert ["NM1", "IL", "1", "SMITH JONES", "AL", "", "", "", "MI", "EF34567G"] in segments
    assert ["DMG", "D8", "19900101", "U"] in segments
    assert claim_file.text.isascii()


def test_837p_content_and_last_day_service_dates(generic: BillingProfile, tmp_path: Path) -> None:
    last_day_profile = replace(generic, claim=replace(generic.claim, service_dates=ServiceDates.LAST_DAY))
    claim_file = write_837p(sample_rows(generic), SETTINGS, last_day_profile, CONTROL, CREATED)
    segments = segments_of(claim_file.text)
    assert ["SV1", "HC:S0280:U1", "350", "UN", "1", "", "", "1"] in segments
    assert ["DTP", "472", "D8", "20240331"] in segments
    assert [s for s in segments if s[0] == "CLM"][0][5:10] == ["99:B:1", "Y", "A", "Y", "Y"]
    valid, acknowledgement = validate(claim_file.text, tmp_path)
    assert valid, acknowledgement


def test_test_files_are_marked(ny_adult: BillingProfile) -> None:
    text = write_837(
        sample_rows(ny_adult), replace(SETTINGS, test_file=True), ny_adult, CONTROL, CREATED
    ).text
    assert segments_of(text)[0][15] == "T"


# -- refusals ---------------------------------------------------------------------------------------------


def test_missing_settings_are_named_in_user_words(ny_adult: BillingProfile) -> None:
    incomplete = replace(
        SETTINGS, billing_provider_npi="", submitter_name=" ", billing_provider_address=PostalAddress()
    )
    with pytest.raises(MissingSettingsError) as caught:
        write_837(sample_rows(ny_adult), incomplete, ny_adult, CONTROL, CREATED)
    assert "billing provider NPI" in caught.value.problems
    assert "submitter name" in caught.value.problems
    assert "billing provider ZIP code" in caught.value.problems
    assert "billing provider NPI" in str(caught.value)


def test_every_setting_is_reported_when_all_are_empty() -> None:
    assert len(missing_settings(ClaimSettings())) == 11  # receiver and payer come from the payer table


def test_malformed_settings_are_refused(ny_adult: BillingProfile) -> None:
    malformed = replace(
        SETTINGS,
        billing_provider_npi="1234567890",
        billing_provider_tax_id="12345",
        billing_provider_address=PostalAddress("1 Main", "", "Albany", "NY", "12207"),
    )
    with pytest.raises(MissingSettingsError) as caught:
        write_837(sample_rows(ny_adult), malformed, ny_adult, CONTROL, CREATED)
    assert caught.value.problems == [
        "billing provider NPI must be 10 digits with a valid check digit",
        "billing provider tax ID (EIN) must be 9 digits",
        "billing provider ZIP code must have 9 digits (ZIP+4) on a claim",
    ]


def test_nothing_billable_is_refused(ny_adult: BillingProfile) -> None:
    rows = [row for row in sample_rows(ny_adult) if not row.evaluation.billable]
    with pytest.raises(ExportError, match="no billable member-months"):
        write_837(rows, SETTINGS, ny_adult, CONTROL, CREATED)


def test_missing_diagnosis_names_the_row_not_the_member(ny_adult: BillingProfile) -> None:
    rows = sample_rows(ny_adult)
    rows[1] = replace(rows[1], diagnosis_codes=("not a code",))
    with pytest.raises(ExportError) as caught:
        write_837(rows, SETTINGS, ny_adult, CONTROL, CREATED)
    message = str(caught.value)
    assert "rows 2" in message and "ICD-10-CM" in message
    assert rows[1].medicaid_id not in message and "NGUY" not in message.upper()


def test_rate_code_without_an_amount_is_refused(generic: BillingProfile) -> None:
    no_amount = load_profile("generic_837p")
    with pytest.raises(ExportError, match="amount is not set for rate code\\(s\\) S0280"):
        write_837(sample_rows(no_amount), SETTINGS, no_amount, CONTROL, CREATED)


def test_the_claim_type_must_match_the_profile(ny_adult: BillingProfile, generic: BillingProfile) -> None:
    with pytest.raises(ExportError, match="bills on the 837I claim"):
        write_837p(sample_rows(ny_adult), SETTINGS, ny_adult, CONTROL, CREATED)
    with pytest.raises(ExportError, match="bills on the 837P claim"):
        write_837i(sample_rows(generic), SETTINGS, generic, CONTROL, CREATED)


@pytest.mark.parametrize(("interchange", "group"), [(0, 1), (1, 0), (1_000_000_000, 1), (True, 1)])
def test_control_numbers_are_range_checked(interchange: int, group: int) -> None:
    with pytest.raises(ExportError, match="control number"):
        ControlNumbers(interchange, group)


# -- values -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("202.00"), "202"),
        (Decimal("215.13"), "215.13"),
        (Decimal("215.10"), "215.1"),
        (Decimal("200"), "200"),
        (Decimal("0"), "0"),
    ],
)
def test_amounts_are_written_without_trailing_zeros(amount: Decimal, text: str) -> None:
    assert x12_amount(amount) == text


@given(st.text(max_size=80), st.integers(min_value=1, max_value=60))
def test_x12_text_is_plain_ascii_without_separators(value: str, max_length: int) -> None:
    cleaned = x12_text(value, max_length)
    assert cleaned.isascii() and len(cleaned) <= max_length
    assert not set(cleaned) & set("*:^~\n\r")
    assert cleaned == cleaned.strip() and cleaned == cleaned.upper()


def test_claim_identifier_fits_twenty_characters() -> None:
    evaluation = sample_rows(load_profile("ny_adult"))[0].evaluation
    short = BillingRow(evaluation, "AB12345C", "A", "B", d("1970-01-01"))
    long = BillingRow(evaluation, "123456789012345678", "A", "B", d("1970-01-01"))
    assert claim_identifier(short) == "AB12345C202403"
    assert len(claim_identifier(long)) == 20 and claim_identifier(long).startswith("202403")


def test_a_name_with_no_latin_letters_is_refused_by_row(ny_adult: BillingProfile) -> None:
    rows = sample_rows(ny_adult)
    rows[0] = replace(rows[0], last_name="王")
    with pytest.raises(ExportError, match=r"last name with no letters .* \(rows 1\)"):
        write_837(rows, SETTINGS, ny_adult, CONTROL, CREATED)


def test_a_malformed_member_address_is_left_out_and_the_file_stays_valid(
    ny_adult: BillingProfile, tmp_path: Path
) -> None:
    bad_state = PostalAddress("5 Elm St", "", "Troy", "New York", "12180")
    rows = [replace(row, address=bad_state) for row in sample_rows(ny_adult)]
    claim_file = write_837(rows, SETTINGS, ny_adult, CONTROL, CREATED)
    assert "TROY" not in claim_file.text
    valid, acknowledgement = validate(claim_file.text, tmp_path)
    assert valid, acknowledgement


# -- service lines, providers, claim frequency ------------------------------------------------------------


def test_every_837i_line_has_its_service_date_and_every_claim_an_attending_provider(
    ny_adult: BillingProfile, tmp_path: Path
) -> None:
    """837I guide: 2400 DTP*472 on outpatient lines; 2310A required for services other than transport."""
    text = write_837i(sample_rows(ny_adult), SETTINGS, ny_adult, CONTROL, CREATED).text
    segments = segments_of(text)
    lines = [number for number, segment in enumerate(segments) if segment[0] == "SV2"]
    assert len(lines) == 4
    assert all(segments[n + 1] == ["DTP", "472", "RD8", "20240301-20240331"] for n in lines)
    attending = [s for s in segments if s[:2] == ["NM1", "71"]]
    assert attending == [["NM1", "71", "1", "RIVERA", "ANA"]] * 4  # no NPI: NM108/NM109 left out
    with_npi = write_837i(sample_rows(ny_adult), replace(SETTINGS, attending_npi="1234567893"), ny_adult, CONTROL,
                          CREATED).text
    assert ["NM1", "71", "1", "RIVERA", "ANA", "", "", "", "XX", "1234567893"] in segments_of(with_npi)
    assert all(s[5] == "34:A:1" for s in segments if s[0] == "CLM")  # originals: frequency 1
    for candidate in (text, with_npi):
        valid, acknowledgement = validate(candidate, tmp_path)
        assert valid, acknowledgement


def test_last_day_service_dates_put_a_single_date_on_the_837i_line(ny_adult: BillingProfile, tmp_path: Path) -> None:
    last_day = replace(ny_adult, claim=replace(ny_adult.claim, service_dates=ServiceDates.LAST_DAY))
    text = write_837i(sample_rows(ny_adult), SETTINGS, last_day, CONTROL, CREATED).text
    assert ["DTP", "472", "D8", "20240331"] in segments_of(text)
    valid, acknowledgement = validate(text, tmp_path)
    assert valid, acknowledgement


def test_an_837i_without_an_attending_provider_is_refused(ny_adult: BillingProfile) -> None:
    with pytest.raises(MissingSettingsError) as refused:
        write_837i(sample_rows(ny_adult), replace(SETTINGS, attending_last_name=""), ny_adult, CONTROL, CREATED)
    assert refused.value.problems == ["attending provider last name"]


def test_the_837p_names_a_rendering_provider_only_when_one_with_an_npi_is_set(
    generic: BillingProfile, tmp_path: Path
) -> None:
    plain = segments_of(write_837p(sample_rows(generic), SETTINGS, generic, CONTROL, CREATED).text)
    assert not [s for s in plain if s[:2] == ["NM1", "82"]]
    text = write_837p(sample_rows(generic), replace(SETTINGS, attending_npi="1234567893"), generic, CONTROL,
                      CREATED).text
    assert ["NM1", "82", "1", "RIVERA", "ANA", "", "", "", "XX", "1234567893"] in segments_of(text)
    valid, acknowledgement = validate(text, tmp_path)
    assert valid, acknowledgement


@pytest.mark.parametrize(("frequency", "profile_name"), [("7", "ny_adult"), ("8", "ny_adult"), ("7", "generic_837p")])
def test_replacement_and_void_claims_name_the_original(
    frequency: str, profile_name: str, ny_adult: BillingProfile, generic: BillingProfile, tmp_path: Path
) -> None:
    profile = ny_adult if profile_name == "ny_adult" else generic
    rows = [replace(row, claim_frequency=frequency, payer_claim_number=f"ICN{n:05d}")
            for n, row in enumerate(sample_rows(profile)) if row.evaluation.billable]
    text = write_837(rows, SETTINGS, profile, CONTROL, CREATED).text
    segments = segments_of(text)
    assert all(s[5].endswith(f":{frequency}") for s in segments if s[0] == "CLM")
    assert [s for s in segments if s[:2] == ["REF", "F8"]] == [["REF", "F8", row.payer_claim_number] for row in rows]
    valid, acknowledgement = validate(text, tmp_path)
    assert valid, acknowledgement


def test_a_replacement_without_the_payers_claim_number_is_refused_by_row(ny_adult: BillingProfile) -> None:
    rows = sample_rows(ny_adult)
    rows[2] = replace(rows[2], claim_frequency="7")
    with pytest.raises(ExportError, match=r"no payer claim number of the original claim \(rows 3\)"):
        write_837(rows, SETTINGS, ny_adult, CONTROL, CREATED)
    rows[2] = replace(rows[2], claim_frequency="5")
    with pytest.raises(ExportError, match=r"frequency must be 1, 7 or 8 \(rows 3\)"):
        write_837(rows, SETTINGS, ny_adult, CONTROL, CREATED)


def test_a_claim_file_needs_its_payer(ny_adult: BillingProfile) -> None:
    with pytest.raises(MissingSettingsError) as refused:
        write_837(sample_rows(ny_adult), replace(SETTINGS, receiver_id="", payer_id=""), ny_adult, CONTROL, CREATED)
    assert refused.value.problems == ["the payer's receiver ID in the payer table", "the payer ID in the payer table"]


def test_claim_file_lists_each_claim_with_its_transaction_set(ny_adult: BillingProfile,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(x12, "MAX_CLAIMS_PER_TRANSACTION", 3)
    claim_file = write_837(sample_rows(ny_adult), SETTINGS, ny_adult, CONTROL, CREATED)
    assert [(claim_id[-6:], number) for claim_id, number, _row in claim_file.claims] == [
        ("202403", "0001"), ("202403", "0001"), ("202403", "0001"), ("202403", "0002")]
