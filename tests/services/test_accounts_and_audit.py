"""Accounts, the permission matrix, the audit chain, backup and restore, through the services."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from hhdesk.domain.enums import Role
from hhdesk.domain.permissions import MATRIX, Permission, allows
from hhdesk.errors import PermissionDenied, UserDisabled, ValidationFailed, WrongPassword
from hhdesk.services import maintenance, settings, users
from hhdesk.services.context import AppSession
from tests.services.conftest import ADMIN_PASSWORD, role_password

EXPECTED = {
    # permission: roles that hold it
    Permission.VIEW_MEMBERS: set(Role),
    Permission.VIEW_CLINICAL: {Role.ADMIN, Role.SUPERVISOR, Role.CARE_MANAGER, Role.READ_ONLY},
    Permission.EDIT_CLINICAL: {Role.ADMIN, Role.SUPERVISOR, Role.CARE_MANAGER},
    Permission.RECORD_CONSENT: {Role.ADMIN, Role.SUPERVISOR, Role.CARE_MANAGER, Role.BILLING},
    Permission.ASSIGN_CASELOAD: {Role.ADMIN, Role.SUPERVISOR},
    Permission.BILLING: {Role.ADMIN, Role.SUPERVISOR, Role.BILLING},
    Permission.MANAGE_USERS: {Role.ADMIN},
    Permission.MANAGE_SETTINGS: {Role.ADMIN},
    Permission.RESTORE: {Role.ADMIN, Role.SUPERVISOR},
    Permission.VIEW_AUDIT: {Role.ADMIN},
    Permission.ROTATE_KEY: {Role.ADMIN},
}


@pytest.mark.parametrize("permission", list(EXPECTED))
def test_permission_matrix(permission: Permission) -> None:
    assert {role for role in Role if allows(role, permission)} == EXPECTED[permission]


def test_billing_clerk_never_sees_clinical_notes() -> None:
    assert Permission.VIEW_CLINICAL not in MATRIX[Role.BILLING]
    assert MATRIX[Role.READ_ONLY] == {Permission.VIEW_MEMBERS, Permission.VIEW_CLINICAL}


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.CARE_MANAGER, Role.BILLING, Role.READ_ONLY])
def test_services_enforce_the_matrix(login_as, role: Role) -> None:
    app = login_as(role)
    with pytest.raises(PermissionDenied, match="may not manage users"):
        users.add_user(app, "intruder", Role.ADMIN, "sneaky long phrase 1")
    with pytest.raises(PermissionDenied):
        settings.update_settings(app, {"lock_minutes": 1})
    with pytest.raises(PermissionDenied):
        maintenance.audit_log(app)


def test_password_rules(admin: AppSession) -> None:
    with pytest.raises(ValidationFailed, match="at least 12"):
        users.add_user(admin, "shorty", Role.BILLING, "short")
    with pytest.raises(ValidationFailed, match="must not contain the username"):
        users.add_user(admin, "jordan", Role.BILLING, "jordan-is-great-2026")


def test_password_change_keeps_the_store_open_only_with_the_new_one(store_file: Path) -> None:
    app = users.login(store_file, "billing", role_password(Role.BILLING))
    users.change_own_password(app, role_password(Role.BILLING), "a brand new phrase")
    app.close()
    with pytest.raises(WrongPassword):
        users.login(store_file, "billing", role_password(Role.BILLING))
    users.login(store_file, "billing", "a brand new phrase").close()


def test_disabled_user_cannot_log_in_and_enable_needs_a_password(store_file: Path, admin: AppSession) -> None:
    users.set_disabled(admin, "readonly", True)
    with pytest.raises(UserDisabled, match="^Wrong user name or password"):
        users.login(store_file, "readonly", role_password(Role.READ_ONLY))
    users.set_disabled(admin, "readonly", False, new_password="welcome back friend")
    users.login(store_file, "readonly", "welcome back friend").close()


def test_recovery_key_resets_a_forgotten_password(tmp_path: Path) -> None:
    path = tmp_path / "r.hhdesk"
    recovery = users.create_store(path, settings.AgencyInfo(name="X"), "boss", "forgotten password!")
    users.recover(path, recovery, "boss", "remembered this time")
    app = users.login(path, "boss", "remembered this time")
    actions = [row.action for row in maintenance.audit_log(app)]
    app.close()
    assert "password_reset" in actions


def test_failed_logins_reach_the_audit_log(store_file: Path) -> None:
    with pytest.raises(WrongPassword):
        users.login(store_file, "admin", "not my password at all")
    app = users.login(store_file, "admin", ADMIN_PASSWORD)
    rows = maintenance.audit_log(app)
    app.close()
    assert [r.action for r in rows[:2]] == ["login", "login_failed"]


def test_audit_log_is_append_only_in_the_store(admin: AppSession) -> None:
    with pytest.raises(IntegrityError, match="append-only"), admin.store.write_session() as session:
        session.execute(text("UPDATE audit_events SET detail = 'nothing happened'"))


def test_verify_detects_a_tampered_audit_chain(admin: AppSession) -> None:
    assert maintenance.verify(admin).ok
    with admin.store.write_session() as session:
        # Someone with the key edits the file outside hhdesk: triggers dropped, an event rewritten.
        session.execute(text("DROP TRIGGER audit_events_no_update"))
        session.execute(text("UPDATE audit_events SET username = 'someone_else' WHERE id = 3"))
    report = maintenance.verify(admin)
    assert not report.ok
    assert "event 3 was changed" in report.audit_problem


def test_verify_detects_a_removed_event(admin: AppSession) -> None:
    with admin.store.write_session() as session:
        session.execute(text("DROP TRIGGER audit_events_no_delete"))
        session.execute(text("DELETE FROM audit_events WHERE id = 2"))
    report = maintenance.verify(admin)
    assert "removed or inserted" in report.audit_problem


def test_backup_and_restore_round_trip(store_file: Path, admin: AppSession, tmp_path: Path) -> None:
    users.add_user(admin, "newperson", Role.CARE_MANAGER, "new person password")
    backup = tmp_path / "out" / "monday.hhbak"
    digest = maintenance.backup_now(admin, backup)
    assert hashlib.sha256(backup.read_bytes()).hexdigest() == digest
    assert b"newperson" not in backup.read_bytes().replace(b'"name": "newperson"', b"")  # only the slot name
    restored = tmp_path / "restored" / "agency.hhdesk"
    report = maintenance.restore_to(backup, restored, "admin", ADMIN_PASSWORD)
    assert report.ok
    app = users.login(restored, "newperson", "new person password")
    assert "newperson" in [u.username for u in users.list_users(app)]
    app.close()


def test_restore_refuses_to_overwrite_and_rejects_a_damaged_backup(admin: AppSession, tmp_path: Path,
                                                                  store_file: Path) -> None:
    from hhdesk.errors import NotAStore, StoreExists

    backup = tmp_path / "b.hhbak"
    maintenance.backup_now(admin, backup)
    with pytest.raises(StoreExists):
        maintenance.restore_to(backup, store_file, "admin", ADMIN_PASSWORD)
    damaged = tmp_path / "damaged.hhbak"
    data = bytearray(backup.read_bytes())
    data[len(data) // 3] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with pytest.raises(NotAStore):
        maintenance.restore_to(damaged, tmp_path / "new" / "x.hhdesk", "admin", ADMIN_PASSWORD)
    assert not (tmp_path / "new" / "x.hhdesk").exists()


def test_daily_backup_keeps_fourteen(admin: AppSession) -> None:
    from datetime import date, timedelta

    first = date(2026, 1, 1)
    for offset in range(20):
        maintenance.auto_backup(admin, first + timedelta(days=offset))
    assert maintenance.auto_backup(admin, first + timedelta(days=19)) is None  # once a day
    kept = [p.name for p in maintenance.list_backups(admin.store.path) if p.name.startswith("daily-")]
    assert len(kept) == 14 and kept[0] == "daily-2026-01-20.hhbak"


def test_a_batch_of_events_chains_like_single_ones(admin: AppSession) -> None:
    from hhdesk.services.audit import PendingEvent

    with admin.work(None) as uow:
        uow.audit_many([PendingEvent("member_created", "member", n, None, "import") for n in range(50)])
        uow.audit("after_batch")
    report = maintenance.verify(admin)
    assert report.ok and report.audit_events > 50
