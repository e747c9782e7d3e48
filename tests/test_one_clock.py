"""hhdesk reads the time from one clock: the session's (`AppSession.clock`), which only hhdesk/clock.py fills.

A module that asked the system for today itself would escape a test's `FixedClock` and disagree with the
rest of the window about the day. Python's clock is also the only system clock read, so the date guard
(`--today`, time-machine) moves the real clock: Qt's own clock (QDate.currentDate and friends) and SQLite's
('now', CURRENT_TIMESTAMP) would go on reading the real day while the tests pretend another.
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import time_machine

import hhdesk
from hhdesk import clock as clock_module
from hhdesk.clock import AGENCY_ZONE, AgencyClock, FixedClock

OTHER_CLOCKS = re.compile(
    r"QDate\.currentDate|QDateTime\.current|QTime\.currentTime|CURRENT_TIMESTAMP|CURRENT_DATE"
    r"|(date|datetime|time|strftime|julianday)\(\s*['\"]now['\"]|func\.now\(|func\.current_date",
)

# Python's ways of asking the system what time it is (a timing measurement, time.monotonic or
# time.perf_counter, is not one).
SYSTEM_CLOCK_READS = {
    "datetime.date.today", "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today",
    "time.time", "time.time_ns",
}
# These read the clock only when given no moment.
READ_WHEN_CALLED_BARE = {"time.localtime", "time.gmtime", "time.ctime", "time.asctime", "time.strftime"}


def other_clocks_in(folder: Path) -> list[str]:
    return [f"{path.relative_to(folder.parent)}:{number}: {line.strip()}"
            for path in sorted(folder.rglob("*.py")) if path.name != Path(__file__).name
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
            if OTHER_CLOCKS.search(line)]


def _imported_names(tree: ast.Module) -> dict[str, str]:
    """Each local name a module binds by import, and the dotted name it stands for."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.expr, names: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in names:
        return None
    return ".".join([names[node.id], *reversed(parts)])


def system_clock_reads(source: str) -> list[int]:
    """The lines of a module's source that ask the system for the date or time."""
    tree = ast.parse(source)
    names = _imported_names(tree)
    bare_calls = {id(node.func) for node in ast.walk(tree)
                  if isinstance(node, ast.Call) and not node.args and not node.keywords}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute | ast.Name) and isinstance(getattr(node, "ctx", None), ast.Load):
            name = _dotted(node, names)
            if name in SYSTEM_CLOCK_READS or (name in READ_WHEN_CALLED_BARE and id(node) in bare_calls):
                found.add(node.lineno)
    return sorted(found)


def system_clock_reads_in(folder: Path, allowed: Path) -> list[str]:
    return [f"{path.relative_to(folder.parent)}:{number}: {path.read_text(encoding='utf-8').splitlines()[number - 1].strip()}"
            for path in sorted(folder.rglob("*.py")) if path != allowed
            for number in system_clock_reads(path.read_text(encoding="utf-8"))]


def test_only_the_clock_module_reads_the_system_clock() -> None:
    found = system_clock_reads_in(Path(hhdesk.__file__).parent, Path(clock_module.__file__))
    assert not found, "read the session's clock instead:\n" + "\n".join(found)


# The record of when something happened (the audit trail, a key file's lockout, a backup's manifest, a row's
# created_at) is the real moment, read through the clock module's SYSTEM_CLOCK; so are the idle lock's and the
# start-up benchmark's wall-clock seconds. Everything else takes the session's clock.
REAL_MOMENT_READERS = {"hhdesk/services/audit.py", "hhdesk/ui/lock.py", "hhdesk/ui/app.py", "hhdesk/tools/bench.py"}
LAYERS_ON_THE_SESSIONS_CLOCK = ("services", "ui", "documents", "exports", "domain", "cli")


def test_rules_views_and_documents_take_the_sessions_clock_not_the_real_one() -> None:
    package = Path(hhdesk.__file__).parent
    found = [f"{path.relative_to(package.parent)}:{number}: {line.strip()}"
             for layer in LAYERS_ON_THE_SESSIONS_CLOCK for path in sorted((package / layer).rglob("*.py"))
             if path.relative_to(package.parent).as_posix() not in REAL_MOMENT_READERS
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if re.search(r"\bSYSTEM_CLOCK\b|\bseconds_since_epoch\b", line)]
    assert not found, "\n".join(found)


def test_the_check_sees_every_way_of_asking() -> None:
    source = (
        "import datetime\nimport time as clock\nfrom datetime import date as day, datetime as moment\n"
        "from time import time as seconds, gmtime\n"
        "a = datetime.date.today()\nb = clock.time()\nc = day.today()\nd = moment.now(tz)\n"
        "e = seconds()\nf = gmtime()\ng = gmtime(123)\nh = clock.monotonic()\n"
        "from dataclasses import field\ni = field(default_factory=day.today)\nj = moment.utcnow()\n"
    )
    assert system_clock_reads(source) == [5, 6, 7, 8, 9, 10, 14, 15]


def test_hhdesk_reads_no_clock_but_pythons() -> None:
    found = other_clocks_in(Path(hhdesk.__file__).parent)
    assert not found, "\n".join(found)


def test_the_tests_read_no_clock_but_pythons() -> None:
    """A test that took "now" from Qt would disagree with the product under the date guard."""
    found = other_clocks_in(Path(__file__).parent)
    assert not found, "\n".join(found)


# ---- the clock itself --------------------------------------------------------------------------------------


def test_the_real_clock_gives_new_yorks_day_whatever_the_computers_zone() -> None:
    # 03:30 in London on New Year's Day is still New Year's Eve in New York.
    with time_machine.travel(datetime(2027, 1, 1, 3, 30, tzinfo=UTC), tick=False):
        real = AgencyClock()
        assert real.today() == date(2026, 12, 31)
        assert real.now().utcoffset() == timedelta(hours=-5)


def test_the_real_clock_moves_with_the_date_guard() -> None:
    """`make test-dates` moves Python's clock; the real Clock reads it, so the guard still moves hhdesk."""
    with time_machine.travel(datetime(2028, 2, 29, 10, 0, tzinfo=AGENCY_ZONE), tick=False):
        assert AgencyClock().today() == date(2028, 2, 29)


def test_a_fixed_clock_reads_what_it_was_set_to() -> None:
    fixed = FixedClock.on(date(2026, 3, 8), time(1, 30))
    assert (fixed.today(), fixed.now().hour) == (date(2026, 3, 8), 1)
    fixed.advance(timedelta(hours=23))
    assert fixed.today() == date(2026, 3, 9)

