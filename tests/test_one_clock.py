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
    r"|\(\s*['\"]now['\"]|func\.now\(|func\.current_date",
)


def test_hhdesk_reads_no_clock_but_pythons() -> None:
    package = Path(hhdesk.__file__).parent
    found = [f"{path.relative_to(package)}:{number}: {line.strip()}"
             for path in sorted(package.rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if OTHER_CLOCKS.search(line)]
    assert not found, "\n".join(found)
