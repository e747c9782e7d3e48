"""Shared test set-up: cheap key derivation, offscreen Qt, a data folder per test run."""

from __future__ import annotations

import os

# Before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from hhdesk.db import keyslots

# The tests make hundreds of key slots: cheap Argon2 parameters, set in this process (the program has no
# switch for them).
keyslots.set_new_slot_cost(keyslots.CHEAP_ARGON2)

from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

import pytest  # noqa: E402

# The date guard's time zone: New York, where the daylight-saving change falls on a Sunday in March.
GUARD_ZONE = "America/New_York"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--today", metavar="YYYY-MM-DD[THH:MM]", default=os.environ.get("HHDESK_TEST_TODAY") or None,
        help="run with Python's clock set to this day in New York time (it goes on ticking): the date guard "
             "runs the date-sensitive tests on the days that break date arithmetic (make test-dates)",
    )


def pytest_configure(config: pytest.Config) -> None:
    today = config.getoption("--today")
    if not today:
        return
    import time_machine

    moment = datetime.fromisoformat(today if "T" in today else f"{today}T10:00")
    traveller = time_machine.travel(moment.replace(tzinfo=ZoneInfo(GUARD_ZONE)), tick=True)
    traveller.start()
    config.stash[_TRAVELLER] = traveller


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_TRAVELLER, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config: pytest.Config) -> str | None:
    today = config.getoption("--today")
    return f"date guard: the clock reads {today} ({GUARD_ZONE})" if today else None


_TRAVELLER = pytest.StashKey[object]()


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the real platform data folder from a test."""
    folder = tmp_path_factory.mktemp("hhdesk-data")
    monkeypatch.setenv("HHDESK_DATA_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def _default_write_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command run in-process sets how long writes wait for each other; each test starts from the default."""
    from hhdesk.db import engine

    monkeypatch.setattr(engine, "write_wait", engine.WriteWaitPolicy())
