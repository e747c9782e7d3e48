"""Key slots: how each user's password (and the agency's recovery key) opens the store.

The store is encrypted with a random 256-bit raw key. Each slot holds an X25519 key pair whose private half
is wrapped (AES-GCM) under a key derived from the user's password with Argon2id; the raw key is sealed to
every slot's public half. This is LUKS-like, with one twist that matters when someone leaves: `rotate-key`
can seal a *new* raw key to every remaining slot without knowing anyone's password, and the slot of the
person who left is simply gone.

This module is the content of the slot file (``<store>.keys``) in memory: parsing and checking it (a hand-edited
file gives one sentence, never a traceback), opening a slot, and the failed-login record. Reading and writing
the file, under the lock that every window and command shares, is `hhdesk.db.keyfile`.

Role-scoped secrets: besides the store key, a slot may hold named secrets (the clinical-text key, for one),
each sealed to the slot's public half like the store key, so whoever holds a secret can hand it to any slot
without that person's password, and take it away by deleting the envelope. Which slot holds which secret is
the caller's decision (the services decide by the user's role); the recovery slot holds every secret. The
file also names each secret's public id, so a slot holding a stale or forged envelope is told apart.

The failed-login record: a wrong password cannot write to the store, so failed attempts are queued in this
file, numbered, and moved into the audit chain at the next successful login. The lockout state of each account
is replayed from a *checkpoint* sealed (HMAC under a key derived from the store key) at the last successful
login plus the wrong passwords queued since (`hhdesk.domain.lockout`), so editing a counter by hand unlocks
nothing; removing queued attempts or editing the checkpoint is detected, and recorded, at the next successful
login. What no file can prove is that an earlier copy was not put back: see README, "Security model".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hhdesk.clock import SYSTEM_CLOCK
from hhdesk.domain.lockout import LockState, replay
from hhdesk.errors import (
    KeySlotsMissing,
    NotAStore,
    UnknownUser,
    UserDisabled,
    UserLockedOut,
    WrongPassword,
)

FORMAT_VERSION = 3
# 1: before the generation number and the sealed lockout checkpoint; 2: before the role-scoped secrets. An
# older hhdesk refuses format 3 instead of rewriting the file without the secrets it does not know.
READABLE_FORMATS = (1, 2, 3)
RAW_KEY_BYTES = 32
SECRET_BYTES = 32
RECOVERY_SLOT = "__recovery__"
MAX_SECRET_NAME = 32

# OWASP's Argon2id baseline is m=19 MiB, t=2; we spend more since a login happens a few times a day.
DEFAULT_ARGON2 = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}
# Tests and benchmarks make hundreds of slots: they lower the cost in their own process with
# ``set_new_slot_cost(CHEAP_ARGON2)``. Nothing outside the code can: no environment variable or setting
# weakens the slots the program makes.
CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
# What a slot may ask for: a hand-edited cost of 0 would crash Argon2, a huge one would hang the login.
ARGON2_LIMITS = {"time_cost": (1, 20), "memory_cost": (8, 1024 * 1024), "parallelism": (1, 16)}

# Failed-login events kept one by one; beyond this, attempts refused during a lock are only counted (a
# script hammering the login must not grow the file without end). Wrong passwords are always itemised:
# the lockout lets at most five through every five minutes.
MAX_ITEMISED_EVENTS = 1000
WRONG_PASSWORD = "wrong password"
REFUSED_WHILE_LOCKED = "account locked"


class KeyFileDamaged(NotAStore):
    """The key file cannot be used as it is; the message names what is wrong."""


_new_slot_cost: dict[str, int] = dict(DEFAULT_ARGON2)


def set_new_slot_cost(cost: dict[str, int]) -> dict[str, int]:
    """Use these Argon2 parameters for the slots made from now on in this process; returns the previous ones.

    For tests and benchmarks only (the program never calls it). Each slot stores its own parameters, so
    slots made before or after keep opening.
    """
    global _new_slot_cost
    if set(cost) != set(ARGON2_LIMITS) or any(
        type(cost[k]) is not int or not low <= cost[k] <= high for k, (low, high) in ARGON2_LIMITS.items()
    ):
        raise ValueError(f"Argon2 parameters must be {sorted(ARGON2_LIMITS)} within {ARGON2_LIMITS}")
    previous, _new_slot_cost = _new_slot_cost, dict(cost)
    return previous


def _argon2_params() -> dict[str, int]:
    return dict(_new_slot_cost)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _now() -> datetime:
    return SYSTEM_CLOCK.now().astimezone(UTC)


def _hkdf(secret: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(secret)


def generate_raw_key() -> bytes:
    return secrets.token_bytes(RAW_KEY_BYTES)


def key_id(raw_key: bytes) -> str:
    """A public name for a raw key: tells a session whether the store was re-keyed since it logged in."""
    return _hkdf(raw_key, b"hhdesk key id")[:16].hex()


def secret_name_problem(name: Any) -> str | None:
    if not isinstance(name, str) or not 0 < len(name) <= MAX_SECRET_NAME or not name.isascii() \
            or not name.replace("_", "").isalnum():
        return "a secret's name is not valid"
    return None


@dataclass(frozen=True)
class SlotKeys:
    """What one slot opens: the store key and the role-scoped secrets it holds (by name)."""

    raw_key: bytes = field(repr=False)
    secrets: dict[str, bytes] = field(default_factory=dict, repr=False)
    # The names of every secret the store has, held by this slot or not.
    store_has: frozenset[str] = frozenset()


def store_id_check(store_id: str) -> str:
    """A checksum beside the store id: a hand-edited id is reported as such, not counted as a wrong password."""
    return hashlib.sha256(f"hhdesk store id {store_id}".encode()).hexdigest()[:16]


def generate_recovery_key() -> str:
    """A recovery key for people to print: 32 random bytes in base32, in groups of four."""
    text = base64.b32encode(secrets.token_bytes(RAW_KEY_BYTES)).decode("ascii").rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def _normalise_recovery_key(text: str) -> bytes:
    cleaned = "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())
    cleaned = cleaned.replace("0", "O").replace("1", "I").replace("8", "B")
    padding = "=" * (-len(cleaned) % 8)
    try:
        raw = base64.b32decode(cleaned + padding)
    except ValueError:
        raise WrongPassword("That recovery key is not in the right form: check each group of four.") from None
    if len(raw) != RAW_KEY_BYTES:
        raise WrongPassword("That recovery key is incomplete: it has 13 groups of four characters.")
    return raw


# ---- reading a file someone may have edited ----------------------------------------------------------
class _Reader:
    """Field access that turns every malformed value into one sentence naming it."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name

    def damaged(self, what: str) -> KeyFileDamaged:
        return KeyFileDamaged(f"The key file {self.file_name} is damaged ({what}). Restore it from a backup.")

    def get(self, data: Any, key: str, kind: type | tuple[type, ...], what: str) -> Any:
        if not isinstance(data, dict) or key not in data:
            raise self.damaged(f"{what} is missing")
        value = data[key]
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            raise self.damaged(f"{what} is not valid")
        return value

    def b64(self, data: Any, key: str, length: int | tuple[int, int], what: str) -> bytes:
        text = self.get(data, key, str, what)
        try:
            raw = _unb64(text)
        except ValueError:
            raise self.damaged(f"{what} is not valid") from None
        low, high = (length, length) if isinstance(length, int) else length
        if not low <= len(raw) <= high:
            raise self.damaged(f"{what} has the wrong length")
        return raw

    def time(self, text: Any, what: str) -> datetime:
        if not isinstance(text, str):
            raise self.damaged(f"{what} is not a time")
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise self.damaged(f"{what} is not a time") from None
        if value.tzinfo is None:
            raise self.damaged(f"{what} has no time zone")
        return value


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
    # Role-scoped secrets this slot holds: name -> the secret sealed to `public_key`.
    secrets: dict[str, dict[str, str]] = field(default_factory=dict)

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
            "secrets": self.secrets,
        }

    @classmethod
    def from_json(cls, data: Any, read: _Reader) -> Slot:
        name = read.get(data, "name", str, "a slot's name")
        if not name or len(name) > 64:
            raise read.damaged("a slot's name is not valid")
        who = "the recovery slot" if name == RECOVERY_SLOT else f"the slot of {name!r}"
        disabled = read.get(data, "disabled", bool, f"the disabled flag of {who}") if "disabled" in data else False
        kdf = read.get(data, "kdf", dict, f"the key derivation of {who}")
        if name == RECOVERY_SLOT:
            if kdf.get("kdf") != "hkdf":
                raise read.damaged("the key derivation of the recovery slot is not valid")
        else:
            if kdf.get("kdf") != "argon2id":
                raise read.damaged(f"the key derivation of {who} is not Argon2id")
            read.b64(kdf, "salt", (8, 64), f"the salt of {who}")
            for param, (low, high) in ARGON2_LIMITS.items():
                value = read.get(kdf, param, int, f"the Argon2 {param.replace('_', ' ')} of {who}")
                if not low <= value <= high:
                    raise read.damaged(f"the Argon2 {param.replace('_', ' ')} of {who} is out of range")
            if kdf["memory_cost"] < 8 * kdf["parallelism"]:
                raise read.damaged(f"the Argon2 memory cost of {who} is too small for its parallelism")
        wrapped_length = (0, 48) if disabled else 48  # 32-byte key + 16-byte tag; a disabled slot holds none
        envelope = read.get(data, "envelope", dict, f"the sealed key of {who}")
        if not disabled or envelope:
            read.b64(envelope, "ephemeral", 32, f"the sealed key of {who}")
            read.b64(envelope, "nonce", 12, f"the sealed key nonce of {who}")
            read.b64(envelope, "sealed", 48, f"the sealed key of {who}")
        held = read.get(data, "secrets", dict, f"the secrets of {who}") if "secrets" in data else {}
        for secret_name, sealed in held.items():
            if secret_name_problem(secret_name) or disabled:
                raise read.damaged(f"a secret of {who} is not valid")
            read.b64(sealed, "ephemeral", 32, f"a sealed secret of {who}")
            read.b64(sealed, "nonce", 12, f"a sealed secret nonce of {who}")
            read.b64(sealed, "sealed", SECRET_BYTES + 16, f"a sealed secret of {who}")
        return cls(
            name=name,
            kdf=kdf,
            private_nonce=read.b64(data, "private_nonce", 12, f"the nonce of {who}"),
            private_wrapped=read.b64(data, "private_wrapped", wrapped_length, f"the wrapped key of {who}"),
            public_key=read.b64(data, "public_key", 32, f"the public key of {who}"),
            envelope=envelope,
            disabled=disabled,
            secrets=held,
        )


