"""rotate-key against kill -9 at every step, against logins racing it, and against a stale open session."""

from __future__ import annotations

import json
import random
import signal
import time
from pathlib import Path

import pytest

from hhdesk.config import keyslots_path
from hhdesk.db.keyslots import KeySlots
from hhdesk.errors import StaleSession, UserDisabled, WrongPassword
from hhdesk.services import users
from tests.faults.conftest import (
    ADMIN_PASSWORD,
    MARIA_PASSWORD,
    FaultStore,
    every_way_in_opens,
    make_store,
    start_worker,
    worker,
)

ROTATION_STEPS = [
    "rotate:before-new-key-file",
    "rotate:new-key-file-written",
    "rotate:before-rekey",
    "rotate:rekey-returned",
    "rotate:store-rekeyed",
    "rotate:key-file-replaced",
]


def _pending(store: FaultStore) -> Path:
    return store.path.with_name(store.path.name + ".keys.new")


@pytest.mark.parametrize("step", ROTATION_STEPS)
def test_rotate_key_killed_at_each_step_leaves_every_way_in(fault_store: FaultStore, step: str) -> None:
    result = worker("rotate", str(fault_store.path), "admin", ADMIN_PASSWORD, "--kill-at", step)
    assert result.returncode == -signal.SIGKILL, result.stderr
    every_way_in_opens(fault_store)
    assert not _pending(fault_store).exists()  # the first login finished or undid the rotation
    # and the store can be rotated again afterwards
    assert worker("rotate", str(fault_store.path), "admin", ADMIN_PASSWORD).returncode == 0
    every_way_in_opens(fault_store)


def test_an_interrupted_rotation_is_recorded_in_the_audit_log(fault_store: FaultStore) -> None:
    from hhdesk.services import maintenance

    result = worker("rotate", str(fault_store.path), "admin", ADMIN_PASSWORD, "--kill-at", "rotate:store-rekeyed")
    assert result.returncode == -signal.SIGKILL
    app = users.login(fault_store.path, "admin", ADMIN_PASSWORD)
    try:
        settled = [r.detail for r in maintenance.audit_log(app) if r.action == "key_rotation_settled"]
    finally:
        app.close()
    assert len(settled) == 1 and "was finished" in settled[0]


@pytest.mark.parametrize("run", range(1))
def test_rotate_key_killed_at_a_random_moment_leaves_every_way_in(tmp_path: Path, run: int) -> None:
    store = make_store(tmp_path, ballast_mb=4)
    rotating = start_worker("rotate", str(store.path), "admin", ADMIN_PASSWORD)
    marker = Path(str(store.path) + ".rotating")
    deadline = time.monotonic() + 30
    while not marker.exists() and rotating.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(random.Random(run).uniform(0.0, 0.4))
    rotating.send_signal(signal.SIGKILL)
    rotating.wait(timeout=30)
    every_way_in_opens(store)
    assert not _pending(store).exists()


def race_logins_through_a_rotation(folder: Path, ballast_mb: int = 8) -> dict[str, object]:
    """The probe: maria logs in every 0.1 s while the administrator rotates the key in another process.

    Returns what happened; the tests below assert on it and `benchmarks/rotation_race.py` repeats it.
    """
    store = make_store(folder, ballast_mb=ballast_mb)
    stop, out = folder / "stop", folder / "outcomes.json"
    prober = start_worker("probe-logins", str(store.path), "maria", MARIA_PASSWORD, str(stop), str(out))
    time.sleep(0.8)  # the prober is logging in before the rotation starts
    rotation = worker("rotate", str(store.path), "admin", ADMIN_PASSWORD, timeout=120)
    time.sleep(0.5)  # and goes on after it
    stop.write_text("stop")
    prober.wait(timeout=60)
    attempts = json.loads(out.read_text()) if out.exists() else [[0, 0, f"PROBER DIED ({prober.returncode})"]]
    window = Path(str(store.path) + ".rotated")
    began, ended = json.loads(window.read_text()) if window.exists() else (0.0, 0.0)
    outcomes = [outcome for _, _, outcome in attempts]
    try:
        every_way_in_opens(store)
        lost = False
    except Exception:  # the probe counts a lost store, whatever the error
        lost = True
    return {"rotation_exit": rotation.returncode, "rotation_stderr": rotation.stderr[-400:], "lost": lost,
            "rotation_seconds": round(ended - began, 2), "logins": len(outcomes), "ok": outcomes.count("ok"),
            "logins_overlapping_rotation": sum(1 for start, end, _ in attempts if start < ended and end > began),
            "tracebacks": [o for o in outcomes if o.startswith(("TRACEBACK", "PROBER"))],
            "refusals": sorted({o for o in outcomes if o != "ok"})}


