"""Names of printed files: no member name by default, always a safe single file name."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from hhdesk.domain.file_names import DEFAULT_PATTERN, FileNameFacts, file_stem, pattern_problems

JOSE = FileNameFacts("packet", 17, date(2026, 3, 20), "AB12345C", "Núñez-Peña", "José")


def test_the_default_carries_no_name_and_no_medicaid_id() -> None:
    assert file_stem(DEFAULT_PATTERN, JOSE) == "packet-member-17-2026-03-20"


def test_an_agency_may_ask_for_names_and_they_are_folded_to_ascii() -> None:
    assert file_stem("{last_name}_{first_name} {medicaid_id}", JOSE) == "nunez-pena-jose-ab12345c"


def test_patterns_that_cannot_be_used_are_refused_in_words() -> None:
    assert pattern_problems("") and pattern_problems("{document}-{date}")  # no member: names would collide
    assert "may use only" in pattern_problems("{document}-{member_number}-{ssn}")[0]
    assert pattern_problems("{member_number:>10}") and pattern_problems("{member_number!r}")
    assert pattern_problems("{member_number") and pattern_problems("{0}-{member_number}")
    assert pattern_problems(DEFAULT_PATTERN) == []


@given(pattern=st.text(max_size=60), last=st.text(max_size=30), first=st.text(max_size=30),
       number=st.integers(min_value=1, max_value=10**9))
def test_any_pattern_gives_one_safe_file_name(pattern: str, last: str, first: str, number: int) -> None:
    stem = file_stem(pattern, FileNameFacts("packet", number, date(2026, 1, 31), "AB12345C", last, first))
    assert stem and len(stem) <= 120
    assert all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in stem)
    assert not stem.startswith(("-", "."))
    if pattern_problems(pattern):
        assert stem == f"packet-member-{number}-2026-01-31", "a bad pattern falls back to the default"
