"""A key file edited by hand: one sentence each, never a traceback; lockout edits detected and recorded."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hhdesk.cli.main import main
from hhdesk.config import keyslots_path
from hhdesk.db.keyslots import KeySlots
from hhdesk.errors import UserLockedOut, WrongPassword
from hhdesk.services import maintenance, users
from tests.faults.conftest import ADMIN_PASSWORD, MARIA_PASSWORD, FaultStore, every_way_in_opens

Edit = Callable[[dict[str, Any]], None]


def _slot(data: dict[str, Any], name: str = "admin") -> dict[str, Any]:
    return next(s for s in data["slots"] if s["name"] == name)


def _set(path: list[Any], value: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = _slot(data, key[1:]) if isinstance(key, str) and key.startswith("@") else target[key]
        target[path[-1]] = value
    return edit


EDITS: dict[str, Edit] = {
    "salt not base64": _set(["@admin", "kdf", "salt"], "!!not base64!!"),
    "salt too short": _set(["@admin", "kdf", "salt"], "AAAA"),
    "zero time cost": _set(["@admin", "kdf", "time_cost"], 0),
    "zero memory cost": _set(["@admin", "kdf", "memory_cost"], 0),
    "huge memory cost": _set(["@admin", "kdf", "memory_cost"], 2**40),
    "huge time cost": _set(["@admin", "kdf", "time_cost"], 10**9),
    "zero parallelism": _set(["@admin", "kdf", "parallelism"], 0),
    "cost as text": _set(["@admin", "kdf", "time_cost"], "3"),
    "short nonce": _set(["@admin", "private_nonce"], "AAAA"),
    "short public key": _set(["@admin", "public_key"], "AAAA"),
    "sealed key missing": lambda d: _slot(d)["envelope"].pop("sealed"),
    "no slots list": _set(["slots"], {"admin": 1}),
    "garbage pending events": _set(["pending_events"], "garbage"),
    "pending events of numbers": _set(["pending_events"], [1, 2, 3]),
    "pending event with a bad time": _set(["pending_events"], [
        {"n": 1, "at": "yesterday", "username": "x", "action": "login_failed", "detail": "wrong password"}]),
    "generation as text": _set(["generation"], "seven"),
    "lockout record garbage": _set(["lockout"], "garbage"),
    "format from the future": _set(["format"], 99),
    "two slots with one name": lambda d: d["slots"].append(dict(_slot(d))),
}


def _edit(store: FaultStore, edit: Edit) -> None:
    path = keyslots_path(store.path)
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", list(EDITS))
def test_each_hand_edit_gives_one_sentence(fault_store: FaultStore, name: str, capsys, monkeypatch) -> None:
    _edit(fault_store, EDITS[name])
    before = _digest(keyslots_path(fault_store.path))
    monkeypatch.setenv("HHDESK_PASSWORD", ADMIN_PASSWORD)
    code = main(["users", "list", "--store", str(fault_store.path), "--user", "admin"])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err.startswith("hhdesk: ") and "\n" not in err and "Traceback" not in err
    assert "key file" in err
    assert _digest(keyslots_path(fault_store.path)) == before  # nothing was counted or rewritten


@pytest.mark.parametrize("text", ["", "{ not json", "[]", "null", "\udcff"])
def test_a_key_file_that_is_not_json_gives_one_sentence(fault_store: FaultStore, text: str, capsys, monkeypatch) -> None:
    keyslots_path(fault_store.path).write_bytes(text.encode("utf-8", "surrogateescape"))
    monkeypatch.setenv("HHDESK_PASSWORD", ADMIN_PASSWORD)
    assert main(["users", "list", "--store", str(fault_store.path), "--user", "admin"]) == 1
    err = capsys.readouterr().err.strip()
    assert "key file" in err and "\n" not in err


def test_a_changed_store_id_is_not_counted_as_a_wrong_password(fault_store: FaultStore) -> None:
    from hhdesk.db.store import Store
    from hhdesk.errors import NotAStore

    _edit(fault_store, _set(["store_id"], "00000000-0000-0000-0000-000000000000"))
    before = _digest(keyslots_path(fault_store.path))
    for _ in range(6):
        with pytest.raises(NotAStore, match="store id .* was changed by hand"):
            Store.open(fault_store.path, "admin", ADMIN_PASSWORD)
    assert _digest(keyslots_path(fault_store.path)) == before


def _lock_maria(store: FaultStore) -> None:
    for _ in range(4):
        with pytest.raises(WrongPassword):
            users.login(store.path, "maria", "not maria's password at all")
    with pytest.raises(UserLockedOut):
        users.login(store.path, "maria", "not maria's password at all")


def _keyfile_findings(store: FaultStore) -> list[str]:
    app = users.login(store.path, "admin", ADMIN_PASSWORD)
    try:
        return [r.detail for r in maintenance.audit_log(app) if r.action == "keyfile_edited"]
    finally:
        app.close()


def test_editing_the_lock_counters_unlocks_nothing(fault_store: FaultStore) -> None:
    _lock_maria(fault_store)

    def clear_counters(data: dict[str, Any]) -> None:
        data["lockout"]["states"] = {}
        for slot in data["slots"]:
            slot["failed"], slot["locked_until"] = 0, None  # the fields older versions trusted

    _edit(fault_store, clear_counters)
    with pytest.raises(UserLockedOut):
        users.login(fault_store.path, "maria", MARIA_PASSWORD)


def test_removing_the_failed_logins_is_detected_and_recorded(fault_store: FaultStore) -> None:
    _lock_maria(fault_store)
    _edit(fault_store, _set(["pending_events"], []))
    findings = _keyfile_findings(fault_store)
    assert findings == ["found at this login: 6 failed-login event(s) were removed or renumbered"]


def test_editing_the_sealed_lockout_record_is_detected_and_recorded(fault_store: FaultStore) -> None:
    users.login(fault_store.path, "admin", ADMIN_PASSWORD).close()
    _edit(fault_store, _set(["lockout", "states"], {"admin": {"failed": 4, "locked_until": None}}))
    assert _keyfile_findings(fault_store) == [
        "found at this login: the lockout record sealed at the last login was changed"]
    every_way_in_opens(fault_store)
    assert _keyfile_findings(fault_store) == [  # recorded once; the next login seals a good record
        "found at this login: the lockout record sealed at the last login was changed"]


def test_a_key_file_from_before_the_lockout_record_still_opens(fault_store: FaultStore) -> None:
    """Format 1 (no generation, no sealed checkpoint): read, sealed at the first login, nothing reported."""
    path = keyslots_path(fault_store.path)
    data = json.loads(path.read_text())
    legacy = {"format": 1, "store_id": data["store_id"],
              "slots": [{**s, "failed": 0, "locked_until": None} for s in data["slots"]],
              "pending_events": [{"at": "2026-12-01T09:00:00+00:00", "username": "maria",
                                  "action": "login_failed", "detail": "wrong password"}]}
    path.write_text(json.dumps(legacy))
    assert _keyfile_findings(fault_store) == []
    slots = KeySlots.load(path)
    assert slots.generation > 0 and slots.checkpoint is not None and slots.key_id
    every_way_in_opens(fault_store)
    # Rewriting it in the old format again, to escape the checks, is itself recorded.
    path.write_text(json.dumps(legacy))
    assert _keyfile_findings(fault_store) == [
        "found at this login: the key file was rewritten in the format of an older hhdesk"]
