"""Reading a date as typed: every way people write one, nothing guessed, and the two-digit year window."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.domain.date_entry import (
    DateEntryError,
    add_months,
    check_range,
    format_entry,
    full_year,
    parse_date_entry,
)

TODAY = date(2026, 12, 4)


@pytest.mark.parametrize(("typed", "meant"), [
    ("11/30/2026", date(2026, 11, 30)),
    ("1/5/2026", date(2026, 1, 5)),
    ("01/05/2026", date(2026, 1, 5)),
    ("11/30/26", date(2026, 11, 30)),
    ("3/31/27", date(2027, 3, 31)),
    ("03-31-2027", date(2027, 3, 31)),
    ("3.31.2027", date(2027, 3, 31)),
    (" 11/30/2026 ", date(2026, 11, 30)),
    ("11302026", date(2026, 11, 30)),
    ("113026", date(2026, 11, 30)),
    ("2027-03-31", date(2027, 3, 31)),
    ("7/4/47", date(1947, 7, 4)),
    ("7/4/46", date(2046, 7, 4)),
])
def test_the_ways_people_type_a_date(typed: str, meant: date) -> None:
    assert parse_date_entry(typed, TODAY) == meant


@pytest.mark.parametrize("typed", ["", "   ", "3/0000/2026", "13/01/2026", "02/30/2026", "11/31/2026",
                                   "tomorrow", "11/30", "1130202", "11//30/2026", "0/10/2026", "12/00/2026"])
def test_what_is_not_a_date_is_refused_with_a_sentence(typed: str) -> None:
    with pytest.raises(DateEntryError) as raised:
        parse_date_entry(typed, TODAY)
    message = str(raised.value)
    assert message.endswith(".")
    assert "MM/DD/YYYY" in message or "no month" in message or "no day" in message


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)))
def test_a_shown_date_reads_back_as_itself(day: date) -> None:
    assert parse_date_entry(format_entry(day), TODAY) == day


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
       st.sampled_from(["/", "-", "."]), st.booleans())
def test_leading_zeros_and_separators_do_not_change_the_date(day: date, separator: str, zeros: bool) -> None:
    month, dom = (f"{day.month:02d}", f"{day.day:02d}") if zeros else (str(day.month), str(day.day))
    assert parse_date_entry(f"{month}{separator}{dom}{separator}{day.year}", TODAY) == day


@given(st.integers(0, 99), st.dates(min_value=date(1950, 1, 1), max_value=date(2200, 12, 31)))
def test_a_two_digit_year_falls_in_the_hundred_years_ending_twenty_ahead(two: int, today: date) -> None:
    year = full_year(two, today)
    assert year % 100 == two
    assert today.year - 80 <= year <= today.year + 20


@given(st.text(max_size=12))
def test_anything_typed_is_a_date_or_a_sentence_never_a_crash(text: str) -> None:
    try:
        parse_date_entry(text, TODAY)
    except DateEntryError as exc:
        assert str(exc)


def test_the_range_says_which_limit_and_why() -> None:
    with pytest.raises(DateEntryError, match="too late: the latest allowed is 12/04/2026 .no future."):
        check_range(date(2026, 12, 5), date(2000, 1, 1), TODAY, latest_reason="no future")
    with pytest.raises(DateEntryError, match="too early"):
        check_range(date(1999, 12, 31), date(2000, 1, 1), TODAY)
    check_range(TODAY, TODAY, TODAY)


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)), (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)), (date(2026, 1, 15), -1, date(2025, 12, 15)),
    (date(2026, 3, 31), 12, date(2027, 3, 31)),
])
def test_add_months_keeps_the_day_or_takes_the_last_one(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected
