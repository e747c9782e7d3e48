"""Medicaid ID formats, NPI check digits and name keys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.domain.errors import DomainError
from hhdesk.domain.identifiers import (
    is_valid_medicaid_id,
    is_valid_npi,
    luhn_is_valid,
    name_key,
    normalise_medicaid_id,
    validate_medicaid_id,
)
from hhdesk.profiles import load_program_profile

NY = load_program_profile("program_ny")
FEDERAL = load_program_profile("program_federal")


@pytest.mark.parametrize("value", ["AB12345C", "ab12345c", " AB 12345 C ", "ZZ00000A"])
def test_ny_medicaid_ids_that_fit(value: str) -> None:
    assert is_valid_medicaid_id(value, NY)


@pytest.mark.parametrize(
    "value", ["", "AB1234C", "AB123456C", "A112345C", "AB12345", "AB12345CD", "12345678", "ÄB12345C"]
)
def test_ny_medicaid_ids_that_do_not_fit(value: str) -> None:
    assert not is_valid_medicaid_id(value, NY)


def test_validate_medicaid_id_normalises_or_explains_without_quoting_the_value() -> None:
    assert validate_medicaid_id(" ab12345c", NY) == "AB12345C"
    with pytest.raises(DomainError, match="AB12345C") as caught:
        validate_medicaid_id("QQ1", NY)
    assert "QQ1" not in str(caught.value)
    with pytest.raises(DomainError, match="required"):
        validate_medicaid_id("  ", NY)


def test_federal_profile_accepts_other_state_formats() -> None:
    assert is_valid_medicaid_id("0123456789", FEDERAL)
    assert normalise_medicaid_id("ab-123 45") == "AB12345"


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1003000126", "1234-567-893", " 1234567893 "])
def test_valid_npis(npi: str) -> None:
    assert is_valid_npi(npi)


@pytest.mark.parametrize(
    "npi",
    [
        "1234567890",
        "1234567894",
        "123456789",
        "12345678931",
        "",
        "abcdefghij",
        "１２３４５６７８９３",
        "12345678 3",
    ],
)
def test_invalid_npis(npi: str) -> None:
    assert not is_valid_npi(npi)


@given(st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_exactly_one_check_digit_makes_an_npi_valid(first_nine: str) -> None:
    valid = [d for d in "0123456789" if is_valid_npi(first_nine + d)]
    assert len(valid) == 1


@given(
    st.from_regex(r"[0-9]{10}", fullmatch=True),
    st.integers(min_value=0, max_value=9),
    st.integers(min_value=1, max_value=9),
)
def test_changing_one_digit_breaks_a_valid_npi(npi: str, position: int, delta: int) -> None:
    if not is_valid_npi(npi):
        return
    digit = (int(npi[position]) + delta) % 10
    changed = npi[:position] + str(digit) + npi[position + 1 :]
    assert not is_valid_npi(changed)


def test_luhn_on_a_known_card_number_and_nonsense() -> None:
    assert luhn_is_valid("79927398713")
    assert not luhn_is_valid("79927398710")
    assert not luhn_is_valid("")
    assert not luhn_is_valid("12a4")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Núñez", "nunez"),
        ("NÚÑEZ", "Nunez"),
        ("O'Brien", "obrien"),
        ("O’Brien", "OBRIEN"),
        ("Smith-Jones", "smith jones"),
        ("  Mary   Ann ", "mary ann"),
        ("Straße", "STRASSE"),
        ("Søren Kierkegaard", "soren kierkegaard"),
        ("François", "francois"),
        ("Łukasz", "lukasz"),
        ("İlker", "ilker"),
    ],
)
def test_name_key_matches_spellings_people_type(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


def test_name_key_keeps_different_names_apart() -> None:
    assert name_key("Nunez") != name_key("Nuñes")
    assert name_key("Ann") != name_key("Anne")


@given(st.text())
def test_name_key_is_idempotent_and_plain(text: str) -> None:
    key = name_key(text)
    assert name_key(key) == key
    assert key == key.strip()
    assert "  " not in key
