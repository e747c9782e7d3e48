"""`hhdesk host restore` with the agency's recovery key: the office whose administrator left (or forgot the
password) rebuilds its host from a nightly backup, and the key gives that administrator a new password.

A real host is set up for the module (tests/pg/test_host_setup.py's fixture), given members and backed up;
the restores run as the command line runs them, into fresh folders.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from hhdesk.clock import FixedClock
from hhdesk.db import backup as backups
from hhdesk.db.keyslots import KeySlots
from hhdesk.db.models import AuditEvent
from hhdesk.errors import UserError
from hhdesk.services import agency, host_setup
from tests.pg import test_host_setup as host_tests
from tests.pg.server import free_port
from tests.pg.test_host_setup import (
    ADMIN,
    ADMIN_PASSWORD,
    Completed,
    Host,
    _joined,
    _remove,
    hhdesk,
    host_folder,
    printed_recovery_key,
)
from tests.services.roster_factory import medicaid_id, roster_text

NEW_PASSWORD = "lantern orchard velvet quarry"
MEMBERS = 4
WRONG_KEY = "AAAA-" * 12 + "AAAA"

# The host setup tests' fixtures: a real host for this module (set up by the command line), run in process.
_postgresql_installed = host_tests._postgresql_installed
host = host_tests.host
cli = host_tests.cli


@pytest.fixture(scope="module")
def nightly_backup(host: Host, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of the host with members in it, as the nightly job writes it (sealed to the first
    administrator's slot and the recovery slot)."""
    folder = tmp_path_factory.mktemp("recovery-backup")
    roster = folder / "roster.csv"
    roster.write_text(roster_text(MEMBERS), encoding="utf-8")
    hhdesk("import", "roster", str(roster), "--store", host.url(), "--user", ADMIN, password=ADMIN_PASSWORD)
    return host_setup.host_backup(host.data_dir, folder / "nightly.hhbak", clock=FixedClock.on(date(2026, 12, 4)))


def staging_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the restore stages the backup from now on: this test's own folder, to see nothing is left in it."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def restore_with_key(cli: Callable[..., Completed], monkeypatch: pytest.MonkeyPatch, backup: Path, folder: Path,
                     key: str, new_password: str) -> Completed:
    monkeypatch.setenv("HHDESK_RECOVERY_KEY", key)
    return cli("host", "restore", str(backup), "--data-dir", str(folder / "host"), "--admin", ADMIN,
               "--join-file", str(folder / "restored.hhjoin"), "--port", str(free_port()), "--no-start-at-boot",
               "--no-nightly-backup", password=None, new_password=new_password, check=False)


def test_the_recovery_key_restores_the_host_and_gives_the_administrator_a_new_password(
        host: Host, nightly_backup: Path, cli: Callable[..., Completed], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    before = cli("members", "list", "--format", "csv", "--store", host.url(), "--user", ADMIN).stdout
    folder = host_folder()
    data_dir = folder / "host"
    staged_in = staging_folder(tmp_path, monkeypatch)
    try:
        done = restore_with_key(cli, monkeypatch, nightly_backup, folder, printed_recovery_key(host), NEW_PASSWORD)
        assert done.returncode == 0, done.stderr
        assert f"{ADMIN}'s password was reset with the recovery key" in done.stdout
        restored = _joined(folder, data_dir, folder / "restored.hhjoin", done.stdout)
        assert restored.details.agency_id == host.details.agency_id
        # The new password logs in; the one the administrator lost does not.
        with pytest.raises(UserError):
            agency.login(restored.address, ADMIN, ADMIN_PASSWORD)
        app = agency.login(restored.address, ADMIN, NEW_PASSWORD)
        try:
            with app.read(None) as session:
                resets = session.execute(select(AuditEvent.username, AuditEvent.detail).where(
                    AuditEvent.action == "password_reset", AuditEvent.entity_id == ADMIN)).all()
                actions = session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
        finally:
            app.close()
        assert [tuple(row) for row in resets] == [("recovery-key", "with the recovery key")]
        assert actions.index("password_reset") < actions.index("restore") < actions.index("host_restored")
        # The data and the audit chain came across whole.
        after = cli("members", "list", "--format", "csv", "--store", restored.url(), "--user", ADMIN,
                    password=NEW_PASSWORD).stdout
        assert after == before and medicaid_id(2) in after
        assert "ok:" in cli("host", "verify", "--data-dir", str(data_dir)).stdout
        # The new host's own backups open with the new password (its key file has the new slot) and the key.
        newer = host_setup.host_backup(data_dir, tmp_path / "newer.hhbak", clock=FixedClock.on(date(2026, 12, 5)))
        slots = KeySlots.parse(newer, backups.backup_key_slots_text(newer))
        assert slots.unseal_with_password(ADMIN, NEW_PASSWORD).raw_key
        assert slots.unseal_with_recovery(printed_recovery_key(host)).raw_key
        with pytest.raises(UserError):
            slots.unseal_with_password(ADMIN, ADMIN_PASSWORD)
        assert list(staged_in.iterdir()) == []  # the staged copy is gone
    finally:
        _remove(data_dir)


def test_a_wrong_recovery_key_is_one_sentence_and_makes_nothing(
        nightly_backup: Path, cli: Callable[..., Completed], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    staged_in = staging_folder(tmp_path, monkeypatch)
    refused = restore_with_key(cli, monkeypatch, nightly_backup, tmp_path, WRONG_KEY, NEW_PASSWORD)
    assert refused.returncode == 1
    assert "That recovery key does not open this backup" in refused.stderr, refused.stderr
    assert "nothing was restored" in refused.stderr
    assert not (tmp_path / "host").exists() and not (tmp_path / "restored.hhjoin").exists()
    assert list(staged_in.iterdir()) == []


def test_a_new_password_too_short_is_refused_before_the_backup_is_opened(
        nightly_backup: Path, host: Host, cli: Callable[..., Completed], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    staged_in = staging_folder(tmp_path, monkeypatch)
    refused = restore_with_key(cli, monkeypatch, nightly_backup, tmp_path, printed_recovery_key(host), "short1")
    assert refused.returncode == 1
    assert f"The new password for {ADMIN}: The password must have at least 12 characters." in refused.stderr
    assert "Nothing was changed." in refused.stderr
    assert not (tmp_path / "host").exists() and not (tmp_path / "restored.hhjoin").exists()
    assert list(staged_in.iterdir()) == []


def test_without_the_key_the_administrator_password_in_the_backup_still_opens_it_and_a_wrong_one_makes_nothing(
        nightly_backup: Path, cli: Callable[..., Completed], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    monkeypatch.delenv("HHDESK_RECOVERY_KEY", raising=False)
    staged_in = staging_folder(tmp_path, monkeypatch)
    refused = cli("host", "restore", str(nightly_backup), "--data-dir", str(tmp_path / "host"), "--admin", ADMIN,
                  "--join-file", str(tmp_path / "restored.hhjoin"), "--port", str(free_port()),
                  "--no-start-at-boot", "--no-nightly-backup", password="not the password at all", check=False)
    assert refused.returncode == 1 and "Wrong password" in refused.stderr, refused.stderr
    assert not (tmp_path / "host").exists() and list(staged_in.iterdir()) == []
