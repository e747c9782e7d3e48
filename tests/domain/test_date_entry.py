"""Typed dates: read exactly as typed, in every way staff type them, or refused with a sentence."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.domain.date_entry import (
    DateEntryError,
    check_date_range,
    full_year,
    parse_entered_date,
    us_date,
)

TODAY = date(2026, 12, 4)
DAYS = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))


@pytest.mark.parametrize(("typed", "meant"), [
    ("11/30/2026", date(2026, 11, 30)),
    ("1/5/2026", date(2026, 1, 5)),
    ("01/05/2026", date(2026, 1, 5)),
    ("11/30/26", date(2026, 11, 30)),
    ("1/5/26", date(2026, 1, 5)),
    ("11-30-2026", date(2026, 11, 30)),
    ("11.30.2026", date(2026, 11, 30)),
    ("11302026", date(2026, 11, 30)),
    ("113026", date(2026, 11, 30)),
    ("2026-11-30", date(2026, 11, 30)),
    ("  11/30/2026 ", date(2026, 11, 30)),
    ("2/29/2028", date(2028, 2, 29)),
    ("4/2/61", date(1961, 4, 2)),  # a birth year: more than 20 years ahead would be 2061
    ("3/31/46", date(2046, 3, 31)),  # 20 years ahead still reads as this century
])
def test_the_ways_people_type_a_date(typed: str, meant: date) -> None:
    assert parse_entered_date(typed, today=TODAY) == meant


@pytest.mark.parametrize(("typed", "words"), [
    ("", "empty"),
    ("3/0000/2026", "not a date"),
    ("12/03/0000/2026", "not a date"),
    ("13/01/2026", "no month 13"),
    ("2/30/2026", "February 2026 has no day 30"),
    ("2/29/2027", "February 2027 has no day 29"),
    ("0001-01-01", "year 1 is outside"),
    ("11/30/1899", "outside"),
    ("１１/３０/２０２６", "not a date"),  # fullwidth digits
    ("١١/٣٠/٢٠٢٦", "not a date"),  # Arabic-Indic digits
    ("11/30", "not a date"),
    ("11/30-2026", "not a date"),  # separators must match
    ("tomorrow", "not a date"),
])
def test_what_is_not_a_date_is_refused_with_a_sentence(typed: str, words: str) -> None:
    with pytest.raises(DateEntryError, match=words):
        parse_entered_date(typed, today=TODAY)


@given(DAYS)
def test_a_date_written_out_reads_back_as_itself(day: date) -> None:
    assert parse_entered_date(us_date(day), today=TODAY) == day
    assert parse_entered_date(day.isoformat(), today=TODAY) == day
    assert parse_entered_date(f"{day.month}/{day.day}/{day.year}", today=TODAY) == day


@given(DAYS, DAYS)
def test_two_digit_years_land_within_80_years_back_and_20_ahead(day: date, today: date) -> None:
    year = full_year(day.year % 100, today)
    assert year % 100 == day.year % 100
    assert today.year - 80 < year <= today.year + 20


@given(st.text(max_size=12))
def test_any_text_is_a_date_or_a_sentence_never_a_crash(text: str) -> None:
    try:
        parsed = parse_entered_date(text, today=TODAY)
    except DateEntryError as exc:
        assert str(exc)
    else:
        assert 1900 <= parsed.year <= 2099


def test_a_range_check_uses_the_callers_words() -> None:
    check_date_range(date(2026, 12, 4), latest=TODAY)
    with pytest.raises(DateEntryError, match="cannot be dated after today"):
        check_date_range(date(2026, 12, 5), latest=TODAY, too_late="A contact cannot be dated after today.")
    with pytest.raises(DateEntryError, match="before 01/01/2000"):
        check_date_range(date(1999, 12, 31), earliest=date(2000, 1, 1))
