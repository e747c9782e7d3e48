"""Imports against other processes and against themselves: no traceback, no doubled rows.

- A command started while an import holds the write lock waits for it with a message and succeeds; past
  the limit it gets one line, never a traceback (the login's audit write used to crash with "database is
  locked").
- The import reads and checks the whole file before it takes the write lock.
- The same file imported twice, or contacts the store already holds, are refused (or skipped with a report);
  two imports of one file racing each other store it once.
- `hhdesk import contacts FILE | head` keeps its exit status 0 once the contacts are saved.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hhdesk.cli import common
from hhdesk.cli.main import main
from hhdesk.db import engine as engines
from hhdesk.db.models import Contact, EnrolmentSegment, Member
from hhdesk.domain.contacts_csv import HEADER_LINE
from hhdesk.domain.enums import SegmentType
from hhdesk.errors import StorageProblem
from hhdesk.services import contacts_import, users
from hhdesk.services.context import AppSession
from tests.faults.conftest import ADMIN_PASSWORD

TODAY = date(2026, 3, 20)
MEMBER_IDS = [f"AB{n:05d}C" for n in range(1, 41)]


@pytest.fixture
def store_with_members(agency_store: Path) -> Path:
    app = users.login(agency_store, "admin", ADMIN_PASSWORD)
    try:
        with app.work(None) as uow:
            for medicaid_id in MEMBER_IDS:
                member = Member(medicaid_id=medicaid_id, last_name="Rivera", first_name="Ana",
                                name_key="rivera ana", dob=date(1970, 5, 17))
                uow.session.add(member)
                uow.session.flush()
                uow.session.add(EnrolmentSegment(member_id=member.id, kind=SegmentType.ENROLLED.value,
                                                 start_date=date(2024, 1, 1), end_date=None))
    finally:
        app.close()
    return agency_store


def contacts_file(path: Path, lines: int, *, first_day: date = date(2025, 1, 1), note: str = "") -> Path:
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEADER_LINE + "\n")
        for n in range(lines):
            day = first_day + timedelta(days=n % 400)
            out.write(f"{MEMBER_IDS[n % len(MEMBER_IDS)]},{day.isoformat()},phone,{1 + n % 90},cm,member,CM,"
                      f"{note}{n}\n")
    return path


def contact_count(app: AppSession) -> int:
    with app.read(None) as session:
        return session.execute(select(func.count(Contact.id))).scalar_one()


class WriteLockHolder:
    """Another process's long write, played by a second connection that holds BEGIN IMMEDIATE."""

    def __init__(self, app: AppSession) -> None:
        self._conn = engines.connect(app.store.path, app.store.raw_key)

    def __enter__(self) -> WriteLockHolder:
        self._conn.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *_exc: object) -> None:
        self._conn.execute("ROLLBACK")
        self._conn.close()


