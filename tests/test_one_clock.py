"""Python's clock is the only clock hhdesk reads, so the date guard (`--today`, time-machine) moves all of it.

Qt's own clock (QDate.currentDate and friends) and SQLite's ('now', CURRENT_TIMESTAMP) would go on
reading the real day while the tests pretend another, and a rule that used them would escape the guard.
"""

from __future__ import annotations

import re
from pathlib import Path

import hhdesk

OTHER_CLOCKS = re.compile(
    r"QDate\.currentDate|QDateTime\.current|QTime\.currentTime|CURRENT_TIMESTAMP|CURRENT_DATE"
    r"|(date|datetime|time|strftime|julianday)\(\s*['\"]now['\"]|func\.now\(|func\.current_date",
)


def other_clocks_in(folder: Path) -> list[str]:
    return [f"{path.relative_to(folder.parent)}:{number}: {line.strip()}"
            for path in sorted(folder.rglob("*.py")) if path.name != Path(__file__).name
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
            if OTHER_CLOCKS.search(line)]


def test_hhdesk_reads_no_clock_but_pythons() -> None:
    found = other_clocks_in(Path(hhdesk.__file__).parent)
    assert not found, "\n".join(found)


def test_the_tests_read_no_clock_but_pythons() -> None:
    """A test that took "now" from Qt would disagree with the product under the date guard."""
    found = other_clocks_in(Path(__file__).parent)
    assert not found, "\n".join(found)