def _read_event(data: Any, read: _Reader) -> dict[str, Any]:
    what = "a queued failed-login event"
    event = {
        "n": read.get(data, "n", int, what),
        "at": read.get(data, "at", str, what),
        "username": read.get(data, "username", str, what)[:64],
        "action": read.get(data, "action", str, what)[:40],
        "detail": read.get(data, "detail", str, what)[:200],
    }
    read.time(event["at"], f"the time of {what}")
    return event


def _read_legacy_event(data: Any, read: _Reader, n: int) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise read.damaged("a queued failed-login event is not valid")
    return _read_event({**data, "n": n}, read)


@dataclass
class Checkpoint:
    """The lockout state sealed at the last successful login: numbered events up to `events_total` are in it."""

    events_total: int = 0
    states: dict[str, LockState] = field(default_factory=dict)
    mac: str = ""

    def payload(self, store_id: str) -> bytes:
        states = {name: [s.failed, s.locked_until.isoformat() if s.locked_until else None]
                  for name, s in sorted(self.states.items())}
        return json.dumps({"store_id": store_id, "events_total": self.events_total, "states": states},
                          sort_keys=True, separators=(",", ":")).encode()

    def to_json(self) -> dict[str, Any]:
        return {"events_total": self.events_total, "mac": self.mac,
                "states": {name: {"failed": s.failed,
                                  "locked_until": s.locked_until.isoformat() if s.locked_until else None}
                           for name, s in self.states.items()}}

    @classmethod
    def from_json(cls, data: Any, read: _Reader) -> Checkpoint:
        what = "the lockout checkpoint"
        states = {}
        for name, value in read.get(data, "states", dict, what).items():
            failed = read.get(value, "failed", int, what)
            until = value.get("locked_until") if isinstance(value, dict) else None
            states[name] = LockState(max(0, failed), read.time(until, what) if until is not None else None)
        return cls(read.get(data, "events_total", int, what), states, read.get(data, "mac", str, what))


