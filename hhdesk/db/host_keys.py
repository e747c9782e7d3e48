"""The host's key file: who can open its unattended backups, and the sealed superuser password.

Key slots are public-key envelopes (hhdesk.db.keyslots): a store key can be sealed to a slot's public half
without anyone's password. The host keeps one slot file (``host.keys`` in its data folder) with two slots,
made at setup while the administrator was there to type a password:

- the first administrator's slot (its private half wrapped under their password, with Argon2id), and
- the agency's recovery slot (wrapped under the printed recovery key).

The nightly backup, which runs with nobody at the keyboard, makes a new store key, seals it to those two
slots and writes the usual ``.hhbak`` with that slot file inside: it opens with the first administrator's
password as it was at setup, or with the recovery key, exactly as a store's backup does.

The PostgreSQL superuser's password is a role-scoped secret of this file that only the recovery slot holds:
random, never shown, and opened only with the recovery key. Backups never carry it.
"""

from __future__ import annotations

import base64
import copy
from pathlib import Path

from hhdesk.db.keyslots import RECOVERY_SLOT, KeySlots, generate_raw_key
from hhdesk.errors import UserError

SUPERUSER_SECRET = "pg_superuser"
FILE_NAME = "host.keys"


def password_from_secret(secret: bytes) -> str:
    return base64.urlsafe_b64encode(secret).decode("ascii").rstrip("=")


def for_new_agency(path: Path, admin: str, admin_password: str) -> tuple[KeySlots, str, str]:
    """A new host key file: the administrator's slot, a new recovery key (returned, shown once) and the sealed
    superuser password (returned for the setup to use, never shown). Returns (slots, recovery key, password)."""
    slots, recovery_key, _ = KeySlots.new(path, generate_raw_key(), admin, admin_password)
    return slots, recovery_key, password_from_secret(slots.create_secret(SUPERUSER_SECRET))


def from_existing_slots(path: Path, existing: KeySlots, admin: str) -> tuple[KeySlots, str]:
    """A host key file from a store's (or a backup's) slot file: the administrator's slot and the recovery slot
    carried over as they are, so the agency keeps its printed recovery key. Returns (slots, superuser password)."""
    if admin not in existing.slots:
        raise UserError(f"{admin} has no password slot in that store or backup.")
    kept = {name: copy.deepcopy(existing.slots[name]) for name in (admin, RECOVERY_SLOT) if name in existing.slots}
    for slot in kept.values():
        slot.secrets = {}
    slots = KeySlots(path, existing.store_id, kept)
    secret = slots.create_secret(SUPERUSER_SECRET)
    slots.seal_checkpoint(generate_raw_key())
    return slots, password_from_secret(secret)


def save(slots: KeySlots, path: Path) -> None:
    from hhdesk.private_files import write_private_file_atomically

    write_private_file_atomically(path, slots.to_text().encode("utf-8"))


def load(path: Path) -> KeySlots:
    return KeySlots.load(path)


def for_backup(host_slots: KeySlots, raw_key: bytes, backup_keys_path: Path) -> KeySlots:
    """The slot file of one backup: the host's slots with ``raw_key`` sealed to each, without the superuser
    password (no password needed: sealing uses the slots' public halves)."""
    slots = KeySlots.parse(backup_keys_path, host_slots.to_text())
    for slot in slots.slots.values():
        slot.secrets = {}
    slots.secret_ids = {}
    slots.reseal_all(raw_key)
    slots.seal_checkpoint(raw_key)
    return slots


def superuser_password(host_slots: KeySlots, recovery_key: str) -> str:
    """The superuser's password, opened with the agency's recovery key (a WrongPassword if it does not)."""
    opened = host_slots.unseal_with_recovery(recovery_key)
    return password_from_secret(opened.secrets[SUPERUSER_SECRET])
