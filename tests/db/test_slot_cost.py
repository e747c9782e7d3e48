"""The Argon2 cost of new key slots: the program's own, whatever the environment says; tests lower it in code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hhdesk.db import keyslots

_MAKE_A_SLOT = """
import json, sys
from pathlib import Path
from hhdesk.db.keyslots import KeySlots, generate_raw_key
slots, _, _ = KeySlots.new(Path(sys.argv[1]), generate_raw_key(), "admin", "a long enough password")
print(json.dumps(slots.slots["admin"].kdf))
"""


def test_the_environment_cannot_weaken_new_slots(tmp_path: Path) -> None:
    # The variable the tests once used to get cheap slots: a fresh program process must ignore it.
    env = dict(os.environ, HHDESK_INSECURE_FAST_KDF="1")
    done = subprocess.run([sys.executable, "-c", _MAKE_A_SLOT, str(tmp_path / "store.keys")], env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    kdf = json.loads(done.stdout)
    assert {k: kdf[k] for k in keyslots.DEFAULT_ARGON2} == keyslots.DEFAULT_ARGON2


def test_a_slot_made_with_the_cheap_cost_keeps_opening_after_the_cost_changes(tmp_path: Path) -> None:
    raw = keyslots.generate_raw_key()
    previous = keyslots.set_new_slot_cost(keyslots.CHEAP_ARGON2)
    try:
        slots, _, _ = keyslots.KeySlots.new(tmp_path / "store.keys", raw, "admin", "a long enough password")
    finally:
        keyslots.set_new_slot_cost(previous)
    assert {k: slots.slots["admin"].kdf[k] for k in keyslots.CHEAP_ARGON2} == keyslots.CHEAP_ARGON2
    assert slots.unlock("admin", "a long enough password").raw_key == raw


@pytest.mark.parametrize("cost", [
    {"time_cost": 0, "memory_cost": 1024, "parallelism": 1},
    {"time_cost": 1, "memory_cost": 1024},
    {"time_cost": True, "memory_cost": 1024, "parallelism": 1},
    {"time_cost": 1, "memory_cost": 10**9, "parallelism": 1},
])
def test_a_cost_outside_the_limits_is_refused(cost: dict[str, int]) -> None:
    before = keyslots.set_new_slot_cost(keyslots.CHEAP_ARGON2)
    with pytest.raises(ValueError):
        keyslots.set_new_slot_cost(cost)
    assert keyslots.set_new_slot_cost(before) == keyslots.CHEAP_ARGON2
