"""Damaged stores, and accounts changed under an open session.

- A flipped byte: `verify` reports it (no traceback), `backup` refuses to copy it, `restore` of a backup
  holding it removes what it unpacked and says so.
- A zero-byte store is refused and left exactly as it was found (it used to be filled with a new schema
  and the login said "account disabled").
- A session whose account an administrator disables (or whose role is changed) stops at its next call.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path

import pytest

from hhdesk.cli.main import main
from hhdesk.domain.enums import Role
from hhdesk.errors import NotAStore, SessionEnded, StoreDamaged
from hhdesk.services import caseload, maintenance, users
from hhdesk.services.caseload import CaseloadQuery
from tests.faults.conftest import ADMIN_PASSWORD, CM_PASSWORD, SUPERVISOR_PASSWORD

PAGE = 4096


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def as_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HHDESK_PASSWORD", ADMIN_PASSWORD)


# ---- a flipped byte ---------------------------------------------------------------------------------


def _settled(path: Path) -> None:
    """Fold the WAL into the main file, so that a byte flipped in the file is a byte of the store."""
    app = users.login(path, "admin", ADMIN_PASSWORD)
    app.close()  # the last connection to close checkpoints and removes the WAL
    assert not path.with_name(path.name + "-wal").exists()


def test_verify_reports_a_flipped_byte_instead_of_crashing(agency_store: Path, as_admin: None,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    _settled(agency_store)
    flip_byte(agency_store, 3 * PAGE + 1000)
    code, out, err = run_cli(capsys, "verify", "--store", str(agency_store), "--user", "admin")
    assert code == 1, out + err
    assert "Traceback" not in err
    assert "HMAC verification failed for page 4" in err
    assert "failed verification" in err


def test_backup_of_a_damaged_store_is_refused_in_one_line(agency_store: Path, as_admin: None, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    _settled(agency_store)
    flip_byte(agency_store, 3 * PAGE + 1000)
    out_file = tmp_path / "b.hhbak"
    code, _out, err = run_cli(capsys, "backup", "--out", str(out_file), "--store", str(agency_store),
                              "--user", "admin")
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("hhdesk: The store is damaged")
    assert not out_file.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".hhdesk-backup-")]


def _backup_with_damaged_page(good: Path, damaged: Path) -> None:
    """A backup whose store copy has one flipped byte and whose checksums were made to match it."""
    with zipfile.ZipFile(good) as archive:
        store = bytearray(archive.read("store.db"))
        keys = archive.read("keys.json")
        manifest = json.loads(archive.read("manifest.json"))
    store[3 * PAGE + 1000] ^= 0x01
    manifest["store_sha256"] = hashlib.sha256(store).hexdigest()
    with zipfile.ZipFile(damaged, "w") as archive:
        archive.writestr("store.db", bytes(store))
        archive.writestr("keys.json", keys)
        archive.writestr("manifest.json", json.dumps(manifest))


def test_restore_of_a_backup_with_a_flipped_byte_reports_it(agency_store: Path, as_admin: None, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.hhbak"
    assert run_cli(capsys, "backup", "--out", str(good), "--store", str(agency_store), "--user", "admin")[0] == 0
    damaged = tmp_path / "damaged.hhbak"
    _backup_with_damaged_page(good, damaged)
    target = tmp_path / "restored" / "agency.hhdesk"
    code, _out, err = run_cli(capsys, "restore", str(damaged), "--to", str(target), "--user", "admin")
    assert code == 1 and "Traceback" not in err
    assert err.count("\n") == 1 and "failed its checks" in err and "HMAC" in err
    assert not target.exists() and not target.with_name(target.name + ".keys").exists()

    # A byte flipped in the zip itself: the archive's own checksum catches it.
    flipped = tmp_path / "flipped.hhbak"
    flipped.write_bytes(good.read_bytes())
    flip_byte(flipped, good.stat().st_size // 3)
    with pytest.raises(NotAStore, match="damaged"):
        maintenance.restore_to(flipped, tmp_path / "again" / "x.hhdesk", "admin", ADMIN_PASSWORD)


def test_verify_service_reports_each_check_that_a_damaged_page_stops(agency_store: Path) -> None:
    _settled(agency_store)
    flip_byte(agency_store, 3 * PAGE + 1000)
    app = users.login(agency_store, "admin", ADMIN_PASSWORD)
    try:
        report = maintenance.verify(app)
    finally:
        app.close()
    assert not report.ok
    assert any("malformed" in problem for problem in report.cipher_and_integrity)


# ---- a zero-byte store --------------------------------------------------------------------------------


def test_a_zero_byte_store_is_refused_and_left_untouched(agency_store: Path, as_admin: None,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    agency_store.write_bytes(b"")
    for suffix in ("-wal", "-shm"):
        agency_store.with_name(agency_store.name + suffix).unlink(missing_ok=True)
    before = os.stat(agency_store)
    for command in (["members", "list"], ["verify"], ["backup", "--out", str(agency_store.parent / "b.hhbak")]):
        code, _out, err = run_cli(capsys, *command, "--store", str(agency_store), "--user", "admin")
        assert code == 1
        assert err.startswith("hhdesk: The store file agency.hhdesk is empty (0 bytes)"), err
        assert "disabled" not in err
    with pytest.raises(StoreDamaged):
        users.login(agency_store, "admin", ADMIN_PASSWORD)
    after = os.stat(agency_store)
    assert after.st_size == 0 and after.st_mtime_ns == before.st_mtime_ns
    assert not agency_store.with_name(agency_store.name + "-wal").exists()


# ---- an account changed under an open session ---------------------------------------------------------


def test_a_disabled_users_open_session_stops_at_its_next_call(agency_store: Path, tmp_path: Path) -> None:
    supervisor = users.login(agency_store, "sup", SUPERVISOR_PASSWORD)
    admin = users.login(agency_store, "admin", ADMIN_PASSWORD)
    try:
        assert caseload.search(supervisor, CaseloadQuery()) == []
        users.set_disabled(admin, "sup", True)
        with pytest.raises(SessionEnded, match="disabled your account"):
            caseload.search(supervisor, CaseloadQuery())  # a read
        with pytest.raises(SessionEnded):
            users.unlock(supervisor, SUPERVISOR_PASSWORD)  # the lock screen, with the password that used to work
        with pytest.raises(SessionEnded):
            maintenance.backup_now(supervisor, tmp_path / "b.hhbak")  # acts on files before its unit of work
        assert not (tmp_path / "b.hhbak").exists()
        contacts_csv = tmp_path / "contacts.csv"
        contacts_csv.write_text("medicaid_id,date,mode,minutes,staff,with_whom,core_services,note\n",
                                encoding="utf-8")
        from hhdesk.services import contacts_import

        with pytest.raises(SessionEnded):
            contacts_import.import_contacts(supervisor, contacts_csv)
        with pytest.raises(SessionEnded):
            users.change_own_password(supervisor, SUPERVISOR_PASSWORD, "a brand new passphrase 3")
    finally:
        supervisor.close()
        admin.close()


def test_a_role_changed_under_an_open_session_ends_it(agency_store: Path) -> None:
    care_manager = users.login(agency_store, "cm", CM_PASSWORD)
    admin = users.login(agency_store, "admin", ADMIN_PASSWORD)
    try:
        users.update_user(admin, "cm", role=Role.READ_ONLY)
        with pytest.raises(SessionEnded, match="changed your role"):
            caseload.search(care_manager, CaseloadQuery())
        again = users.login(agency_store, "cm", CM_PASSWORD)
        assert again.actor.role is Role.READ_ONLY
        again.close()
    finally:
        care_manager.close()
        admin.close()