def cli_env(store: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(HHDESK_PASSWORD=ADMIN_PASSWORD, QT_QPA_PLATFORM="offscreen")
    return env


def hhdesk(*argv: str) -> list[str]:
    return [sys.executable, "-m", "hhdesk", *argv]


# ---- the write lock -------------------------------------------------------------------------------------


def test_the_file_is_checked_before_the_write_lock_is_taken(store_with_members: Path, tmp_path: Path) -> None:
    app = users.login(store_with_members, "admin", ADMIN_PASSWORD)
    path = contacts_file(tmp_path / "contacts.csv", 2_000)
    seen: list[str] = []
    outcome: list[object] = []
    try:
        with WriteLockHolder(app):
            worker = threading.Thread(target=lambda: outcome.append(contacts_import.import_contacts(
                app, path, today=TODAY, progress=lambda _done, _total, text: seen.append(text))))
            worker.start()
            deadline = time.monotonic() + 8
            while "Checking every line" not in seen and time.monotonic() < deadline:
                time.sleep(0.05)
            checked_while_locked = "Checking every line" in seen
            assert not outcome, "the import cannot have saved while another connection holds the lock"
        worker.join(30)
        assert checked_while_locked, "the whole file is read and checked while another writer works"
        report = outcome[0]
        assert report.ok and report.imported == 2_000 and contact_count(app) == 2_000
    finally:
        app.close()


def test_a_command_waits_for_a_long_write_with_a_message(store_with_members: Path) -> None:
    app = users.login(store_with_members, "admin", ADMIN_PASSWORD)
    try:
        with WriteLockHolder(app):
            command = subprocess.Popen(hhdesk("members", "list", "--store", str(store_with_members), "--user",
                                              "admin"), env=cli_env(store_with_members), stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
            # Longer than SQLite's own busy timeout, which used to end in a "database is locked" traceback.
            time.sleep(engines.BUSY_TIMEOUT_MS / 1000 + 2)
        out, err = command.communicate(timeout=60)
    finally:
        app.close()
    assert command.returncode == 0, err
    assert "Traceback" not in err
    assert "waiting for it" in err
    assert "AB00001C" in out


def test_past_the_limit_the_wait_ends_in_one_line(store_with_members: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HHDESK_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setattr(common, "WRITE_WAIT_LIMIT_SECONDS", 1.5)
    app = users.login(store_with_members, "admin", ADMIN_PASSWORD)
    try:
        with WriteLockHolder(app):
            code = main(["members", "list", "--store", str(store_with_members), "--user", "admin"])
    finally:
        app.close()
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    assert err.splitlines()[-1].startswith("hhdesk: Another hhdesk command or window has been saving for over")
    # and the service call itself, in the window's default policy:
    from hhdesk.services.context import wait_for_other_writers

    app = users.login(store_with_members, "admin", ADMIN_PASSWORD)
    try:
        wait_for_other_writers(0.5, None)
        with WriteLockHolder(app), pytest.raises(StorageProblem, match="nothing was changed"), app.work(None):
            pass
    finally:
        app.close()


def test_commands_during_a_real_import_get_no_traceback(store_with_members: Path, tmp_path: Path) -> None:
    path = contacts_file(tmp_path / "big.csv", 60_000)
    env = cli_env(store_with_members)
    store = ["--store", str(store_with_members), "--user", "admin"]
    importer = subprocess.Popen(hhdesk("import", "contacts", str(path), *store), env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = []
    while importer.poll() is None and len(results) < 20:
        done = subprocess.run(hhdesk("members", "list", *store), env=env, capture_output=True, text=True,
                              timeout=120)
        results.append((done.returncode, done.stderr))
    out, err = importer.communicate(timeout=300)
    assert importer.returncode == 0, err
    assert "Imported 60,000 contacts" in out
    assert results, "at least one command ran during the import"
    for code, stderr in results:
        assert code == 0 and "Traceback" not in stderr, stderr


# ---- importing twice ------------------------------------------------------------------------------------


def test_the_same_file_twice_is_refused_and_nothing_is_doubled(store_with_members: Path, tmp_path: Path) -> None:
    app = users.login(store_with_members, "admin", ADMIN_PASSWORD)
    try:
        path = contacts_file(tmp_path / "march.csv", 50)
        assert contacts_import.import_contacts(app, path, today=TODAY).imported == 50
        again = contacts_import.import_contacts(app, path, today=TODAY)
        assert not again.ok and again.imported == 0 and contact_count(app) == 50
        assert str(again.errors[0]).startswith("This file was imported before, on ")
        assert [p.line for p in again.errors[1:]] == list(range(2, 52)), "every line is a duplicate"

        # The same contacts in another file (a note edited, lines in another order): each line is found.
        edited = contacts_file(tmp_path / "march-edited.csv", 50, note="edited ")
        report = contacts_import.import_contacts(app, edited, today=TODAY)
        assert not report.ok and contact_count(app) == 50
        assert all("already holds this contact" in p.message for p in report.errors)

        # Skipping duplicates imports only what is new, and says which lines were skipped.
        grown = contacts_file(tmp_path / "march-april.csv", 60)
        skipped = contacts_import.import_contacts(app, grown, today=TODAY, skip_duplicates=True)
        assert skipped.ok and skipped.imported == 10 and skipped.skipped == 50 and contact_count(app) == 60
        assert [w.line for w in skipped.warnings if "skipped" in w.message] == list(range(2, 52))
        assert "(50 already in the store skipped)" in skipped.summary()
    finally:
        app.close()


def test_two_imports_of_one_file_racing_store_it_once(store_with_members: Path, tmp_path: Path) -> None:
    path = contacts_file(tmp_path / "march.csv", 3_000)
    sessions = [users.login(store_with_members, "admin", ADMIN_PASSWORD) for _ in range(2)]
    reports: list[object] = []
    errors: list[BaseException] = []

    def run(app: AppSession) -> None:
        try:
            reports.append(contacts_import.import_contacts(app, path, today=TODAY))
        except BaseException as exc:  # the test reports it
            errors.append(exc)

    try:
        threads = [threading.Thread(target=run, args=(app,)) for app in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert not errors
        assert sorted(r.imported for r in reports) == [0, 3_000]
        assert contact_count(sessions[0]) == 3_000
    finally:
        for app in sessions:
            app.close()


def test_import_piped_into_head_exits_0_once_saved(store_with_members: Path, tmp_path: Path) -> None:
    path = contacts_file(tmp_path / "dupes.csv", 3_000)
    # Repeat every line: each repeat is a warning, so the report is long enough to fill the pipe.
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines + lines[1:]) + "\n", encoding="utf-8")
    with subprocess.Popen(hhdesk("import", "contacts", str(path), "--store", str(store_with_members),
                                 "--user", "admin"), env=cli_env(store_with_members),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as command:
        assert command.stdout is not None and command.stderr is not None
        first_line = command.stdout.readline()
        command.stdout.close()  # what `| head -1` does after its line
        err = command.stderr.read().decode()
        command.wait(120)
    assert first_line.startswith(b"Imported 6,000 contacts")
    assert command.returncode == 0, err
    assert "Traceback" not in err
    app = users.login(store_with_members, "admin", ADMIN_PASSWORD)
    try:
        assert contact_count(app) == 6_000
    finally:
        app.close()


def test_the_driver_sees_exactly_what_sqlalchemy_would_store(store_with_members: Path, tmp_path: Path) -> None:
    """The fast insert stores dates and times as SQLAlchemy does, so queries by date still find them."""
    app = users.login(store_with_members, "admin", ADMIN_PASSWORD)
    try:
        contacts_import.import_contacts(app, contacts_file(tmp_path / "c.csv", 3), today=TODAY)
        conn = engines.connect(app.store.path, app.store.raw_key)
        try:
            stored = conn.execute("SELECT contact_date, created_at FROM contacts ORDER BY id").fetchall()
        finally:
            conn.close()
        assert [row[0] for row in stored] == ["2025-01-01", "2025-01-02", "2025-01-03"]
        assert all(len(row[1]) == len("2026-03-20 10:11:12.123456") for row in stored)
        with app.read(None) as session:
            found = session.execute(select(func.count(Contact.id))
                                    .where(Contact.contact_date == date(2025, 1, 2))).scalar_one()
        assert found == 1
    finally:
        app.close()


# ---- dates and digits nobody typed ---------------------------------------------------------------------


def test_dates_before_1900_and_foreign_digits_are_refused_by_line(store_with_members: Path, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("\n".join([
        HEADER_LINE,
        "AB00001C,0001-01-01,phone,10,cm,member,CM,",          # line 2: an empty cell's date in some exports
        "AB00001C,２０２６-01-05,phone,10,cm,member,CM,",      # line 3: fullwidth digits
        "AB00001C,2026-01-05,phone,٤٥,cm,member,CM,",          # line 4: Arabic-Indic minutes
        "AB00001C,1/5/٢٠٢٦,phone,10,cm,member,CM,",            # line 5: Arabic-Indic year
        "AB00001C,2026-01-05,phone,45,cm,member,CM,fine",      # line 6
    ]) + "\n", encoding="utf-8")
    app = users.login(store_with_members, "admin", ADMIN_PASSWORD)
    try:
        report = contacts_import.import_contacts(app, path, today=TODAY)
        assert not report.ok and contact_count(app) == 0
        assert [str(p) for p in report.errors] == [
            "Line 2, date: must be a date from 1900 to 2099.",
            "Line 3, date: must be written with the digits 0-9 as YYYY-MM-DD (or M/D/YYYY).",
            "Line 4, minutes: must be a whole number from 0 to 600.",
            "Line 5, date: must be written with the digits 0-9 as YYYY-MM-DD (or M/D/YYYY).",
        ]
    finally:
        app.close()


@pytest.mark.parametrize(("argv", "said"), [
    (["quality", "--from", "0001-01-01", "--to", "2026-01-31"], "must be a date from 1900 to 2099"),
    (["quality", "--from", "２０２６-01-01", "--to", "2026-01-31"], "digits 0-9"),
    (["audit", "--since", "0001-01-01"], "must be a date from 1900 to 2099"),
    (["billing", "preview", "--month", "２０２６-０１"], "is not a month"),
    (["billing", "preview", "--month", "0001-01"], "is not a month"),
])
def test_date_options_refuse_them_too(argv: list[str], said: str, store_with_members: Path,
                                      monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HHDESK_PASSWORD", ADMIN_PASSWORD)
    try:
        code = main([*argv, "--store", str(store_with_members), "--user", "admin"])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    err = capsys.readouterr().err
    assert code in (1, 2) and "Traceback" not in err
    assert said in err, err
