"""What the fault tests share: a store with data worth losing, and running a second hhdesk process.

A store here is real (SQLCipher file in tmp_path); nothing is mocked below the service layer.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
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


REPO = Path(__file__).resolve().parents[2]
MARIA_PASSWORD = "a steady hand on the tiller"
AGENCY = "Sunrise Health Home"


@dataclass
class FaultStore:
    path: Path
    recovery: str


def make_store(folder: Path, ballast_mb: int = 0) -> FaultStore:
    """A store with an admin, a care manager, and optionally ballast so that a rotation takes a while."""
    path = folder / "agency.hhdesk"
    recovery = users.create_store(path, AgencyInfo(name=AGENCY), "admin", ADMIN_PASSWORD)
    app = users.login(path, "admin", ADMIN_PASSWORD)
    try:
        users.add_user(app, "maria", Role.CARE_MANAGER, MARIA_PASSWORD)
        if ballast_mb:
            from sqlalchemy import text

            with app.store.write_session() as session:
                session.execute(text("CREATE TABLE fault_ballast (b BLOB)"))
                for _ in range(ballast_mb * 4):
                    session.execute(text("INSERT INTO fault_ballast VALUES (randomblob(262144))"))
    finally:
        app.close()
    return FaultStore(path, recovery)


@pytest.fixture
def fault_store(tmp_path: Path) -> FaultStore:
    return make_store(tmp_path)


def worker(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run tests/faults/worker.py in a new process (fast key derivation) and wait for it."""
    return subprocess.run([sys.executable, "-m", "tests.faults.worker", *args], cwd=REPO, env=worker_env(),
                          capture_output=True, text=True, timeout=timeout, check=False)


def start_worker(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tests.faults.worker", *args], cwd=REPO, env=worker_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)


def worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def every_way_in_opens(store: FaultStore) -> None:
    """The admin, the care manager and the recovery key all open the store, and its data is there."""
    from sqlalchemy import select

    from hhdesk.db.models import Agency
    from hhdesk.db.store import Store

    for username, password in (("admin", ADMIN_PASSWORD), ("maria", MARIA_PASSWORD)):
        app = users.login(store.path, username, password)
        try:
            with app.store.read_session() as session:
                assert session.execute(select(Agency.name)).scalar_one() == AGENCY
        finally:
            app.close()
    Store.open_with_recovery(store.path, store.recovery).close()
