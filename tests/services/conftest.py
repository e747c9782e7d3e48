"""A store with one user of each role, for service tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from hhdesk.domain.enums import Role
from hhdesk.services import users
from hhdesk.services.context import AppSession
from hhdesk.services.settings import AgencyInfo

ADMIN_PASSWORD = "correct horse battery 1"


def role_password(role: Role) -> str:
    return f"phrase {role.value[:2].upper()}{len(role.value)} is long enough"


@pytest.fixture
def store_file(tmp_path: Path) -> Path:
    path = tmp_path / "agency.hhdesk"
    users.create_store(path, AgencyInfo(name="Test Health Home"), "admin", ADMIN_PASSWORD, "Ada Admin")
    app = users.login(path, "admin", ADMIN_PASSWORD)
    try:
        for role in Role:
            if role is not Role.ADMIN:
                users.add_user(app, role.value.replace("_", ""), role, role_password(role))
    finally:
        app.close()
    return path


@pytest.fixture
def admin(store_file: Path):
    app = users.login(store_file, "admin", ADMIN_PASSWORD)
    yield app
    app.close()


@pytest.fixture
def login_as(store_file: Path):
    opened: list[AppSession] = []

    def _login(role: Role) -> AppSession:
        if role is Role.ADMIN:
            app = users.login(store_file, "admin", ADMIN_PASSWORD)
        else:
            app = users.login(store_file, role.value.replace("_", ""), role_password(role))
        opened.append(app)
        return app

    yield _login
    for app in opened:
        app.close()
