"""The host's key file: unattended backups sealed to the first administrator and the recovery key, and the
superuser password that only the recovery key opens."""

from __future__ import annotations

from pathlib import Path

import pytest

from hhdesk.db import host_keys
from hhdesk.db.keyslots import RECOVERY_SLOT, KeySlots, generate_raw_key
from hhdesk.errors import UserError, WrongPassword

ADMIN, PASSWORD = "ada", "first administrator password 1"


def test_a_backup_made_without_any_password_opens_with_the_admins_password_and_the_recovery_key(
        tmp_path: Path) -> None:
    slots, recovery_key, superuser_password = host_keys.for_new_agency(tmp_path / "host.keys", ADMIN, PASSWORD)
    host_keys.save(slots, tmp_path / "host.keys")
    saved = host_keys.load(tmp_path / "host.keys")
    raw_key = generate_raw_key()
    sealed = host_keys.for_backup(saved, raw_key, tmp_path / "backup.keys")
    reread = KeySlots.parse(tmp_path / "backup.keys", sealed.to_text())
    assert reread.unlock(ADMIN, PASSWORD).raw_key == raw_key
    assert reread.unseal_with_recovery(recovery_key).raw_key == raw_key
    assert reread.secret_ids == {} and all(not slot.secrets for slot in reread.slots.values())
    assert superuser_password not in sealed.to_text() and superuser_password not in saved.to_text()
    with pytest.raises(WrongPassword):
        reread.unlock(ADMIN, "not the password at all 1")


def test_only_the_recovery_key_opens_the_superuser_password(tmp_path: Path) -> None:
    slots, recovery_key, superuser_password = host_keys.for_new_agency(tmp_path / "host.keys", ADMIN, PASSWORD)
    assert host_keys.superuser_password(slots, recovery_key) == superuser_password
    assert len(superuser_password) >= 40
    assert host_keys.SUPERUSER_SECRET not in slots.unlock(ADMIN, PASSWORD).secrets
    _other, other_key, _ = host_keys.for_new_agency(tmp_path / "other.keys", ADMIN, PASSWORD)
    with pytest.raises(WrongPassword):
        host_keys.superuser_password(slots, other_key)


def test_a_stores_slots_carry_over_so_its_printed_recovery_key_stays_the_agencys(tmp_path: Path) -> None:
    store_slots, recovery_key, _ = KeySlots.new(tmp_path / "s.keys", generate_raw_key(), ADMIN, PASSWORD, ("clinical",))
    store_slots.add_user(generate_raw_key(), "carla", "care manager password 1")
    slots, superuser_password = host_keys.from_existing_slots(tmp_path / "host.keys", store_slots, ADMIN)
    assert set(slots.slots) == {ADMIN, RECOVERY_SLOT} and slots.store_id == store_slots.store_id
    assert host_keys.superuser_password(slots, recovery_key) == superuser_password
    raw_key = generate_raw_key()
    assert host_keys.for_backup(slots, raw_key, tmp_path / "b.keys").unlock(ADMIN, PASSWORD).raw_key == raw_key
    with pytest.raises(UserError, match="no password slot"):
        host_keys.from_existing_slots(tmp_path / "host.keys", store_slots, "nobody")
