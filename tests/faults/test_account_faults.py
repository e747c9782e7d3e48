"""users add killed half-way, slots left without a user, and 100 wrong passwords at once."""

from __future__ import annotations

import json
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hhdesk.config import keyslots_path
from hhdesk.db.keyfile import KeyFile
from hhdesk.db.keyslots import KeySlots
from hhdesk.db.store import Store
from hhdesk.errors import UnknownUser, UserLockedOut, WrongPassword
from hhdesk.services import maintenance, users
from tests.faults.conftest import (
    ADMIN_PASSWORD,
    MARIA_PASSWORD,
    FaultStore,
    every_way_in_opens,
    start_worker,
    worker,
)

NEW_PASSWORD = "first day on the river boat"


def _slots(store: FaultStore) -> KeySlots:
    return KeySlots.load(keyslots_path(store.path))


def _enabled_users(store: FaultStore) -> set[str]:
    app = users.login(store.path, "admin", ADMIN_PASSWORD)
    try:
        return {u.username for u in users.list_users(app) if not u.disabled}
    finally:
        app.close()


@pytest.mark.parametrize("step", ["users-add:user-committed", "users-add:slot-written"])
def test_users_add_killed_half_way_leaves_no_slot_without_a_user(fault_store: FaultStore, step: str) -> None:
    result = worker("add-user", str(fault_store.path), "admin", ADMIN_PASSWORD, "newhire", NEW_PASSWORD,
                    "--kill-at", step)
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert set(_slots(fault_store).usernames()) <= _enabled_users(fault_store)
    every_way_in_opens(fault_store)
    if step == "users-add:user-committed":
        # The account exists without a way in; its administrator gives it a password, as for a new hire.
        with pytest.raises(WrongPassword) as refused:  # the login's one sentence for a name without a slot
            users.login(fault_store.path, "newhire", NEW_PASSWORD)
        assert isinstance(refused.value.__cause__, UnknownUser)
        admin = users.login(fault_store.path, "admin", ADMIN_PASSWORD)
        try:
            users.reset_password(admin, "newhire", NEW_PASSWORD)
        finally:
            admin.close()
    users.login(fault_store.path, "newhire", NEW_PASSWORD).close()


def test_a_slot_left_without_a_user_is_closed_at_the_next_login(fault_store: FaultStore) -> None:
    """What a crash between the key-file write and the database commit left behind in earlier versions."""
    store = Store.open(fault_store.path, "admin", ADMIN_PASSWORD)
    raw_key = store.raw_key
    store.keyfile.change(raw_key, lambda slots: slots.add_user(raw_key, "ghost", NEW_PASSWORD))
    store.close()
    assert "ghost" in _slots(fault_store).slots
    app = users.login(fault_store.path, "admin", ADMIN_PASSWORD)
    try:
        repaired = [(r.entity_id, r.detail) for r in maintenance.audit_log(app) if r.action == "keyfile_repaired"]
    finally:
        app.close()
    assert repaired == [("ghost", "key slot without a user removed")]
    with pytest.raises(UnknownUser):
        Store.open(fault_store.path, "ghost", NEW_PASSWORD)


def test_a_failed_key_file_write_undoes_the_new_user(fault_store: FaultStore, monkeypatch) -> None:
    from hhdesk.errors import StorageProblem

    admin = users.login(fault_store.path, "admin", ADMIN_PASSWORD)
    try:
        def full_disk(*_args, **_kwargs):
            raise StorageProblem("The disk is full.")

        monkeypatch.setattr(KeyFile, "_save", full_disk)
        with pytest.raises(StorageProblem):
            users.add_user(admin, "newhire", "billing", NEW_PASSWORD)
        monkeypatch.undo()
        assert "newhire" not in {u.username for u in users.list_users(admin)}
    finally:
        admin.close()


def guess_in_parallel(store_path: Path, folder: Path, processes: int, threads: int) -> dict[str, object]:
    """`processes` × `threads` wrong passwords for maria at once; what they got and what was recorded."""
    outs = [folder / f"guesses-{i}.json" for i in range(processes)]
    go = folder / "go"
    running = [start_worker("guess", str(store_path), "maria", str(threads), str(out), "--go", str(go))
               for out in outs]
    deadline = time.monotonic() + 60 + 3 * processes  # each process starts Python and imports hhdesk
    while time.monotonic() < deadline and not all(Path(f"{out}.ready").exists() for out in outs):
        time.sleep(0.05)
    go.write_text("go")
    for process in running:
        process.wait(timeout=60 + 3 * processes)
    outcomes = [o for out in outs if out.exists() for o in json.loads(out.read_text())]
    slots = KeySlots.load(keyslots_path(store_path))
    events = slots.pending_events
    return {
        "guesses": processes * threads,
        "answered": len(outcomes),
        "wrong_password_answers": outcomes.count("WrongPassword"),
        "locked_answers": outcomes.count("UserLockedOut"),
        "other_answers": [o for o in outcomes if o not in ("WrongPassword", "UserLockedOut")],
        "failed_login_events": sum(1 for e in events if e["action"] == "login_failed" and e["username"] == "maria"),
        "wrong_password_events": sum(1 for e in events if e["detail"] == "wrong password"),
        "lock_events": sum(1 for e in events if e["action"] == "user_locked"),
        "locked": slots.lock_state("maria").is_locked(datetime.now(UTC)),
    }


def test_a_hundred_wrong_passwords_at_once_lock_the_account_and_every_one_is_recorded(
        fault_store: FaultStore, tmp_path: Path) -> None:
    result = guess_in_parallel(fault_store.path, tmp_path, processes=4, threads=25)
    assert result["answered"] == 100 and result["other_answers"] == []
    assert result["locked"]
    # Only five guesses were ever tried against the password; the other 95 were refused unseen.
    assert result["wrong_password_events"] == 5 and result["wrong_password_answers"] == 4
    assert result["failed_login_events"] == 100 and result["lock_events"] == 1
    with pytest.raises(UserLockedOut):
        users.login(fault_store.path, "maria", MARIA_PASSWORD)
    # the next successful login moves every attempt into the audit log
    admin = users.login(fault_store.path, "admin", ADMIN_PASSWORD)
    try:
        logged = [r for r in maintenance.audit_log(admin, limit=1000)
                  if r.action == "login_failed" and r.entity_id == "maria"]
    finally:
        admin.close()
    assert len(logged) == 101  # the 100 guesses and maria's refused right password
