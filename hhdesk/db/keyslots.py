"""Key slots: how each user's password (and the agency's recovery key) opens the store.

The store is encrypted with a random 256-bit raw key. Each slot holds an X25519 key pair whose private half
is wrapped (AES-GCM) under a key derived from the user's password with Argon2id; the raw key is sealed to
every slot's public half. This is LUKS-like, with one twist that matters when someone leaves: `rotate-key`
can seal a *new* raw key to every remaining slot without knowing anyone's password, and the slot of the
person who left is simply gone.

The slot file sits beside the store (``<store>.keys``) and holds no member data. It also keeps the failed
login counters and a short queue of failed-login events, since a wrong password cannot write to the store;
the events are moved into the audit chain at the next successful login.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hhdesk.errors import (
    KeySlotsMissing,
    NotAStore,
    StorageProblem,
    UnknownUser,
    UserDisabled,
    UserLockedOut,
    WrongPassword,
)

FORMAT_VERSION = 1
RAW_KEY_BYTES = 32
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=5)
RECOVERY_SLOT = "__recovery__"

# OWASP's Argon2id baseline is m=19 MiB, t=2; we spend more since a login happens a few times a day.
DEFAULT_ARGON2 = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}
# Tests create hundreds of slots; they opt into cheap parameters through the environment.
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


def _argon2_params() -> dict[str, int]:
    return FAST_ARGON2 if os.environ.get("HHDESK_INSECURE_FAST_KDF") == "1" else DEFAULT_ARGON2


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def _now() -> datetime:
    return datetime.now(UTC)


def _hkdf(secret: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(secret)


def generate_raw_key() -> bytes:
    return secrets.token_bytes(RAW_KEY_BYTES)


def generate_recovery_key() -> str:
    """A recovery key for people to print: 32 random bytes in base32, in groups of four."""
    text = base64.b32encode(secrets.token_bytes(RAW_KEY_BYTES)).decode("ascii").rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def _normalise_recovery_key(text: str) -> bytes:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    cleaned = cleaned.replace("0", "O").replace("1", "I").replace("8", "B")
    padding = "=" * (-len(cleaned) % 8)
    try:
        raw = base64.b32decode(cleaned + padding)
    except ValueError:
        raise WrongPassword("That recovery key is not in the right form: check each group of four.") from None
    if len(raw) != RAW_KEY_BYTES:
        raise WrongPassword("That recovery key is incomplete: it has 13 groups of four characters.")
    return raw


@dataclass
class Slot:
    """One way into the store: a user's password or the recovery key."""

    name: str
    kdf: dict[str, Any]
    private_nonce: bytes
    private_wrapped: bytes
    public_key: bytes
    envelope: dict[str, str]
    disabled: bool = False
    failed: int = 0
    locked_until: datetime | None = None

    @property
    def is_recovery(self) -> bool:
        return self.name == RECOVERY_SLOT

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kdf": self.kdf,
            "private_nonce": _b64(self.private_nonce),
            "private_wrapped": _b64(self.private_wrapped),
            "public_key": _b64(self.public_key),
            "envelope": self.envelope,
            "disabled": self.disabled,
            "failed": self.failed,
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Slot:
        locked = data.get("locked_until")
        return cls(
            name=data["name"],
            kdf=data["kdf"],
            private_nonce=_unb64(data["private_nonce"]),
            private_wrapped=_unb64(data["private_wrapped"]),
            public_key=_unb64(data["public_key"]),
            envelope=data["envelope"],
            disabled=bool(data.get("disabled", False)),
            failed=int(data.get("failed", 0)),
            locked_until=datetime.fromisoformat(locked) if locked else None,
        )


