"""Fault tests: what hhdesk does when the store, its files or other processes misbehave.

A store here is real (SQLCipher file in tmp_path) with one user of each role; nothing is mocked below the
service layer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hhdesk.domain.enums import Role
from hhdesk.services import users
from hhdesk.services.settings import AgencyInfo

ADMIN_PASSWORD = "correct horse battery 1"
CM_PASSWORD = "care manager passphrase 7"
SUPERVISOR_PASSWORD = "the team lead passphrase 9"


@pytest.fixture
def agency_store(tmp_path: Path) -> Path:
    """A store with the administrator ``admin``, the care manager ``cm`` and the supervisor ``sup``."""
    path = tmp_path / "store" / "agency.hhdesk"
    users.create_store(path, AgencyInfo(name="Fault Test Health Home"), "admin", ADMIN_PASSWORD, "Ada Admin")
    app = users.login(path, "admin", ADMIN_PASSWORD)
    try:
        users.add_user(app, "cm", Role.CARE_MANAGER, CM_PASSWORD, full_name="Carla Martinez")
        users.add_user(app, "sup", Role.SUPERVISOR, SUPERVISOR_PASSWORD, full_name="Sam Supervisor")
    finally:
        app.close()
    return path
