"""The billing CSV and the billing-support file: exact headers and row formatting."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from hhdesk.domain.billing_profile import BillingProfile
from hhdesk.domain.billing_rules import MemberBillingFacts, evaluate_month
from hhdesk.domain.enums import BillingReason, SegmentType, Tier
from hhdesk.domain.service_month import ServiceMonth
from hhdesk.exports.billing_csv import (
    BILLING_CSV_COLUMNS,
    billing_csv_bytes,
    billing_csv_text,
)
from hhdesk.exports.billing_data import BillingRow
from hhdesk.exports.billing_support import BILLING_SUPPORT_COLUMNS, billing_support_text
from hhdesk.exports.profiles import load_profile

PROFILE: BillingProfile = load_profile("ny_adult")
EXPECTED_HEADER = (
    "service_month,medicaid_id,last_name,first_name,dob,segment,tier,qualifying_contacts,in_person_contacts,"
    "core_services,billable,reason,note,rate_code,amount,care_manager"
)


def d(text: str) -> date:
    return date.fromisoformat(text)


def row_for(facts: MemberBillingFacts, **person: object) -> BillingRow:
    values: dict[str, object] = {
        "medicaid_id": "AB12345C",
        "last_name": "Ortiz",
        "first_name": "Ana",
        "dob": d("1970-05-06"),
        "care_manager": "cm.one",
        "consent_date": d("2024-01-01"),
        "care_plan_date": d("2024-01-20"),
    }
    values.update(person)
    return BillingRow(evaluation=evaluate_month(facts, PROFILE, "2024-03"), **values)  # type: ignore[arg-type]


HH_PLUS_SHORT = MemberBillingFacts(
    segments=[("enrolled", d("2024-01-01"), None)],
    consents=[("consent", d("2024-01-01"))],
    care_plans_signed=[d("2024-01-20")],
    tiers=[("hh_plus", d("2024-01-01"))],
    contacts=[(d("2024-03-05"), "in_person", {"CM", "TC"}), (d("2024-03-09"), "phone", {"CC", "CM"})],
)
NO_CONSENT = MemberBillingFacts(
    segments=[("enrolled", d("2024-02-01"), None)],
    tiers=[("standard", d("2024-02-01"))],
    contacts=[(d("2024-03-05"), "phone", {"CM"})],
)
OUTREACH_NO_CONTACT = MemberBillingFacts(segments=[("outreach", d("2024-03-10"), None)])
NO_SEGMENT = MemberBillingFacts()


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_header_is_exactly_the_documented_columns() -> None:
    assert ",".join(BILLING_CSV_COLUMNS) == EXPECTED_HEADER
    assert billing_csv_text([]).splitlines() == [EXPECTED_HEADER]


def test_billable_row_formatting() -> None:
    records = parse(billing_csv_text([row_for(HH_PLUS_SHORT)]))
    assert dict(zip(records[0], records[1], strict=True)) == {
        "service_month": "2024-03",
        "medicaid_id": "AB12345C",
        "last_name": "Ortiz",
        "first_name": "Ana",
        "dob": "1970-05-06",
        "segment": "enrolled",
        "tier": "hh_plus",
        "qualifying_contacts": "2",
        "in_person_contacts": "1",
        "core_services": "CC;CM;TC",
        "billable": "Y",
        "reason": "",
        "note": "hh_plus_minimum_not_met",
        "rate_code": "1874",
        "amount": "303.00",
        "care_manager": "cm.one",
    }


def test_unbillable_rows_show_the_reason_and_leave_code_and_amount_empty() -> None:
    records = parse(
        billing_csv_text([row_for(NO_CONSENT), row_for(OUTREACH_NO_CONTACT), row_for(NO_SEGMENT)])
    )
    header = records[0]
    by_column = [dict(zip(header, record, strict=True)) for record in records[1:]]
    assert [(r["segment"], r["billable"], r["reason"], r["rate_code"], r["amount"]) for r in by_column] == [
        ("enrolled", "N", "no_consent", "", ""),
        ("outreach", "N", "no_core_service", "", ""),
        ("", "N", "no_segment", "", ""),
    ]
    assert by_column[1]["tier"] == "" and by_column[1]["core_services"] == ""


def test_amounts_always_have_two_decimals() -> None:
    downstate = load_profile("ny_adult", region="downstate", overrides={"rate_amounts": {"1874": "330"}})
    row = row_for(HH_PLUS_SHORT)
    evaluation = evaluate_month(HH_PLUS_SHORT, downstate, "2024-03")
    assert evaluation.amount == Decimal("330.00")
    text = billing_csv_text([BillingRow(evaluation, row.medicaid_id, row.last_name, row.first_name, row.dob)])
    assert parse(text)[1][BILLING_CSV_COLUMNS.index("amount")] == "330.00"


def test_utf8_names_quoting_and_crlf_line_ends() -> None:
    row = row_for(HH_PLUS_SHORT, last_name="Núñez, Jr.", first_name='Zoë "Z"')
    data = billing_csv_bytes([row])
    # The byte-order mark tells Excel the file is UTF-8, so "Núñez" does not open as "NÃºÃ±ez".
    assert data.startswith(b"\xef\xbb\xbf" + EXPECTED_HEADER.encode("ascii") + b"\r\n")
    assert "Núñez".encode() in data
    records = parse(data.decode("utf-8-sig"))
    assert records[1][2:4] == ["Núñez, Jr.", 'Zoë "Z"']


def test_text_that_a_spreadsheet_would_run_as_a_formula_is_defused() -> None:
    records = parse(billing_csv_text([row_for(HH_PLUS_SHORT, last_name="=HYPERLINK(1)", care_manager="@cm")]))
    assert records[1][2] == "'=HYPERLINK(1)" and records[1][-1] == "'@cm"


def test_every_text_cell_is_defused_and_numbers_stay_numbers() -> None:
    row = row_for(HH_PLUS_SHORT, medicaid_id="+cmd|' /C calc'!A0", first_name="-2+3", last_name="@SUM(1+1)")
    records = parse(billing_csv_text([row, row_for(NO_CONSENT)]))
    assert records[1][1:4] == ["'+cmd|' /C calc'!A0", "'@SUM(1+1)", "'-2+3"]
    assert records[1][BILLING_CSV_COLUMNS.index("amount")] == "303.00"
    assert len(records) == 3


# -- billing support --------------------------------------------------------------------------------------


def test_billing_support_header_and_rows() -> None:
    rows = [
        row_for(HH_PLUS_SHORT),
        row_for(NO_CONSENT, consent_date=None, care_plan_date=None, medicaid_id="CD23456E"),
        row_for(OUTREACH_NO_CONTACT, medicaid_id="EF34567G", consent_date=None, care_plan_date=None),
        row_for(NO_SEGMENT, medicaid_id="GH45678I"),  # no segment: not reported
    ]
    records = parse(billing_support_text(rows))
    assert (
        records[0]
        == list(BILLING_SUPPORT_COLUMNS)
        == [
            "member_id",
            "service_month",
            "outreach_enrollment_code",
            "core_service_provided",
            "tier",
            "hh_plus_minimum_met",
            "consent_date",
            "care_plan_date",
            "care_manager",
        ]
    )
    assert records[1:] == [
        ["AB12345C", "2024-03", "E", "Y", "hh_plus", "N", "2024-01-01", "2024-01-20", "cm.one"],
        ["CD23456E", "2024-03", "E", "Y", "standard", "", "", "", "cm.one"],
        ["EF34567G", "2024-03", "O", "N", "", "", "", "", "cm.one"],
    ]


def test_rows_carry_the_evaluation_unchanged() -> None:
    row = row_for(NO_CONSENT)
    assert row.evaluation.service_month == ServiceMonth(2024, 3)
    assert row.evaluation.segment is SegmentType.ENROLLED and row.evaluation.tier is Tier.STANDARD
    assert row.evaluation.reason is BillingReason.NO_CONSENT and not row.billable
