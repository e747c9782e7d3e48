"""Restoring a backup with the agency's recovery key when the administrator's password in it is lost: the key
gives the administrator a new password in the restored copy, and the checks are those of any restore."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from hhdesk.db.models import AuditEvent
from hhdesk.domain.enums import Role
from hhdesk.errors import PermissionDenied, ValidationFailed, WrongPassword
from hhdesk.services import maintenance, users
from hhdesk.services.settings import AgencyInfo

OLD_PASSWORD = "the password she forgot 1"
NEW_PASSWORD = "lantern orchard velvet quarry"
CLERK_PASSWORD = "billing desk phrase is long enough"


@pytest.fixture
def backup_and_key(tmp_path: Path) -> tuple[Path, str]:
    store = tmp_path / "agency.hhdesk"
    recovery_key = users.create_store(store, AgencyInfo(name="Test Health Home"), "admin", OLD_PASSWORD)
    app = users.login(store, "admin", OLD_PASSWORD)
    try:
        users.add_user(app, "clerk", Role.BILLING, CLERK_PASSWORD)
        backup = tmp_path / "monday.hhbak"
        maintenance.backup_now(app, backup)
    finally:
        app.close()
    return backup, recovery_key


def test_the_recovery_key_restores_with_a_new_password_and_audits_the_reset(
        backup_and_key: tuple[Path, str], tmp_path: Path) -> None:
    backup, recovery_key = backup_and_key
    restored = tmp_path / "restored" / "agency.hhdesk"
    report = maintenance.restore_to(backup, restored, "admin", NEW_PASSWORD, recovery_key=recovery_key)
    assert report.ok
    with pytest.raises(WrongPassword):
        users.login(restored, "admin", OLD_PASSWORD)
    app = users.login(restored, "admin", NEW_PASSWORD)
    try:
        with app.read(None) as session:
            actions = session.execute(select(AuditEvent.action, AuditEvent.username)
                                      .order_by(AuditEvent.id)).all()
    finally:
        app.close()
    assert ("password_reset", "recovery-key") in actions
    assert actions.index(("password_reset", "recovery-key")) < actions.index(("restore", "admin"))


def test_a_wrong_key_or_a_weak_password_or_a_role_that_may_not_restore_leaves_nothing(
        backup_and_key: tuple[Path, str], tmp_path: Path) -> None:
    backup, recovery_key = backup_and_key
    target = tmp_path / "restored" / "agency.hhdesk"
    with pytest.raises(WrongPassword, match="That recovery key does not open this backup"):
        maintenance.restore_to(backup, target, "admin", NEW_PASSWORD, recovery_key="AAAA-" * 12 + "AAAA")
    with pytest.raises(ValidationFailed, match="at least 12 characters"):
        maintenance.restore_to(backup, target, "admin", "short1", recovery_key=recovery_key)
    with pytest.raises(PermissionDenied, match="billing"):
        maintenance.restore_to(backup, target, "clerk", NEW_PASSWORD, recovery_key=recovery_key)
    assert list(target.parent.iterdir()) == []