@dataclass
class KeySlots:
    """The slot file of one store."""

    path: Path
    store_id: str
    slots: dict[str, Slot] = field(default_factory=dict)
    pending_events: list[dict[str, str]] = field(default_factory=list)

    # ---- file ---------------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> KeySlots:
        if not path.exists():
            raise KeySlotsMissing(
                f"The key file {path.name} is missing beside the store. Restore it from a backup; "
                "without it the store cannot be opened."
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT_VERSION:
                raise NotAStore("The key file was written by a newer hhdesk. Install the latest version.")
            slots = {s["name"]: Slot.from_json(s) for s in data["slots"]}
            return cls(path, data["store_id"], slots, list(data.get("pending_events", [])))
        except (ValueError, KeyError, TypeError):
            raise NotAStore(f"The key file {path.name} is damaged. Restore it from a backup.") from None

    def save(self) -> None:
        data = {
            "format": FORMAT_VERSION,
            "store_id": self.store_id,
            "slots": [slot.to_json() for slot in self.slots.values()],
            "pending_events": self.pending_events,
        }
        atomic_write_text(self.path, json.dumps(data, indent=1))

    @classmethod
    def create(cls, path: Path, raw_key: bytes, username: str, password: str) -> tuple[KeySlots, str]:
        """New slots for a new store: the first admin and the recovery key (returned, shown once)."""
        slots = cls(path, str(uuid.uuid4()))
        slots.add_user(raw_key, username, password)
        recovery = generate_recovery_key()
        slots._put_slot(RECOVERY_SLOT, raw_key, _recovery_kek(recovery, slots.store_id), {"kdf": "hkdf"})
        slots.save()
        return slots, recovery

    # ---- opening ------------------------------------------------------------------------------------
    def unlock(self, username: str, password: str, now: datetime | None = None) -> bytes:
        """The raw key, or a UserError. Failures are counted in the file, which this saves."""
        now = now or _now()
        slot = self.slots.get(username)
        if slot is None or slot.is_recovery:
            self._record_failure(username, now, "unknown user")
            raise UnknownUser(f"There is no user named {username!r} in this store. Check the spelling.")
        if slot.disabled:
            self._record_failure(username, now, "disabled user")
            raise UserDisabled("This account is disabled. Ask your administrator to enable it.")
        if slot.locked_until and slot.locked_until > now:
            minutes = max(1, int((slot.locked_until - now).total_seconds() // 60) + 1)
            raise UserLockedOut(
                f"Too many wrong passwords: this account is locked for {minutes} more minute(s)."
            )
        try:
            raw_key = self._open_slot(slot, _password_kek(password, slot))
        except WrongPassword:
            slot.failed += 1
            if slot.failed >= MAX_FAILED_LOGINS:
                slot.locked_until = now + LOCKOUT
                slot.failed = 0
                self._queue_event(username, "user_locked", now, "after 5 wrong passwords")
            self._record_failure(username, now, "wrong password")
            if slot.locked_until and slot.locked_until > now:
                raise UserLockedOut(
                    "Wrong password, five times: this account is locked for 5 minutes."
                ) from None
            raise WrongPassword("Wrong password. Check Caps Lock and try again.") from None
        if slot.failed or slot.locked_until:
            slot.failed = 0
            slot.locked_until = None
            self.save()
        return raw_key

    def unlock_with_recovery(self, recovery_key: str) -> bytes:
        slot = self.slots.get(RECOVERY_SLOT)
        if slot is None:
            raise KeySlotsMissing("This store has no recovery key slot.")
        try:
            return self._open_slot(slot, _recovery_kek(recovery_key, self.store_id))
        except WrongPassword:
            self._record_failure(RECOVERY_SLOT, _now(), "wrong recovery key")
            raise WrongPassword("That recovery key does not open this store.") from None

    def take_pending_events(self) -> list[dict[str, str]]:
        events, self.pending_events = self.pending_events, []
        if events:
            self.save()
        return events

    # ---- changing -----------------------------------------------------------------------------------
    def add_user(self, raw_key: bytes, username: str, password: str) -> None:
        if username in self.slots:
            raise ValueError("slot exists")
        salt = secrets.token_bytes(16)
        kdf = {"kdf": "argon2id", "salt": _b64(salt), **_argon2_params()}
        self._put_slot(username, raw_key, _argon2_kek(password, kdf), kdf)
        self.save()

    def set_password(self, username: str, new_password: str, private_key: X25519PrivateKey) -> None:
        """Rewrap one slot's private key under a new password; the sealed raw key is unchanged."""
        slot = self.slots[username]
        salt = secrets.token_bytes(16)
        kdf = {"kdf": "argon2id", "salt": _b64(salt), **_argon2_params()}
        nonce, wrapped = _wrap_private(private_key, _argon2_kek(new_password, kdf), self._aad(username))
        slot.kdf, slot.private_nonce, slot.private_wrapped = kdf, nonce, wrapped
        slot.failed, slot.locked_until, slot.disabled = 0, None, False
        self.save()

    def reset_password(self, raw_key: bytes, username: str, new_password: str) -> None:
        """Replace a slot (an admin resetting someone's forgotten password)."""
        self.slots.pop(username, None)
        self.add_user(raw_key, username, new_password)

    def set_disabled(self, username: str, disabled: bool) -> None:
        """Disabling drops the key material; enabling again needs a new password (reset_password)."""
        slot = self.slots.get(username)
        if slot is None:
            return
        slot.disabled = disabled
        if disabled:
            slot.private_wrapped = b""
            slot.envelope = {}
        self.save()

    def remove(self, username: str) -> None:
        self.slots.pop(username, None)
        self.save()

    def reseal_all(self, new_raw_key: bytes) -> None:
        """Seal a new raw key to every live slot (rotate-key). Disabled slots stay closed."""
        for name, slot in self.slots.items():
            if not slot.disabled:
                slot.envelope = _seal(new_raw_key, slot.public_key, self._aad(name))

    def private_key_for(self, username: str, password: str) -> X25519PrivateKey:
        slot = self.slots[username]
        return _unwrap_private(slot, _password_kek(password, slot), self._aad(username))

    def usernames(self) -> list[str]:
        return [name for name in self.slots if name != RECOVERY_SLOT]

    # ---- internals ----------------------------------------------------------------------------------
    def _aad(self, name: str) -> bytes:
        # Binds a slot to its name and store: copying your slot under the admin's name opens nothing.
        return f"hhdesk:{self.store_id}:{name}".encode()

    def _put_slot(self, name: str, raw_key: bytes, kek: bytes, kdf: dict[str, Any]) -> None:
        private = X25519PrivateKey.generate()
        public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        nonce, wrapped = _wrap_private(private, kek, self._aad(name))
        self.slots[name] = Slot(name, kdf, nonce, wrapped, public, _seal(raw_key, public, self._aad(name)))

    def _open_slot(self, slot: Slot, kek: bytes) -> bytes:
        private = _unwrap_private(slot, kek, self._aad(slot.name))
        return _unseal(slot.envelope, private, self._aad(slot.name))

    def _record_failure(self, username: str, now: datetime, why: str) -> None:
        self._queue_event(username, "login_failed", now, why)

    def _queue_event(self, username: str, action: str, now: datetime, why: str) -> None:
        # Bounded so that someone hammering the login cannot grow the file without end.
        self.pending_events = self.pending_events[-199:]
        self.pending_events.append({"at": now.isoformat(), "username": username[:64], "action": action,
                                    "detail": why})
        with contextlib.suppress(StorageProblem):  # counting must never hide the real message
            self.save()


def _password_kek(password: str, slot: Slot) -> bytes:
    if slot.kdf.get("kdf") != "argon2id":
        raise WrongPassword("This slot does not open with a password.")
    return _argon2_kek(password, slot.kdf)


def _argon2_kek(password: str, kdf: dict[str, Any]) -> bytes:
    return hash_secret_raw(
        password.encode("utf-8"),
        _unb64(kdf["salt"]),
        time_cost=int(kdf["time_cost"]),
        memory_cost=int(kdf["memory_cost"]),
        parallelism=int(kdf["parallelism"]),
        hash_len=32,
        type=Type.ID,
    )


def _recovery_kek(recovery_key: str, store_id: str) -> bytes:
    return _hkdf(_normalise_recovery_key(recovery_key), b"hhdesk recovery slot", store_id.encode())


def _wrap_private(private: X25519PrivateKey, kek: bytes, aad: bytes) -> tuple[bytes, bytes]:
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    nonce = secrets.token_bytes(12)
    return nonce, AESGCM(kek).encrypt(nonce, raw, aad)


def _unwrap_private(slot: Slot, kek: bytes, aad: bytes) -> X25519PrivateKey:
    if not slot.private_wrapped:
        raise UserDisabled("This account is disabled. Ask your administrator to enable it.")
    try:
        raw = AESGCM(kek).decrypt(slot.private_nonce, slot.private_wrapped, aad)
    except InvalidTag:
        raise WrongPassword("Wrong password.") from None
    return X25519PrivateKey.from_private_bytes(raw)


def _seal(raw_key: bytes, public_key: bytes, aad: bytes) -> dict[str, str]:
    ephemeral = X25519PrivateKey.generate()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public_key))
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_hkdf(shared, b"hhdesk sealed key")).encrypt(nonce, raw_key, aad)
    ephemeral_public = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return {"ephemeral": _b64(ephemeral_public), "nonce": _b64(nonce), "sealed": _b64(sealed)}


def _unseal(envelope: dict[str, str], private: X25519PrivateKey, aad: bytes) -> bytes:
    shared = private.exchange(X25519PublicKey.from_public_bytes(_unb64(envelope["ephemeral"])))
    try:
        return AESGCM(_hkdf(shared, b"hhdesk sealed key")).decrypt(
            _unb64(envelope["nonce"]), _unb64(envelope["sealed"]), aad
        )
    except InvalidTag:
        raise WrongPassword("The key file does not match this account.") from None


def atomic_write_text(path: Path, text: str) -> None:
    """Write beside the target and rename over it, so a crash or a full disk never leaves half a file."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StorageProblem(describe_os_error(exc, path.parent)) from None


def describe_os_error(exc: OSError, folder: Path) -> str:
    import errno

    if exc.errno == errno.ENOSPC:
        return f"The disk is full: free some space in {folder} and try again. Nothing was changed."
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"hhdesk may not write in {folder}: choose a folder you can write to. Nothing was changed."
    return f"Could not write in {folder} ({exc.strerror}). Nothing was changed."
