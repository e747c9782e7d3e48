"""Restoring a backup is for administrators and supervisors, judged by the role the backup gives the user."""

from __future__ import annotations

from pathlib import Path

import pytest

from hhdesk.config import keyslots_path
from hhdesk.domain.enums import Role
from hhdesk.errors import PermissionDenied
from hhdesk.services import maintenance
from hhdesk.services.context import AppSession
from tests.services.conftest import role_password


@pytest.fixture
def backup_file(admin: AppSession, tmp_path: Path) -> Path:
    out = tmp_path / "agency.hhbak"
    maintenance.backup_now(admin, out)
    return out


@pytest.mark.parametrize("role", [Role.CARE_MANAGER, Role.BILLING, Role.READ_ONLY])
def test_other_roles_may_not_restore(backup_file: Path, tmp_path: Path, role: Role) -> None:
    target = tmp_path / "restored.hhdesk"
    with pytest.raises(PermissionDenied, match="may not restore.*nothing was restored"):
        maintenance.restore_to(backup_file, target, role.value.replace("_", ""), role_password(role))
    assert not target.exists() and not keyslots_path(target).exists()


def test_a_supervisor_may_restore(backup_file: Path, tmp_path: Path) -> None:
    report = maintenance.restore_to(backup_file, tmp_path / "restored.hhdesk", "supervisor",
                                    role_password(Role.SUPERVISOR))
    assert report.ok
