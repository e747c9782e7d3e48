"""Sealing the audit log (single-workstation mode), and which seal a check trusts.

When: at each administrator's login, before each backup an administrator makes (by hand or the daily one),
after each rotate-key, and when an administrator asks (`hhdesk audit seal`, Admin > Audit log > Seal now).
Before sealing at a login, hhdesk checks the log against the newest seal it can find; whatever it finds
wrong is written to the log first, so the new seal covers the finding and nobody without the sealing key can
remove it afterwards. The seal is never withheld: an administrator's login always leaves the log sealed.

Which seal: every seal that the key file and the backups in the store's backups folder hold, whose signature
is by the store's sealing key (the one in the administrator's own key slot); the newest by its signed time is
the one the chain must match. A seal that the key file holds but that is older than a backup's is reported:
the key file was put back (or the store restored) since that backup.

On an agency's server there is nothing to seal: the server refuses every change to the audit log, whoever
asks (see `hhdesk.db.roles`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hhdesk.config import backups_dir
from hhdesk.db.audit_seal import (
    Seal,
    SealDamaged,
    fingerprint,
    make_seal,
    sealing_key_from_bytes,
    seals_in_backups,
)
from hhdesk.db.models import AuditEvent
from hhdesk.db.postgres import ServerStore
from hhdesk.db.store import Store
from hhdesk.domain.permissions import Permission, StoreSecret
from hhdesk.errors import PermissionDenied
from hhdesk.services import audit
from hhdesk.services.context import AppSession

SEAL_FINDING = "audit_seal_mismatch"
KEY_FILE = "the key file"


@dataclass(frozen=True)
class SealSearch:
    """The seals found outside the store, and what is wrong with any of them."""

    reference: Seal | None
    source: str  # where the reference seal was found: "the key file" or "backup NAME"
    problems: list[str] = field(default_factory=list)
    checked_against_admin_key: bool = True


def sealing_key_of(store: Store) -> Ed25519PrivateKey | None:
    """The sealing key, if this user's key slot holds it (administrators' and the recovery slot do)."""
    raw = store.secrets.get(StoreSecret.AUDIT_SEALING)
    return sealing_key_from_bytes(raw) if raw is not None else None


def find_reference_seal(store_id: str, key_file_seal: Any, backup_seals: list[tuple[str, Any]],
                        trusted: Ed25519PublicKey | None) -> SealSearch:
    """The newest genuine seal among the key file's and the backups'; `trusted` None takes each seal's own
    key (a consistency check of a backup, not a proof: anyone can sign with a key of their own)."""
    problems: list[str] = []
    genuine: list[tuple[str, Seal]] = []
    candidates = ([(KEY_FILE, key_file_seal)] if key_file_seal is not None else []) + \
                 [(f"backup {name}", raw) for name, raw in backup_seals]
    for source, raw in candidates:
        try:
            seal = Seal.from_json(raw)
        except SealDamaged as exc:
            problems.append(f"the seal in {source} is damaged ({exc})")
            continue
        if seal.store_id != store_id:
            continue  # a backup of another store, copied into this folder
        key = trusted or _own_key(seal)
        if key is None or not seal.signed_with(key):
            problems.append(f"the seal in {source} was not made with this store's sealing key: it was forged "
                            "or altered")
            continue
        genuine.append((source, seal))
    if not genuine:
        return SealSearch(None, "", problems, trusted is not None)
    source, reference = max(genuine, key=lambda found: (found[1].sealed_at, found[1].events, found[0] == KEY_FILE))
    own = next((seal for src, seal in genuine if src == KEY_FILE), None)
    if source != KEY_FILE:
        if own is None:
            problems.append(f"the key file holds no seal, but {source} does: the key file was replaced")
        else:
            problems.append(f"the key file's seal ({_when(own)}) is older than the one in {source} "
                            f"({_when(reference)}): an older key file was put back, or the store restored")
    return SealSearch(reference, source, problems, trusted is not None)


def _own_key(seal: Seal) -> Ed25519PublicKey | None:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(seal.public_key))
    except ValueError:
        return None


def _when(seal: Seal) -> str:
    return f"{seal.at[:16].replace('T', ' ')} UTC by {seal.by}"


def seals_outside(app: AppSession) -> SealSearch:
    """The reference seal for this store, judged by the sealing key of the administrator logged in."""
    slots = app.store.keyfile.load()
    key_file_seal = slots.audit_seal
    trusted = app.sealing_key.public_key() if app.sealing_key is not None else None
    return find_reference_seal(slots.store_id, key_file_seal, seals_in_backups(backups_dir(app.store.path)),
                               trusted)


def seal_now(app: AppSession, reason: str, at: datetime | None = None) -> Seal | None:
    """Sign where the chain ends now and keep it in the key file; None where there is nothing to seal with."""
    if isinstance(app.store, ServerStore) or app.sealing_key is None:
        return None
    with app.read(None) as session:
        head = audit.chain_head(session)
    key = app.sealing_key
    store_id = app.store.keyfile.load().store_id
    seal = make_seal(key, store_id, head, app.actor.username, reason, at)

    def keep(slots) -> None:
        slots.audit_seal = seal.to_json()

    app.store.keyfile.change(app.store.raw_key, keep)
    return seal


def check_and_seal(app: AppSession, reason: str) -> list[str]:
    """Check the log against the newest seal, write what is wrong to the log, then seal. Returns the findings.

    The check here is quick (the events at the seal's position, not every link): it is made at every
    administrator's login. `verify` walks the whole chain.
    """
    if isinstance(app.store, ServerStore) or app.sealing_key is None:
        return []
    found = seals_outside(app)
    findings = list(found.problems)
    if found.reference is not None:
        with app.read(None) as session:
            problem = audit.sealed_position_problem(session, found.reference)
        if problem:
            findings.append(f"against the seal in {found.source}: {problem}")
    if findings:
        with app.work(None) as uow:
            for finding in findings:
                uow.audit(SEAL_FINDING, "audit", detail=f"found at a {reason}: {finding}"[:500])
    seal_now(app, reason)
    return findings


def seal_by_hand(app: AppSession) -> tuple[Seal, list[str]]:
    """An administrator's explicit seal (the window's Seal now, `hhdesk audit seal`)."""
    app.require(Permission.VIEW_AUDIT)
    if isinstance(app.store, ServerStore):
        raise PermissionDenied("On an agency's server the audit log cannot be changed by anyone, so it needs no seal.")
    if app.sealing_key is None:
        raise PermissionDenied("Only an administrator can seal the audit log.")
    findings = check_and_seal(app, "seal by hand")
    seal = seals_outside(app).reference
    assert seal is not None
    return seal, findings


def recorded_findings(session: Session) -> tuple[int, str]:
    """How many findings against a seal logins have written into the log, and the latest one's words."""
    count = session.execute(select(func.count()).select_from(AuditEvent)
                            .where(AuditEvent.action == SEAL_FINDING)).scalar_one()
    latest = session.execute(select(AuditEvent.at, AuditEvent.detail).where(AuditEvent.action == SEAL_FINDING)
                             .order_by(AuditEvent.id.desc()).limit(1)).first()
    return count, f"{latest.at[:16].replace('T', ' ')} UTC, {latest.detail}" if latest else ""


@dataclass(frozen=True)
class SealStatus:
    """What the audit screen shows about the newest seal."""

    seal: Seal | None
    source: str
    key_fingerprint: str
    problems: list[str]


def seal_status(app: AppSession) -> SealStatus:
    app.require(Permission.VIEW_AUDIT)
    if isinstance(app.store, ServerStore):
        return SealStatus(None, "", "", [])
    found = seals_outside(app)
    key = fingerprint(app.sealing_key.public_key()) if app.sealing_key is not None else ""
    return SealStatus(found.reference, found.source, key, found.problems)


