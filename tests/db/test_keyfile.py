"""The key file as shared state, within one process: stale copies refused, concurrent writers serialised."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from hhdesk.config import keyslots_path
from hhdesk.db.keyfile import KeyFile, StaleKeyFile
from hhdesk.db.keyslots import KeySlots
from hhdesk.db.store import Store
from hhdesk.errors import StaleSession, UserError

PASSWORD = "a long enough password"


@pytest.fixture
def store(tmp_path: Path):
    store, _ = Store.create(tmp_path / "s.hhdesk", "admin", PASSWORD)
    yield store
    store.close()


def test_a_copy_older_than_the_file_is_never_written(store: Store) -> None:
    keyfile = store.keyfile
    morning_copy = keyfile.load()
    raw_key = store.raw_key
    keyfile.change(raw_key, lambda slots: slots.add_user(raw_key, "maria", "maria's secret words"))
    with keyfile.locked(), pytest.raises(StaleKeyFile):
        keyfile._save(morning_copy)
    assert "maria" in KeySlots.load(keyslots_path(store.path)).slots


def test_each_save_increments_the_generation(store: Store) -> None:
    before = store.keyfile.load().generation
    raw_key = store.raw_key
    store.keyfile.change(raw_key, lambda slots: slots.add_user(raw_key, "maria", "maria's secret words"))
    assert store.keyfile.load().generation == before + 1


def test_a_session_with_an_old_key_may_not_change_the_file(store: Store) -> None:
    old_key = store.raw_key
    store.rotate_key()
    before = keyslots_path(store.path).read_bytes()
    with pytest.raises(StaleSession):
        store.keyfile.change(old_key, lambda slots: slots.remove("admin"))
    assert keyslots_path(store.path).read_bytes() == before


def test_thirty_threads_failing_at_once_damage_nothing_and_lose_no_count(store: Store) -> None:
    barrier = threading.Barrier(30)
    errors: list[str] = []

    def fail() -> None:
        barrier.wait()
        try:
            KeyFile(store.path).unlock("nobody", "no password")
        except UserError as exc:
            errors.append(type(exc).__name__)

    threads = [threading.Thread(target=fail) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == ["UnknownUser"] * 30
    slots = KeySlots.load(keyslots_path(store.path))
    assert [e["n"] for e in slots.pending_events] == list(range(1, 31))
    assert not list(store.path.parent.glob(".*.tmp"))  # no temporary file left behind
