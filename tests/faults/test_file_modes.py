"""Everything hhdesk writes is private to its user, and killed backups leave nothing behind for long.

File modes are a POSIX matter (on Windows a file takes its folder's access list; see README).
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock

from hhdesk.cli.main import main
from hhdesk.config import backups_dir, keyslots_path
from hhdesk.db import backup as backups
from hhdesk.services import maintenance, users
from hhdesk.services.settings import AgencyInfo
from tests.faults.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX; Windows uses folder ACLs")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    """What a user's shell usually has (022): hhdesk must not rely on it, nor leave it changed for others."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_a_new_store_its_keys_and_folder_are_private(tmp_path: Path, loose_umask: None) -> None:
    path = tmp_path / "new-folder" / "agency.hhdesk"
    users.create_store(path, AgencyInfo(name="Modes HH"), "admin", ADMIN_PASSWORD)
    app = users.login(path, "admin", ADMIN_PASSWORD)
    try:
        assert mode(path) == 0o600 and mode(keyslots_path(path)) == 0o600
        assert mode(path.with_name(path.name + "-wal")) == 0o600, "SQLite's files take the store's mode"
        assert mode(path.parent) == 0o700, "a folder hhdesk creates is private"
        out = tmp_path / "elsewhere" / "b.hhbak"
        maintenance.backup_now(app, out)
        assert mode(out) == 0o600 and mode(out.parent) == 0o700
        maintenance.auto_backup(app)
        [daily] = backups_dir(path).glob("daily-*.hhbak")
        assert mode(daily) == 0o600 and mode(backups_dir(path)) == 0o700
    finally:
        app.close()
    restored = tmp_path / "restored" / "agency.hhdesk"
    maintenance.restore_to(out, restored, "admin", ADMIN_PASSWORD)
    assert mode(restored) == 0o600 and mode(keyslots_path(restored)) == 0o600


def test_files_an_older_hhdesk_left_readable_are_tightened_at_login(agency_store: Path, loose_umask: None) -> None:
    app = users.login(agency_store, "admin", ADMIN_PASSWORD)
    maintenance.auto_backup(app)
    app.close()
    [daily] = backups_dir(agency_store).glob("*.hhbak")
    for path in (agency_store, keyslots_path(agency_store), daily):
        os.chmod(path, 0o644)
    os.chmod(backups_dir(agency_store), 0o755)
    os.chmod(agency_store.parent, 0o755)  # as if the user had chosen a folder of their own
    users.login(agency_store, "admin", ADMIN_PASSWORD).close()
    assert [mode(p) for p in (agency_store, keyslots_path(agency_store), daily)] == [0o600] * 3
    assert mode(backups_dir(agency_store)) == 0o700
    assert mode(agency_store.parent) == 0o755, "a folder the user chose for the store is left as it is"


def test_the_command_line_writes_private_files_whatever_the_umask(tmp_path: Path, loose_umask: None,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "cli" / "agency.hhdesk"
    monkeypatch.setenv("HHDESK_NEW_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("HHDESK_PASSWORD", ADMIN_PASSWORD)
    assert main(["init", "--store", str(store), "--org", "Modes HH", "--admin", "boss"]) == 0
    report = tmp_path / "audit.csv"
    monkeypatch.setattr(sys, "stdout", open(report, "w", encoding="utf-8"))  # noqa: SIM115 - closed below
    try:
        assert main(["audit", "--format", "csv", "--store", str(store), "--user", "boss"]) == 0
    finally:
        sys.stdout.close()
    capsys.readouterr()
    assert mode(store) == 0o600 and mode(keyslots_path(store)) == 0o600
    probe = tmp_path / "created-after-a-command"
    probe.write_text("x")
    assert mode(probe) == 0o600, "after any command, whatever the process creates is private (umask 077)"


def test_a_printed_pdf_is_private(tmp_path: Path, loose_umask: None) -> None:
    from hhdesk.services.printing import save_pdf

    out = tmp_path / "packet.pdf"
    out.write_bytes(b"old")
    os.chmod(out, 0o644)
    save_pdf(out, b"%PDF-1.7 ...")
    assert mode(out) == 0o600 and out.read_bytes() == b"%PDF-1.7 ..."


def test_the_log_file_is_private(tmp_path: Path, loose_umask: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import logging

    from hhdesk.ui import logs

    monkeypatch.setenv("HHDESK_DATA_DIR", str(tmp_path / "data"))
    path = logs.configure_logging()
    try:
        assert mode(path) == 0o600 and mode(path.parent) == 0o700
    finally:
        root = logging.getLogger("hhdesk")
        for handler in list(root.handlers):
            if getattr(handler, "baseFilename", None) == str(path):
                root.removeHandler(handler)
                handler.close()


# ---- backups killed half-way --------------------------------------------------------------------------

_SLOW_BACKUP = """
import sys, time
from pathlib import Path
from hhdesk.db import backup
from hhdesk.services import users
app = users.login(Path(sys.argv[1]), "admin", sys.argv[2])
def _stuck(path):  # the export is done and the copy is in the work folder: stop here until killed
    print("exported", flush=True)
    time.sleep(600)
backup._sha256 = _stuck
backup.write_backup(app.store.path, app.store.raw_key, Path(sys.argv[3]))
"""


def _start_stuck_backup(store: Path, out: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", _SLOW_BACKUP, str(store), ADMIN_PASSWORD, str(out)],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "exported"
    return process


def test_a_killed_backups_work_folder_is_removed_at_the_next_start(agency_store: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backups, "ABANDONED_AFTER_SECONDS", 0)
    out = backups_dir(agency_store) / "manual.hhbak"
    out.parent.mkdir()
    running = _start_stuck_backup(agency_store, out)
    try:
        [work] = out.parent.glob(".hhdesk-backup-*")
        assert (work / "store.db").stat().st_size > 0
        users.login(agency_store, "admin", ADMIN_PASSWORD).close()
        assert work.exists(), "a backup still running keeps its folder"
        running.send_signal(signal.SIGKILL)
        running.wait(30)
    finally:
        if running.poll() is None:
            running.kill()
        if running.stdout:
            running.stdout.close()
    users.login(agency_store, "admin", ADMIN_PASSWORD).close()
    assert not work.exists(), "the killed backup's copy of the store is gone"
    assert not list(out.parent.iterdir()), "and no half backup file is left"


def test_a_fresh_work_folder_is_left_for_its_first_minute(agency_store: Path) -> None:
    fresh = agency_store.parent / ".hhdesk-backup-fresh"
    fresh.mkdir()
    (fresh / "store.db").write_bytes(b"x" * 1000)
    old = agency_store.parent / ".hhdesk-backup-old"
    old.mkdir()
    (old / "store.db").write_bytes(b"x" * 1000)
    a_while_ago = time.time() - 3600
    for path in (old / "store.db", old):
        os.utime(path, (a_while_ago, a_while_ago))
    held = agency_store.parent / ".hhdesk-backup-held"
    held.mkdir()
    lock = FileLock(held / backups.IN_USE)
    lock.acquire()
    for path in (held / backups.IN_USE, held):
        os.utime(path, (a_while_ago, a_while_ago))
    try:
        assert backups.remove_abandoned_work(agency_store.parent) == 1
    finally:
        lock.release()
    assert fresh.exists() and held.exists() and not old.exists()