def _checkpoint_mac(raw_key: bytes, store_id: str, checkpoint: Checkpoint) -> str:
    mac_key = _hkdf(raw_key, b"hhdesk lockout checkpoint", store_id.encode())
    return hmac.new(mac_key, checkpoint.payload(store_id), hashlib.sha256).hexdigest()


@dataclass
class KeySlots:
    """The content of one store's slot file, in memory. `hhdesk.db.keyfile` reads and writes it."""

    path: Path
    store_id: str
    slots: dict[str, Slot] = field(default_factory=dict)
    pending_events: list[dict[str, Any]] = field(default_factory=list)
    generation: int = 0
    key_id: str = ""
    events_total: int = 0
    refusals_not_itemised: int = 0
    checkpoint: Checkpoint | None = None
    rotation: dict[str, Any] | None = None
    # The public id of each role-scoped secret the store has (name -> key_id of the secret).
    secret_ids: dict[str, str] = field(default_factory=dict)
    # The newest seal over the audit chain (`hhdesk.db.audit_seal`), kept here so that it outlives a store cut
    # below it; raw, since a damaged seal is a finding of `verify`, never a reason to refuse a login.
    audit_seal: Any = None
    # Set when the file was of format 1 and its lockout counters were taken over unchecked.
    legacy_format: bool = False

    # ---- text ---------------------------------------------------------------------------------------
    @classmethod
    def parse(cls, path: Path, text: str) -> KeySlots:
        read = _Reader(path.name)
        try:
            data = json.loads(text)
        except ValueError:
            raise read.damaged("it is not a key file") from None
        fmt = read.get(data, "format", int, "its format number")
        if fmt not in READABLE_FORMATS:
            if fmt > FORMAT_VERSION:
                raise NotAStore("The key file was written by a newer hhdesk. Install the latest version.")
            raise read.damaged("its format number is not valid")
        store_id = read.get(data, "store_id", str, "the store id")
        slot_list = read.get(data, "slots", list, "the list of slots")
        slots: dict[str, Slot] = {}
        for item in slot_list:
            slot = Slot.from_json(item, read)
            if slot.name in slots:
                raise read.damaged(f"the user {slot.name!r} has two slots")
            slots[slot.name] = slot
        raw_events = read.get(data, "pending_events", list, "the queue of failed logins") \
            if "pending_events" in data else []
        if fmt < 3:
            for slot in slots.values():
                slot.secrets = {}  # no hhdesk wrote them before format 3
        if fmt == 1:
            return cls._from_legacy(path, store_id, slots, slot_list, raw_events, read)
        if read.get(data, "store_id_check", str, "the store id check") != store_id_check(store_id):
            raise KeyFileDamaged(
                f"The store id in the key file {path.name} was changed by hand, so no password can open it. "
                "Restore the key file from a backup."
            )
        events = [_read_event(e, read) for e in raw_events]
        checkpoint = Checkpoint.from_json(data["lockout"], read) if data.get("lockout") is not None else None
        rotation = data.get("rotation")
        if rotation is not None and not isinstance(rotation, dict):
            raise read.damaged("the key rotation note is not valid")
        secret_ids = read.get(data, "secret_ids", dict, "the list of secrets") if fmt >= 3 else {}
        for secret_name, secret_id in secret_ids.items():
            if secret_name_problem(secret_name) or not isinstance(secret_id, str):
                raise read.damaged("the list of secrets is not valid")
        for slot in slots.values():
            if set(slot.secrets) - set(secret_ids):
                raise read.damaged(f"the slot of {slot.name!r} holds a secret the store does not have")
        return cls(path, store_id, slots, events, secret_ids=secret_ids,
                   generation=read.get(data, "generation", int, "the generation number"),
                   key_id=read.get(data, "key_id", str, "the key id"),
                   events_total=read.get(data, "events_total", int, "the event count"),
                   refusals_not_itemised=max(0, read.get(data, "refusals_not_itemised", int, "a count")),
                   checkpoint=checkpoint, rotation=rotation, audit_seal=data.get("audit_seal"))

    @classmethod
    def _from_legacy(cls, path: Path, store_id: str, slots: dict[str, Slot], slot_list: list[Any],
                     raw_events: list[Any], read: _Reader) -> KeySlots:
        states = {}
        for item in slot_list:
            failed = item.get("failed", 0)
            if not isinstance(failed, int) or isinstance(failed, bool):
                raise read.damaged("a failed-login count is not valid")
            until = item.get("locked_until")
            states[item["name"]] = LockState(max(0, failed), read.time(until, "a lock time") if until else None)
        events = [_read_legacy_event(e, read, n) for n, e in enumerate(raw_events, start=1)]
        # The old counters become an unsealed checkpoint; the first successful login seals it.
        return cls(path, store_id, slots, events, events_total=len(events),
                   checkpoint=Checkpoint(len(events), states), legacy_format=True)

    def to_text(self) -> str:
        data = {
            "format": FORMAT_VERSION,
            "store_id": self.store_id,
            "store_id_check": store_id_check(self.store_id),
            "generation": self.generation,
            "key_id": self.key_id,
            "slots": [slot.to_json() for slot in self.slots.values()],
            "events_total": self.events_total,
            "refusals_not_itemised": self.refusals_not_itemised,
            "pending_events": self.pending_events,
            "lockout": self.checkpoint.to_json() if self.checkpoint else None,
            "rotation": self.rotation,
            "secret_ids": self.secret_ids,
            "audit_seal": self.audit_seal,
        }
        return json.dumps(data, indent=1)

    @classmethod
    def load(cls, path: Path) -> KeySlots:
        """Read a slot file as it is now (no lock: for looking only; changes go through KeyFile)."""
        if not path.exists():
            raise KeySlotsMissing(
                f"The key file {path.name} is missing beside the store. Restore it from a backup; "
                "without it the store cannot be opened."
            )
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise KeyFileDamaged(f"The key file {path.name} cannot be read. Restore it from a backup.") from None
        return cls.parse(path, text)

    @classmethod
    def new(cls, path: Path, raw_key: bytes, username: str, password: str,
            secret_names: tuple[str, ...] = ()) -> tuple[KeySlots, str, dict[str, bytes]]:
        """Slots for a new store: the first admin, holding a new secret for each of `secret_names`, and the
        recovery key (returned, shown once). Returns the slots, the recovery key and the secrets."""
        slots = cls(path, str(uuid.uuid4()), key_id=key_id(raw_key))
        slots.add_user(raw_key, username, password)
        recovery = generate_recovery_key()
        slots._put_slot(RECOVERY_SLOT, raw_key, _recovery_kek(recovery, slots.store_id), {"kdf": "hkdf"})
        created = {name: slots.create_secret(name) for name in secret_names}
        for name, secret in created.items():
            slots.grant(username, name, secret)
        slots.seal_checkpoint(raw_key)
        return slots, recovery, created

    # ---- opening ------------------------------------------------------------------------------------
    def unlock(self, username: str, password: str, now: datetime | None = None) -> SlotKeys:
        """The raw key and the slot's secrets, or a UserError. Every failure is queued as an event (the caller saves the file)."""
        now = now or _now()
        slot = self.slots.get(username)
        if slot is None or slot.is_recovery:
            self.record_event(username, "login_failed", now, "unknown user")
            raise UnknownUser(f"There is no user named {username!r} in this store. Check the spelling.")
        if slot.disabled or not slot.private_wrapped:
            self.record_event(username, "login_failed", now, "disabled user")
            raise UserDisabled("This account is disabled. Ask your administrator to enable it.")
        state = self.lock_state(username)
        if state.is_locked(now):
            self.record_event(username, "login_failed", now, REFUSED_WHILE_LOCKED)
            raise UserLockedOut(
                f"Too many wrong passwords: this account is locked for {state.minutes_left(now)} more minute(s)."
            )
        try:
            return self._open_slot(slot, _password_kek(password, slot))
        except WrongPassword:
            self.record_event(username, "login_failed", now, WRONG_PASSWORD)
            if self.lock_state(username).is_locked(now):
                self.record_event(username, "user_locked", now, "after 5 wrong passwords")
                raise UserLockedOut(
                    "Wrong password, five times: this account is locked for 5 minutes."
                ) from None
            raise WrongPassword("Wrong password. Check Caps Lock and try again.") from None

    def unlock_with_recovery(self, recovery_key: str, now: datetime | None = None) -> SlotKeys:
        slot = self.slots.get(RECOVERY_SLOT)
        if slot is None:
            raise KeySlotsMissing("This store has no recovery key slot.")
        try:
            return self._open_slot(slot, _recovery_kek(recovery_key, self.store_id))
        except WrongPassword:
            self.record_event(RECOVERY_SLOT, "login_failed", now or _now(), "wrong recovery key")
            raise WrongPassword("That recovery key does not open this store.") from None

    def unseal_with_password(self, username: str, password: str) -> SlotKeys:
        """What this file seals to a user, without counting anything (the caller has checked)."""
        slot = self.slots[username]
        return self._open_slot(slot, _password_kek(password, slot))

    def unseal_with_recovery(self, recovery_key: str) -> SlotKeys:
        return self._open_slot(self.slots[RECOVERY_SLOT], _recovery_kek(recovery_key, self.store_id))

    # ---- the failed-login record --------------------------------------------------------------------
    def events_since_checkpoint(self) -> list[dict[str, Any]]:
        sealed = self.checkpoint.events_total if self.checkpoint else 0
        return [e for e in self.pending_events if e["n"] > sealed]

    def lock_state(self, username: str) -> LockState:
        start = self.checkpoint.states.get(username, LockState()) if self.checkpoint else LockState()
        times = [datetime.fromisoformat(e["at"]) for e in self.events_since_checkpoint()
                 if e["username"] == username and e["action"] == "login_failed" and e["detail"] == WRONG_PASSWORD]
        return replay(start, times)

    def record_event(self, username: str, action: str, now: datetime, detail: str) -> None:
        if detail == REFUSED_WHILE_LOCKED and len(self.pending_events) >= MAX_ITEMISED_EVENTS:
            self.refusals_not_itemised += 1
            return
        self.events_total += 1
        self.pending_events.append({"n": self.events_total, "at": now.isoformat(), "username": username[:64],
                                    "action": action, "detail": detail})

    def checkpoint_findings(self, raw_key: bytes) -> list[str]:
        """What a successful login finds wrong with the failed-login record since the last one."""
        if self.checkpoint is None:
            return ["the lockout record is missing from the key file"]
        if self.legacy_format:
            return []
        findings = []
        if not hmac.compare_digest(self.checkpoint.mac, _checkpoint_mac(raw_key, self.store_id, self.checkpoint)):
            findings.append("the lockout record sealed at the last login was changed")
        if self.events_total < self.checkpoint.events_total:
            findings.append("the count of failed-login events went backwards")
        expected = list(range(self.checkpoint.events_total + 1, self.events_total + 1))
        numbers = [e["n"] for e in self.events_since_checkpoint()]
        if numbers != expected:
            missing = len(set(expected) - set(numbers))
            findings.append(f"{missing} failed-login event(s) were removed or renumbered" if missing
                            else "the failed-login events were reordered or duplicated")
        return findings

    def seal_checkpoint(self, raw_key: bytes, reset: str | None = None) -> None:
        """Seal every account's replayed state (and `reset`'s streak cleared by its successful login)."""
        names = [name for name in self.slots if name != RECOVERY_SLOT]
        states = {name: self.lock_state(name) for name in names}
        if reset in states:
            states[reset] = LockState()
        checkpoint = Checkpoint(self.events_total, {n: s for n, s in states.items() if s != LockState()})
        checkpoint.mac = _checkpoint_mac(raw_key, self.store_id, checkpoint)
        self.checkpoint = checkpoint
        self.legacy_format = False
        self.key_id = key_id(raw_key)

    def drop_events_through(self, n: int, refusals: int) -> None:
        """Forget the events (and counted refusals) that a successful login has written to the audit log."""
        self.pending_events = [e for e in self.pending_events if e["n"] > n]
        self.refusals_not_itemised = max(0, self.refusals_not_itemised - refusals)

    # ---- changing -----------------------------------------------------------------------------------
    def add_user(self, raw_key: bytes, username: str, password: str,
                 held: Mapping[str, bytes] | None = None) -> None:
        """A new slot for a password, holding the store key and the secrets in `held` (name -> secret)."""
        if username in self.slots:
            raise ValueError("slot exists")
        salt = secrets.token_bytes(16)
        kdf = {"kdf": "argon2id", "salt": _b64(salt), **_argon2_params()}
        self._put_slot(username, raw_key, _argon2_kek(password, kdf), kdf)
        for name, secret in (held or {}).items():
            self.grant(username, name, secret)

    def set_password(self, username: str, new_password: str, private_key: X25519PrivateKey) -> None:
        """Rewrap one slot's private key under a new password; the sealed raw key is unchanged."""
        slot = self.slots[username]
        salt = secrets.token_bytes(16)
        kdf = {"kdf": "argon2id", "salt": _b64(salt), **_argon2_params()}
        nonce, wrapped = _wrap_private(private_key, _argon2_kek(new_password, kdf), self._aad(username))
        slot.kdf, slot.private_nonce, slot.private_wrapped = kdf, nonce, wrapped
        slot.disabled = False

    def reset_password(self, raw_key: bytes, username: str, new_password: str,
                       held: Mapping[str, bytes] | None = None) -> None:
        """Replace a slot (an admin resetting someone's forgotten password); a new key pair holds `held`."""
        self.slots.pop(username, None)
        self.add_user(raw_key, username, new_password, held)

    def set_disabled(self, username: str, disabled: bool) -> None:
        """Disabling drops the key material; enabling again needs a new password (reset_password)."""
        slot = self.slots.get(username)
        if slot is None:
            return
        slot.disabled = disabled
        if disabled:
            slot.private_wrapped = b""
            slot.envelope = {}
            slot.secrets = {}

    def remove(self, username: str) -> None:
        self.slots.pop(username, None)

    def reseal_all(self, new_raw_key: bytes) -> None:
        """Seal a new raw key to every live slot (rotate-key). Disabled slots stay closed."""
        for name, slot in self.slots.items():
            if not slot.disabled:
                slot.envelope = _seal(new_raw_key, slot.public_key, self._aad(name))
        self.key_id = key_id(new_raw_key)

    # ---- role-scoped secrets -------------------------------------------------------------------------
    def create_secret(self, name: str) -> bytes:
        """A new secret under `name`, held by the recovery slot so far; the caller grants it to slots."""
        problem = secret_name_problem(name)
        if problem or name in self.secret_ids:
            raise ValueError(problem or f"the store already has a secret named {name}")
        secret = secrets.token_bytes(SECRET_BYTES)
        self.secret_ids[name] = key_id(secret)
        if RECOVERY_SLOT in self.slots:
            self.grant(RECOVERY_SLOT, name, secret)
        return secret

    def grant(self, slot_name: str, name: str, secret: bytes) -> None:
        """Seal a secret to one slot (its public half: no password needed). Only the store's own secret."""
        if self.secret_ids.get(name) != key_id(secret):
            raise ValueError(f"that is not this store's {name} secret")
        slot = self.slots[slot_name]
        if slot.disabled:
            return
        slot.secrets[name] = _seal(secret, slot.public_key, self._secret_aad(slot_name, name))

    def revoke(self, slot_name: str, name: str) -> bool:
        """Take a secret out of one slot; True if it held it."""
        slot = self.slots.get(slot_name)
        return slot is not None and slot.secrets.pop(name, None) is not None

    def holders(self, name: str) -> list[str]:
        return [slot.name for slot in self.slots.values() if name in slot.secrets and not slot.is_recovery]

    def private_key_for(self, username: str, password: str) -> X25519PrivateKey:
        slot = self.slots[username]
        return _unwrap_private(slot, _password_kek(password, slot), self._aad(username))

    def usernames(self) -> list[str]:
        return [name for name in self.slots if name != RECOVERY_SLOT]

    # ---- internals ----------------------------------------------------------------------------------
    def _aad(self, name: str) -> bytes:
        # Binds a slot to its name and store: copying your slot under the admin's name opens nothing.
        return f"hhdesk:{self.store_id}:{name}".encode()

    def _secret_aad(self, slot_name: str, name: str) -> bytes:
        # Also binds the secret's name: an envelope copied under another secret's name opens nothing.
        return f"hhdesk:{self.store_id}:{slot_name}:secret:{name}".encode()

    def _put_slot(self, name: str, raw_key: bytes, kek: bytes, kdf: dict[str, Any]) -> None:
        private = X25519PrivateKey.generate()
        public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        nonce, wrapped = _wrap_private(private, kek, self._aad(name))
        self.slots[name] = Slot(name, kdf, nonce, wrapped, public, _seal(raw_key, public, self._aad(name)))

    def _open_slot(self, slot: Slot, kek: bytes) -> SlotKeys:
        private = _unwrap_private(slot, kek, self._aad(slot.name))
        raw_key = _unseal(slot.envelope, private, self._aad(slot.name))
        held = {}
        for name, sealed in slot.secrets.items():
            try:
                secret = _unseal(sealed, private, self._secret_aad(slot.name, name))
            except WrongPassword:
                continue  # a damaged or transplanted envelope: the slot simply does not hold that secret
            if self.secret_ids.get(name) == key_id(secret):
                held[name] = secret
        return SlotKeys(raw_key, held, frozenset(self.secret_ids))


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


def describe_os_error(exc: OSError, folder: Path) -> str:
    import errno

    if exc.errno == errno.ENOSPC:
        return f"The disk is full: free some space in {folder} and try again. Nothing was changed."
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"hhdesk may not write in {folder}: choose a folder you can write to. Nothing was changed."
    return f"Could not write in {folder} ({exc.strerror}). Nothing was changed."
