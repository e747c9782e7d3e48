"""The shipped ICD-10-CM table (resources/icd10cm/codes.tsv.gz) against the package it was made from.

hhdesk reads the table, never ``simple_icd_10_cm``; these tests keep the two from drifting apart: after
upgrading the package, they fail until installers/build_icd10_table.py has been run again.
"""

from __future__ import annotations

import gzip
import random
import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.domain.conditions import icd10_description, is_known_icd10, normalise_icd10
from hhdesk.resources_path import resource_path

TABLE = resource_path("icd10cm/codes.tsv.gz")
_UNESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}


@pytest.fixture(scope="module")
def icd() -> ModuleType:
    # The package reads its data with a deprecated importlib call when imported: its warning, not ours.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    return simple_icd_10_cm


@pytest.fixture(scope="module")
def table_rows() -> list[tuple[str, ...]]:
    """The table's rows, read here on their own (not through the module under test)."""
    with gzip.open(TABLE, "rt", encoding="utf-8", newline="\n") as file:
        lines = file.read().split("\n")
    assert lines[0] == "code\tdescription\tinclusion_terms..."
    assert lines[-1] == "", "the file ends with a line break"
    return [
        tuple(re.sub(r"\\(.)", lambda match: _UNESCAPES[match[1]], field) for field in line.split("\t"))
        for line in lines[1:-1]
    ]


def package_rows(icd: ModuleType) -> Iterator[tuple[str, ...]]:
    """What the table should hold: every code but chapters and blocks, once, in the package's order."""
    seen: set[str] = set()
    for code in icd.get_all_codes(True):
        if "-" in code or code.isdigit() or code in seen:
            continue
        seen.add(code)
        yield (code, icd.get_description(code), *icd.get_inclusion_term(code))


def test_the_table_holds_every_code_of_the_package_with_its_texts(
    icd: ModuleType, table_rows: list[tuple[str, ...]]
) -> None:
    expected = list(package_rows(icd))
    assert len(table_rows) == len(expected) > 95_000
    mismatched = [row[0] for row, want in zip(table_rows, expected, strict=True) if row != want]
    assert mismatched == [], f"{len(mismatched)} rows differ from simple_icd_10_cm, first {mismatched[:5]}"


def test_every_listed_code_is_known_with_the_package_description(
    icd: ModuleType, table_rows: list[tuple[str, ...]]
) -> None:
    for code, *_ in table_rows:
        if re.fullmatch(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?", code):
            assert icd10_description(code) == icd.get_description(code), code
        else:
            # A handful of codes in the April 2026 list (QA0...) do not have the letter-digit shape; the
            # search offers them, as it always did, but a roster or claim cannot use them.
            assert not is_known_icd10(code), code


def test_a_sample_of_the_package_codes_is_known_with_and_without_the_dot(icd: ModuleType) -> None:
    codes = [code for code in icd.get_all_codes(True) if "-" not in code and not code.isdigit()]
    for number, code in enumerate(random.Random(2026).sample(codes, 2000)):
        if not code[1].isdigit():
            continue  # the QA0 codes, see above
        typed = code.replace(".", "") if number % 2 else code.lower()
        assert is_known_icd10(typed), code
        assert icd10_description(typed) == icd.get_description(code), code


@given(code=st.from_regex(r"[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?", fullmatch=True))
def test_known_exactly_when_the_package_knows_the_code(icd: ModuleType, code: str) -> None:
    assert is_known_icd10(code) == bool(icd.is_valid_item(normalise_icd10(code)))


@pytest.mark.parametrize("code", ["E11", "E11.9", "E119", "B99", "C7A.01", "S52.501A", "Z68.26", "F32.A"])
def test_known_codes_agree_with_the_package(icd: ModuleType, code: str) -> None:
    assert is_known_icd10(code)
    assert icd10_description(code) == icd.get_description(normalise_icd10(code))


@pytest.mark.parametrize("code", ["1", "A00-A09", "E11-E13", "E11.9X", "U99.99", "E11.", "QA0"])
def test_chapters_blocks_and_unknown_codes_are_not_known(icd: ModuleType, code: str) -> None:
    assert not is_known_icd10(code)
    assert icd10_description(code) is None


def test_the_table_stays_small() -> None:
    assert TABLE.stat().st_size < 2_000_000


def test_looking_up_and_searching_never_imports_the_package() -> None:
    probe = (
        "import sys\n"
        "def rss():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmRSS:'):\n"
        "            return int(line.split()[1]) / 1024\n"
        "from hhdesk.domain import conditions\n"
        "before = rss()\n"
        "assert conditions.search_icd10('diabetes')[0][0] == 'E08'\n"
        "assert conditions.is_known_icd10('E11.9')\n"
        "print('simple_icd_10_cm' in sys.modules, rss() - before)\n"
    )
    if not Path("/proc/self/status").exists():
        pytest.skip("reads resident memory from /proc")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    imported, growth_mb = done.stdout.split()
    assert imported == "False"
    # About 25 MB on Linux x86_64; importing the package and indexing it used to take 370 MB.
    assert float(growth_mb) < 80
