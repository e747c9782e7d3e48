"""The encrypted store on real files: keys, wrong passwords, recovery, rotation, versions."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import text

from hhdesk.config import keyslots_path
from hhdesk.db.keyslots import KeySlots
from hhdesk.db.models import Agency
from hhdesk.db.store import Store
from hhdesk.errors import (
    KeySlotsMissing,
    NotAStore,
    StoreExists,
    StoreTooNew,
    UnknownUser,
    UserLockedOut,
    WrongPassword,
)

PASSWORD = "a long enough password"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "agency.hhdesk"
    store, _ = Store.create(path, "admin", PASSWORD)
    with store.write_session() as session:
        session.add(Agency(name="Sunrise Health Home — José Núñez Center"))
    store.close()
    return path


def test_file_is_encrypted(store_path: Path) -> None:
    raw = store_path.read_bytes()
    assert not raw.startswith(b"SQLite format 3")
    assert "Núñez".encode() not in raw and b"Sunrise" not in raw


def test_wrong_password_is_clear_and_leaves_the_file_unchanged(store_path: Path) -> None:
    before = _digest(store_path)
    with pytest.raises(WrongPassword, match="Wrong password"):
        Store.open(store_path, "admin", "not the password")
    assert _digest(store_path) == before


def test_unknown_user(store_path: Path) -> None:
    with pytest.raises(UnknownUser):
        Store.open(store_path, "nobody", PASSWORD)


def test_five_failures_lock_the_user_for_a_while(store_path: Path) -> None:
    for _ in range(4):
        with pytest.raises(WrongPassword):
            Store.open(store_path, "admin", "wrong one")
    with pytest.raises(UserLockedOut):
        Store.open(store_path, "admin", "wrong one")
    with pytest.raises(UserLockedOut):  # even the right password waits out the lock
        Store.open(store_path, "admin", PASSWORD)
    events = KeySlots.load(keyslots_path(store_path)).pending_events
    details = [e["detail"] for e in events if e["action"] == "login_failed"]
    # every attempt is recorded, the one refused during the lock too
    assert details == ["wrong password"] * 5 + ["account locked"]
    assert any(e["action"] == "user_locked" for e in events)


def test_recovery_key_opens_the_store(tmp_path: Path) -> None:
    path = tmp_path / "s.hhdesk"
    store, recovery = Store.create(path, "admin", PASSWORD)
    store.close()
    Store.open_with_recovery(path, recovery.lower().replace("-", " ")).close()
    with pytest.raises(WrongPassword):
        Store.open_with_recovery(path, "AAAA-" * 12 + "AAAA")


def test_rotate_key_keeps_every_way_in(tmp_path: Path) -> None:
    path = tmp_path / "s.hhdesk"
    store, recovery = Store.create(path, "admin", PASSWORD)
    store.keyfile.change(store.raw_key, lambda s: s.add_user(store.raw_key, "maria", "maria's secret words"))
    old_key = store.raw_key
    store.rotate_key()
    assert store.raw_key != old_key
    with store.read_session() as session:
        assert session.execute(text("select count(*) from sqlite_master")).scalar() > 10
    store.close()
    with pytest.raises(NotAStore):
        from hhdesk.db.engine import check_key

        check_key(path, old_key)
    Store.open(path, "admin", PASSWORD).close()
    Store.open(path, "maria", "maria's secret words").close()
    Store.open_with_recovery(path, recovery).close()


def test_removed_slot_cannot_open_after_rotation(tmp_path: Path) -> None:
    path = tmp_path / "s.hhdesk"
    store, _ = Store.create(path, "admin", PASSWORD)
    store.keyfile.change(store.raw_key, lambda s: s.add_user(store.raw_key, "leaver", "leaver's password"))
    leaver_copy = keyslots_path(path).read_text()
    store.keyfile.change(store.raw_key, lambda s: s.remove("leaver"))
    store.rotate_key()
    store.close()
    # The leaver kept an old key file: it no longer opens the re-keyed store.
    keyslots_path(path).write_text(leaver_copy)
    with pytest.raises(NotAStore):
        Store.open(path, "leaver", "leaver's password")


def test_slot_copied_under_another_name_opens_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.hhdesk"
    store, _ = Store.create(path, "admin", PASSWORD)
    store.keyfile.change(store.raw_key, lambda s: s.add_user(store.raw_key, "clerk", "clerk's password!"))

    def forge(slots: KeySlots) -> None:
        forged = slots.slots["clerk"]
        forged.name = "admin"
        slots.slots["admin"] = slots.slots.pop("clerk")

    store.keyfile.change(store.raw_key, forge)
    store.close()
    with pytest.raises(WrongPassword):
        Store.open(path, "admin", "clerk's password!")


def test_create_refuses_an_existing_store(store_path: Path) -> None:
    before = _digest(store_path)
    with pytest.raises(StoreExists):
        Store.create(store_path, "admin", PASSWORD)
    assert _digest(store_path) == before


def test_missing_key_file(store_path: Path) -> None:
    keyslots_path(store_path).unlink()
    with pytest.raises(KeySlotsMissing, match="missing"):
        Store.open(store_path, "admin", PASSWORD)


def test_a_file_that_is_not_a_store(tmp_path: Path, store_path: Path) -> None:
    impostor = tmp_path / "letter.hhdesk"
    impostor.write_bytes(b"Dear Sir or Madam, " * 300)
    keyslots_path(impostor).write_text(keyslots_path(store_path).read_text())
    before = _digest(impostor)
    with pytest.raises(NotAStore, match="not an hhdesk store"):
        Store.open(impostor, "admin", PASSWORD)
    assert _digest(impostor) == before


def test_damaged_key_file(store_path: Path) -> None:
    keyslots_path(store_path).write_text("{ not json")
    with pytest.raises(NotAStore, match="damaged"):
        Store.open(store_path, "admin", PASSWORD)


def test_store_from_a_newer_version_is_refused_unchanged(store_path: Path) -> None:
    store = Store.open(store_path, "admin", PASSWORD)
    with store.write_session() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    store.close()
    before = _digest(store_path)
    with pytest.raises(StoreTooNew, match="newer version"):
        Store.open(store_path, "admin", PASSWORD)
    assert _digest(store_path) == before


def test_read_only_folder_gives_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hhdesk.db import store as store_module
    from hhdesk.errors import StorageProblem

    monkeypatch.setattr(store_module.os, "access", lambda *_: False)  # tests may run as root
    with pytest.raises(StorageProblem, match="may not write"):
        Store.create(tmp_path / "s.hhdesk", "admin", PASSWORD)
    assert list(tmp_path.iterdir()) == []


def test_full_disk_while_creating_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from hhdesk.db import keyfile
    from hhdesk.errors import StorageProblem

    def full_disk(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(keyfile.os, "fsync", full_disk)
    with pytest.raises(StorageProblem, match="disk is full"):
        Store.create(tmp_path / "s.hhdesk", "admin", PASSWORD)
    assert list(tmp_path.iterdir()) == []
