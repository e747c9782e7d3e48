"""Seals over the audit chain: an administrator's signature on how long the log was and how it ended.

The hash chain alone proves nothing against someone who holds the store key: they can delete the last
events, or change an event and recompute every hash after it, and the chain is whole again. A seal is an
Ed25519 signature, by a key that only administrators' key slots (and the recovery slot) hold, over the
store's id, the number of events, the id of the last one and its hash. Any chain that still contains those
events unchanged ends, at that position, in that hash; any other chain does not (short of a SHA-256
collision). The newest seal is kept outside the store, in the key file (and so in every backup, which
carries the key file), so a store cut below it is caught even when the cut removed every trace inside.

This module is the seal itself: making it, its text, checking its signature, and finding the seals that the
key file and the backups in the store's backups folder hold. Which seal to trust, and what the chain must
look like against it, is `hhdesk.services.audit_seals`.
"""

from __future__ import annotations

import base64
import json
import zipfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hhdesk.clock import SYSTEM_CLOCK

SEAL_FORMAT = 1
# What the signature covers starts with this, so a seal's signature can never be passed off as another
# signature of the same key (nor the reverse).
SIGNED_CONTEXT = "hhdesk audit seal"


class SealDamaged(ValueError):
    """A seal whose text is not a seal; the message names what is wrong, for a sentence to the user."""


@dataclass(frozen=True)
class ChainHead:
    """Where the audit chain ends now: how many events, the last one's id and hash."""

    events: int
    last_id: int
    head: str


@dataclass(frozen=True)
class Seal:
    store_id: str
    events: int
    last_id: int
    head: str
    at: str  # when, ISO 8601 UTC: signed, so it orders seals even if files' dates are changed
    by: str  # the administrator whose hhdesk sealed ("recovery-key" for the recovery key)
    reason: str  # login, backup, rotate-key, by hand
    public_key: str  # base64 of the raw Ed25519 public key that signed
    signature: str = ""  # base64

    def payload(self) -> bytes:
        fields = {k: v for k, v in asdict(self).items() if k != "signature"}
        return json.dumps({"context": SIGNED_CONTEXT, "format": SEAL_FORMAT, **fields},
                          sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    @property
    def sealed_at(self) -> datetime:
        return datetime.fromisoformat(self.at)

    def signed_with(self, public_key: Ed25519PublicKey) -> bool:
        """True when this seal's signature is by `public_key` over exactly these fields."""
        if self.public_key != public_key_text(public_key):
            return False
        try:
            public_key.verify(base64.b64decode(self.signature), self.payload())
        except (InvalidSignature, ValueError):
            return False
        return True

    def covers(self, head: ChainHead) -> bool:
        return (self.events, self.last_id, self.head) == (head.events, head.last_id, head.head)

    def to_json(self) -> dict[str, Any]:
        return {"format": SEAL_FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: Any) -> Seal:
        if not isinstance(data, dict):
            raise SealDamaged("it is not a seal")
        if data.get("format") != SEAL_FORMAT:
            raise SealDamaged("its format is not one this hhdesk knows")
        values: dict[str, Any] = {}
        for name, kind in (("store_id", str), ("events", int), ("last_id", int), ("head", str), ("at", str),
                           ("by", str), ("reason", str), ("public_key", str), ("signature", str)):
            value = data.get(name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise SealDamaged(f"its {name.replace('_', ' ')} is missing or not valid")
            values[name] = value
        if values["events"] < 0 or values["last_id"] < 0:
            raise SealDamaged("its event count is not valid")
        try:
            at = datetime.fromisoformat(values["at"])
            base64.b64decode(values["signature"], validate=True)
            base64.b64decode(values["public_key"], validate=True)
        except ValueError:
            raise SealDamaged("its time or signature is not valid") from None
        if at.tzinfo is None:
            raise SealDamaged("its time has no time zone")
        return cls(**values)


def sealing_key_from_bytes(raw: bytes) -> Ed25519PrivateKey:
    """The signing key from the 32-byte secret a key slot holds (an Ed25519 private key is a 32-byte seed)."""
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_text(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """A short form of the public key for people to compare (shown on the audit screen)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    text = base64.b32encode(raw).decode("ascii")[:16]
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def make_seal(private_key: Ed25519PrivateKey, store_id: str, head: ChainHead, by: str, reason: str,
              at: datetime | None = None) -> Seal:
    at = at or SYSTEM_CLOCK.now().astimezone(UTC)  # when the seal was really made, not a test's day
    unsigned = Seal(store_id, head.events, head.last_id, head.head, at.isoformat(timespec="microseconds"), by[:64],
                    reason[:40], public_key_text(private_key.public_key()))
    signature = base64.b64encode(private_key.sign(unsigned.payload())).decode("ascii")
    return Seal(**{**asdict(unsigned), "signature": signature})


# ---- where seals are kept outside the store ------------------------------------------------------------
def seal_in_key_file_text(text: str) -> Any:
    """The raw seal a key file's text holds (None if it holds none); the caller parses it with from_json."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data.get("audit_seal") if isinstance(data, dict) else None


def seals_in_backups(folder: Path) -> list[tuple[str, Any]]:
    """(backup file name, raw seal) for each backup in the folder whose key file holds a seal.

    Only the small key-file member of each backup is read; nothing is decrypted. A file that is not a
    readable backup is passed over (verify reports damaged backups when one is restored, not here).
    """
    found: list[tuple[str, Any]] = []
    try:
        candidates = sorted(folder.glob("*.hhbak"))
    except OSError:
        return found
    for backup in candidates:
        try:
            with zipfile.ZipFile(backup) as archive:
                text = archive.read("keys.json").decode("utf-8")
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            continue
        raw = seal_in_key_file_text(text)
        if raw is not None:
            found.append((backup.name, raw))
    return found
