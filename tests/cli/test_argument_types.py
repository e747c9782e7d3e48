"""Argument checks that answer before any password prompt: counts, referral numbers, a backup's --out."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.cli.common import positive_int
from hhdesk.cli.main import main
from hhdesk.cli.referral_commands import referral_number


@given(st.integers(min_value=1, max_value=10**9))
def test_referral_number_accepts_the_number_and_the_reference(number: int) -> None:
    assert referral_number(str(number)) == number
    assert referral_number(f"R-{number}") == number
    assert referral_number(f" r-{number} ") == number


@pytest.mark.parametrize("text", ["", "R-", "abc", "R-12a", "-3", "12.5"])
def test_referral_number_refuses_what_is_not_one(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        referral_number(text)


@pytest.mark.parametrize("text", ["0", "-1", "x", ""])
def test_positive_int_refuses_zero_negatives_and_words(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        positive_int(text)


def test_a_bad_limit_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["audit", "--limit", "-1"])
    assert exit_info.value.code == 2
    assert "--limit" in capsys.readouterr().err


def test_backup_into_a_folder_says_so_in_one_line(tmp_path: Path, capsys) -> None:
    code = main(["backup", "--out", str(tmp_path), "--store", str(tmp_path / "none.hhdesk"), "--user", "boss"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("hhdesk: ") and "is a folder" in err and "Traceback" not in err
    assert err.count("\n") == 1