@pytest.mark.parametrize("run", range(2))
def test_logins_racing_a_rotation_lose_nothing(tmp_path: Path, run: int) -> None:
    result = race_logins_through_a_rotation(tmp_path)
    assert result["rotation_exit"] == 0, result["rotation_stderr"]
    assert not result["lost"]
    assert result["tracebacks"] == []
    assert result["logins"] >= 5 and result["ok"] >= 3
    # The race really happened: with 8 MB the re-encryption outlasts the 0.1 s pause between two logins.
    assert result["logins_overlapping_rotation"] >= 1, result["rotation_seconds"]
    # a login that waited too long for the rotation gets one sentence; nothing else is refused
    assert all(r.startswith("KeyFileBusy") for r in result["refusals"]), result["refusals"]


def test_a_window_open_since_the_morning_never_writes_its_old_key_file(fault_store: FaultStore) -> None:
    """Open all day; meanwhile the admin disables a user, adds one and rotates; then one wrong password."""
    morning = users.login(fault_store.path, "maria", MARIA_PASSWORD)
    try:
        admin = users.login(fault_store.path, "admin", ADMIN_PASSWORD)
        try:
            users.add_user(admin, "leaver", "billing", "counting the months carefully")
            users.add_user(admin, "newhire", "billing", "first day on the river boat")
            users.set_disabled(admin, "leaver", True)
        finally:
            admin.close()
        assert worker("rotate", str(fault_store.path), "admin", ADMIN_PASSWORD).returncode == 0
        with pytest.raises(WrongPassword):
            users.unlock(morning, "one wrong password at the lock screen")
        with pytest.raises(StaleSession, match="log in again"):
            users.unlock(morning, MARIA_PASSWORD)
        with pytest.raises(StaleSession):
            users.list_users(morning)  # its old key reads nothing, and says so in one sentence
        with pytest.raises(StaleSession):
            users.change_own_password(morning, MARIA_PASSWORD, "a brand new river phrase")
    finally:
        morning.close()
    every_way_in_opens(fault_store)
    users.login(fault_store.path, "newhire", "first day on the river boat").close()
    with pytest.raises(UserDisabled):
        users.login(fault_store.path, "leaver", "counting the months carefully")
    slots = KeySlots.load(keyslots_path(fault_store.path))
    assert slots.slots["leaver"].disabled and "newhire" in slots.slots


def test_a_rotation_blocked_by_a_busy_store_changes_nothing_and_says_so(fault_store: FaultStore,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from hhdesk.db import engine as engines
    from hhdesk.errors import StorageProblem

    monkeypatch.setattr(engines, "BUSY_TIMEOUT_MS", 200)
    app = users.login(fault_store.path, "admin", ADMIN_PASSWORD)
    try:
        writer = engines.connect(fault_store.path, app.store.raw_key)
        writer.execute("BEGIN IMMEDIATE")  # another window in the middle of saving
        try:
            with pytest.raises(StorageProblem, match="kept the store busy"):
                users.rotate_key(app)
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        users.list_users(app)  # the session goes on working under the old key
    finally:
        app.close()
    assert not _pending(fault_store).exists()
    every_way_in_opens(fault_store)

