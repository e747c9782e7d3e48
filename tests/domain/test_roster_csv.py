"""The roster CSV parser: hand cases, and hypothesis for malformed input (no crash, line-numbered errors)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hhdesk.domain.conditions import is_known_icd10
from hhdesk.domain.enums import SegmentType, Tier
from hhdesk.domain.errors import DomainError
from hhdesk.domain.roster_csv import ROSTER_COLUMNS, LineError, decode_csv_bytes, parse_roster
from hhdesk.profiles import load_program_profile

NY = load_program_profile("program_ny")
# Load the ICD-10-CM code set once, here, not inside a hypothesis example with its time limit.
assert is_known_icd10("E11.9")
TODAY = date(2025, 6, 30)
USERS = {"jdoe", "MSmith"}
HEADER = ",".join(ROSTER_COLUMNS)


def good_row(**changes: str) -> dict[str, str]:
    row = {
        "medicaid_id": "AB12345C",
        "last_name": "Núñez",
        "first_name": "José",
        "dob": "1980-05-17",
        "sex": "M",
        "phone": "(212) 555-0100",
        "address_line1": "1 Main St, Apt 2",
        "city": "New York",
        "state": "NY",
        "zip": "10001",
        "language": "Spanish",
        "plan_id": "PLAN1",
        "segment": "enrolled",
        "segment_start": "2024-01-15",
        "consent_date": "2024-01-10",
        "tier": "high_risk",
        "conditions": "E11.9;J45.909",
        "care_manager": "jdoe",
    }
    row.update(changes)
    return row


def medicaid_id(n: int) -> str:
    return f"AB{n:05d}C"


def to_csv(rows: list[dict[str, str]], header: str = HEADER, newline: str = "\r\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    for row in rows:
        writer.writerow([row[c] for c in ROSTER_COLUMNS])
    return header + newline + buffer.getvalue()


def record_lines(rows: list[dict[str, str]]) -> list[int]:
    """The file line on which each row starts (the header is line 1), counting line breaks in fields."""
    starts = []
    line = 2
    for row in rows:
        starts.append(line)
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow([row[c] for c in ROSTER_COLUMNS])
        line += len(io.StringIO(buffer.getvalue(), newline="").readlines())
    return starts


def parse(text: str, **kwargs):
    return parse_roster(text, profile=NY, known_usernames=USERS, today=TODAY, **kwargs)


def fields_in_error(result, line_no: int) -> set[str | None]:
    return {e.field for e in result.errors if e.line_no == line_no}


# ---- hand cases ------------------------------------------------------------------------------------


def test_a_good_file_parses_with_normalised_values() -> None:
    result = parse(
        to_csv([good_row(medicaid_id="ab12345c", conditions="e119; j45.909 ;E11.9;", care_manager="JDOE")])
    )
    assert result.ok
    (row,) = result.rows
    assert row.line_no == 2
    assert row.medicaid_id == "AB12345C"
    assert row.last_name == "Núñez"
    assert row.dob == date(1980, 5, 17)
    assert row.phone == "2125550100"
    assert row.address_line1 == "1 Main St, Apt 2"
    assert row.segment is SegmentType.ENROLLED
    assert row.tier is Tier.HIGH_RISK
    assert row.conditions == ("E11.9", "J45.909")
    assert row.care_manager == "jdoe"


def test_bom_blank_lines_and_unix_newlines_are_fine() -> None:
    text = (
        "\ufeff" + to_csv([good_row(), good_row(medicaid_id=medicaid_id(2))], newline="\n") + "\n\n  \n,,,\n"
    )
    result = parse(text)
    assert result.ok, result.errors
    assert [r.line_no for r in result.rows] == [2, 3]


def test_lines_as_an_iterable_are_accepted() -> None:
    lines = to_csv([good_row()]).splitlines(keepends=True)
    assert parse_roster(lines, profile=NY, known_usernames=USERS, today=TODAY).ok


def test_consent_date_may_be_blank_on_an_enrolled_row() -> None:
    result = parse(to_csv([good_row(consent_date="")]))
    assert result.ok
    assert result.rows[0].consent_date is None


def test_tier_may_be_blank_on_outreach_but_not_on_enrolled() -> None:
    result = parse(
        to_csv([good_row(segment="outreach", tier=""), good_row(medicaid_id=medicaid_id(2), tier="")])
    )
    assert [r.line_no for r in result.rows] == [2]
    assert result.rows[0].tier is None
    assert result.errors == (LineError(3, "is required (one of " + "|".join(Tier) + ")", "tier"),)


def test_us_dates_are_accepted_and_two_digit_years_are_not() -> None:
    result = parse(to_csv([good_row(dob="5/17/1980", segment_start="01/15/2024")]))
    assert result.ok
    assert result.rows[0].dob == date(1980, 5, 17)
    assert fields_in_error(parse(to_csv([good_row(dob="5/17/80")])), 2) == {"dob"}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"dob": "2025-07-01"}, "dob", "is in the future"),
        ({"segment_start": "1979-01-01"}, "segment_start", "is before the date of birth"),
        ({"consent_date": "1979-01-01"}, "consent_date", "is before the date of birth"),
        ({"consent_date": "2026-01-01"}, "consent_date", "is in the future"),
        ({"dob": "1980-02-30"}, "dob", "expected a date"),
        ({"dob": "1899-12-31"}, "dob", "is before 1900"),
        ({"segment": "active"}, "segment", "expected outreach or enrolled"),
        ({"tier": "gold"}, "tier", "expected one of"),
        ({"conditions": "E11.9;E11."}, "conditions", "code 2 is not shaped like"),
        ({"conditions": "E11.9X"}, "conditions", "code 1 is not in the ICD-10-CM code set"),
        ({"conditions": "A00-A09"}, "conditions", "not shaped like"),
        ({"care_manager": "someone"}, "care_manager", "is not the username"),
        ({"medicaid_id": "AB1234C"}, "medicaid_id", "like AB12345C"),
        ({"medicaid_id": ""}, "medicaid_id", "is required"),
        ({"last_name": " "}, "last_name", "is required"),
        ({"first_name": "A\nB"}, "first_name", "line break"),
        ({"city": "x" * 201}, "city", "longer than"),
        ({"sex": "male"}, "sex", "expected one of M, F, X, U"),
        ({"phone": "555-0100"}, "phone", "10-digit"),
        ({"state": "New York"}, "state", "two-letter"),
        ({"zip": "1000"}, "zip", "ZIP code"),
    ],
)
def test_each_bad_field_is_reported_on_its_line(changes: dict[str, str], field: str, message: str) -> None:
    rows = [
        good_row(medicaid_id=medicaid_id(1)),
        good_row(medicaid_id=medicaid_id(2)),
        good_row(medicaid_id=medicaid_id(3)),
    ]
    rows[1].update(changes)
    lines = record_lines(rows)
    result = parse(to_csv(rows))
    assert [e.line_no for e in result.errors] == [3]
    error = result.errors[0]
    assert error.field == field
    assert message in error.message
    assert [r.line_no for r in result.rows] == [lines[0], lines[2]]


def test_every_bad_line_is_reported_not_just_the_first() -> None:
    rows = [good_row(medicaid_id=medicaid_id(n)) for n in range(1, 8)]
    rows[1]["dob"] = "yesterday"
    rows[4]["tier"] = "platinum"
    rows[4]["zip"] = "ABCDE"
    rows[6]["segment"] = ""
    result = parse(to_csv(rows))
    assert sorted({e.line_no for e in result.errors}) == [3, 6, 8]
    assert fields_in_error(result, 6) == {"tier", "zip"}


def test_blank_sex_means_unknown() -> None:
    assert parse(to_csv([good_row(sex="")])).rows[0].sex == "U"


def test_duplicate_medicaid_id_is_an_error_on_the_second_line() -> None:
    result = parse(to_csv([good_row(), good_row(first_name="Other"), good_row(medicaid_id="ab 12345 c")]))
    assert [r.line_no for r in result.rows] == [2]
    assert [(e.line_no, e.field, e.message) for e in result.errors] == [
        (3, "medicaid_id", "the same Medicaid ID is already on line 2"),
        (4, "medicaid_id", "the same Medicaid ID is already on line 2"),
    ]


def test_duplicate_is_reported_even_when_the_first_line_has_other_problems() -> None:
    result = parse(to_csv([good_row(dob="bad"), good_row()]))
    assert fields_in_error(result, 2) == {"dob"}
    assert fields_in_error(result, 3) == {"medicaid_id"}


def test_wrong_column_count() -> None:
    text = HEADER + "\n" + "AB12345C,Doe\n" + to_csv([good_row()]).split("\r\n", 1)[1] + "a," * 20 + "\n"
    result = parse(text)
    assert [(e.line_no, e.field) for e in result.errors] == [(2, None), (4, None)]
    assert "expected 18 columns, found 2" in result.errors[0].message
    assert "found 21" in result.errors[1].message
    assert [r.line_no for r in result.rows] == [3]


def test_quoted_field_spanning_lines_is_reported_where_its_record_starts() -> None:
    rows = [
        good_row(medicaid_id=medicaid_id(1), address_line1="1 Main St\nApt 2"),
        good_row(medicaid_id=medicaid_id(2), tier="x"),
    ]
    result = parse(to_csv(rows, newline="\n"))
    assert [(e.line_no, e.field) for e in result.errors] == [(2, "address_line1"), (4, "tier")]


def test_an_open_quote_swallowing_the_rest_is_reported() -> None:
    text = (
        to_csv([good_row()], newline="\n")
        + 'AB00002C,"Doe,John,1980-01-01\n'
        + to_csv([good_row(medicaid_id=medicaid_id(3))]).split("\r\n", 1)[1]
    )
    result = parse(text)
    assert not result.ok
    assert result.errors[0].line_no == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("\n\n", "the file is empty"),
        ("\ufeff", "the file is empty"),
        (HEADER + "\n", "no member rows"),
        (HEADER.replace("dob", "birth_date") + "\n", "column 4 should be dob"),
        (HEADER + ",extra\n", "it has 19 columns"),
        ("AB12345C,Doe,John\n", "the header row must be exactly"),
    ],
)
def test_header_problems(text: str, message: str) -> None:
    result = parse(text)
    assert result.rows == ()
    assert len(result.errors) == 1
    assert result.errors[0].line_no == 1
    assert message in result.errors[0].message


def test_header_is_case_and_space_insensitive() -> None:
    header = ", ".join(c.upper() for c in ROSTER_COLUMNS)
    assert parse(to_csv([good_row()], header=header)).ok


def test_an_overlong_field_is_a_line_error_not_a_crash() -> None:
    text = (
        to_csv([good_row()], newline="\n")
        + "x" * 200_000
        + "\n"
        + to_csv([good_row(medicaid_id=medicaid_id(9))], newline="\n").split("\n", 1)[1]
    )
    result = parse(text)
    assert [r.line_no for r in result.rows] == [2, 4]
    assert [e.line_no for e in result.errors] == [3]


def test_messages_never_quote_member_values() -> None:
    secret = "Zyxwvutsrq"
    row = good_row(
        medicaid_id=secret,
        last_name=secret * 30,
        dob=secret,
        phone=secret,
        care_manager=secret,
        conditions=secret,
    )
    result = parse(to_csv([row]))
    assert result.errors
    assert all(secret.lower() not in str(e).lower() for e in result.errors)


def test_decode_csv_bytes() -> None:
    text = to_csv([good_row()])
    assert decode_csv_bytes(text.encode("utf-8")) == text
    assert decode_csv_bytes(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert decode_csv_bytes(text.encode("utf-16")) == text
    with pytest.raises(DomainError, match="line 2") as caught:
        decode_csv_bytes(text.encode("cp1252"))
    assert "UTF-8" in str(caught.value)
    with pytest.raises(DomainError, match="UTF-16"):
        decode_csv_bytes(b"\xff\xfe\x00\xd8")


# ---- properties ------------------------------------------------------------------------------------


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(
        alphabet=st.sampled_from(list(',"\r\n\t ;-/.\x00\ufeff') + list("abAB12345CEJ9é")) | st.characters(),
        max_size=400,
    )
)
def test_arbitrary_text_never_raises_and_errors_have_real_line_numbers(text: str) -> None:
    result = parse(text)
    physical_lines = max(1, len(io.StringIO(text, newline="").readlines()))
    assert all(1 <= e.line_no <= physical_lines for e in result.errors)
    assert result.ok == (not result.errors)
    assert result.rows or result.errors


@settings(max_examples=200)
@given(st.text(max_size=300))
def test_arbitrary_text_after_a_good_header_never_raises(body: str) -> None:
    result = parse(HEADER + "\n" + body)
    assert all(e.line_no >= 2 or "no member rows" in e.message for e in result.errors)


@given(st.binary(max_size=300))
def test_arbitrary_bytes_decode_or_give_a_clear_error(data: bytes) -> None:
    try:
        text = decode_csv_bytes(data)
    except DomainError as exc:
        assert "UTF" in str(exc)
    else:
        parse(text)


# A field, and a value that breaks it.
BAD_VALUES = {
    "medicaid_id": ["", "A1", "AB12345", "AB-12345-CD"],
    "last_name": ["", "  ", "a\x00b", "x" * 300],
    "first_name": ["", "a\rb"],
    "dob": ["", "1980-13-01", "17/05/1980", "2099-01-01", "1980/05/17", "next tuesday"],
    "sex": ["male", "?", "MF"],
    "phone": ["12", "call me", "555-555-555", "+44 20 7946 0958"],
    "state": ["N", "N1", "New York"],
    "zip": ["1", "ABCDE", "10001-12"],
    "segment": ["", "enroled", "disenrolled"],
    "segment_start": ["", "2024-02-30", "2099-12-31", "1899-12-31"],
    "consent_date": ["2024-13-01", "2099-01-01", "tomorrow"],
    "tier": ["low", "HH+", "standard plus"],  # a blank tier is wrong only on an enrolled row
    "conditions": ["E11.9;Q", "ZZZ", "E11.9 J45.909", "U99.99"],
    "care_manager": ["nobody", "jdoe2"],
}


@settings(max_examples=200)
@given(
    rows=st.integers(min_value=1, max_value=8),
    mutations=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=7),
            st.sampled_from(sorted(BAD_VALUES)),
            st.integers(min_value=0, max_value=5),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_valid_rows_give_errors_on_exactly_those_lines(
    rows: int, mutations: list[tuple[int, str, int]]
) -> None:
    table = [good_row(medicaid_id=medicaid_id(n + 1)) for n in range(rows)]
    expected: dict[int, set[str]] = {}
    for row_index, field, choice in mutations:
        row_index %= rows
        values = BAD_VALUES[field]
        table[row_index][field] = values[choice % len(values)]
        expected.setdefault(row_index, set()).add(field)
    lines = record_lines(table)
    expected_lines = {lines[index]: fields for index, fields in expected.items()}

    result = parse(to_csv(table))

    assert {e.line_no for e in result.errors} == set(expected_lines)
    for line_no, fields in expected_lines.items():
        assert fields <= fields_in_error(result, line_no)
    assert {r.line_no for r in result.rows} == set(lines) - set(expected_lines)


@settings(max_examples=100)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "last_name": st.text(
                    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
                    min_size=1,
                    max_size=30,
                ).filter(str.strip),
                "sex": st.sampled_from(["M", "f", "x", "U", ""]),
                "segment": st.sampled_from(["outreach", "enrolled", "ENROLLED"]),
                "tier": st.sampled_from([t.value for t in Tier]),
                "conditions": st.lists(
                    st.sampled_from(["E11.9", "e119", "J45.909", "F20.9", "B20", "I10", "Z68.41"]), max_size=4
                ).map(";".join),
            }
        ),
        min_size=1,
        max_size=10,
    )
)
def test_generated_valid_rows_round_trip(rows: list[dict[str, str]]) -> None:
    table = [good_row(medicaid_id=medicaid_id(n), **changes) for n, changes in enumerate(rows)]
    result = parse(to_csv(table))
    assert result.ok, [str(e) for e in result.errors]
    assert [r.last_name for r in result.rows] == [row["last_name"].strip() for row in rows]


def test_five_thousand_rows_parse_quickly() -> None:
    import time

    table = [good_row(medicaid_id=medicaid_id(n)) for n in range(5000)]
    text = to_csv(table)
    parse(to_csv(table[:1]))  # load the code set once
    started = time.perf_counter()
    result = parse(text)
    elapsed = time.perf_counter() - started
    assert result.ok
    assert len(result.rows) == 5000
    # A printed figure against its goal (2 s); the bound only catches a parser gone quadratic.
    print(f"\n[roster CSV] 5,000 rows parsed in {elapsed:.2f} s (goal 2 s)")
    assert elapsed < 30
