"""Dates and numbers people type: ASCII digits only, dates from 1900 to 2099, never a silent correction."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.domain.entered_dates import EARLIEST, LATEST, date_problem, parse_date, parse_whole_number
from hhdesk.domain.service_month import ServiceMonth

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


@given(st.dates(min_value=EARLIEST, max_value=LATEST))
def test_every_day_from_1900_to_2099_reads_back_in_both_forms(day: date) -> None:
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day.month}/{day.day}/{day.year}") == day
    assert date_problem(day.isoformat()) is None


@given(st.dates(max_value=date(1899, 12, 31)) | st.dates(min_value=date(2100, 1, 1)))
def test_days_outside_1900_to_2099_are_refused_as_out_of_range(day: date) -> None:
    text = f"{day.year:04d}-{day.month:02d}-{day.day:02d}"
    assert parse_date(text) is None
    assert date_problem(text) == "must be a date from 1900 to 2099."


@given(st.dates(min_value=EARLIEST, max_value=LATEST), st.sampled_from([FULLWIDTH, ARABIC_INDIC, DEVANAGARI]))
def test_digits_of_other_scripts_are_refused(day: date, script: dict[int, str]) -> None:
    for text in (day.isoformat(), f"{day.month}/{day.day}/{day.year}"):
        foreign = text.translate(script)
        assert parse_date(foreign) is None
        assert date_problem(foreign) == "must be written with the digits 0-9 as YYYY-MM-DD (or M/D/YYYY)."


@given(st.text(max_size=12))
def test_any_text_is_either_a_date_in_range_or_has_a_problem(text: str) -> None:
    value = parse_date(text)
    assert (value is None) == (date_problem(text) is not None)
    if value is not None:
        assert EARLIEST <= value <= LATEST and text.strip().isascii()


@given(st.integers(min_value=0, max_value=9999), st.sampled_from([FULLWIDTH, ARABIC_INDIC, DEVANAGARI]))
def test_whole_numbers_take_ascii_digits_only(number: int, script: dict[int, str]) -> None:
    assert parse_whole_number(str(number), 4) == number
    assert parse_whole_number(str(number).translate(script), 4) is None


@pytest.mark.parametrize("text", ["0001-01-01", "0000-01-01", "1899-12-31", "2/30/2026", "2026-1-5", "+2026-01-05",
                                  "２０２６-01-05"])
def test_what_the_probe_found_and_its_neighbours(text: str) -> None:
    assert parse_date(text) is None and date_problem(text)


def test_service_months_take_ascii_digits_and_real_years() -> None:
    assert ServiceMonth.parse("2026-03") == ServiceMonth(2026, 3)
    for text in ("２０２６-０３", "٢٠٢٦-٠٣", "0001-01"):
        with pytest.raises(ValueError):
            ServiceMonth.parse(text)
