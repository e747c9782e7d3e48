"""The hash-chained audit log: append, list, verify.

Each event's hash covers the previous event's hash and its own fields, so changing, removing or reordering
any event breaks the chain from that point on; `verify` finds the first broken link. The store's triggers
already refuse UPDATE and DELETE; the chain catches what is done to the file outside hhdesk. On an agency's
server many workstations append at once, so the server links each event itself (under a lock) and records
the login that wrote it; hhdesk sends the event and leaves the user, the link and the hash to the server.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from hhdesk.clock import SYSTEM_CLOCK
from hhdesk.db.audit_seal import ChainHead, Seal
from hhdesk.db.models import AuditEvent
from hhdesk.db.postgres import server_keeps_audit_chain

GENESIS = "0" * 64


def _digest(prev_hash: str, at: str, username: str, action: str, entity: str, entity_id: str,
            member_id: int | None, detail: str) -> str:
    payload = json.dumps([prev_hash, at, username, action, entity, entity_id, member_id, detail],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _moment() -> str:
    # The trail records when an event really happened, whatever day a session's rules were asked about.
    return SYSTEM_CLOCK.now().astimezone(UTC).isoformat(timespec="microseconds")


def append(session: Session, username: str, action: str, entity: str = "", entity_id: Any = "",
           member_id: int | None = None, detail: str = "", at: str | None = None) -> None:
    """Add one event in the caller's transaction (which holds the write lock, so the chain is linear)."""
    if server_keeps_audit_chain(session):
        append_many(session, username, [PendingEvent(action, entity, entity_id, member_id, detail)], at=at)
        return
    prev = session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    prev_hash = prev or GENESIS
    at = at or _moment()
    entity_id = "" if entity_id is None else str(entity_id)
    event = AuditEvent(
        at=at, username=username, action=action, entity=entity, entity_id=entity_id, member_id=member_id,
        detail=detail, prev_hash=prev_hash,
        hash=_digest(prev_hash, at, username, action, entity, entity_id, member_id, detail),
    )
    session.add(event)
    session.flush()


@dataclass(frozen=True)
class PendingEvent:
    action: str
    entity: str = ""
    entity_id: Any = ""
    member_id: int | None = None
    detail: str = ""


def append_many(session: Session, username: str, events: list[PendingEvent], at: str | None = None) -> None:
    """Append a batch in one statement (imports write thousands); the chain is the same as one by one."""
    if not events:
        return
    at = at or _moment()
    if server_keeps_audit_chain(session):
        session.execute(insert(AuditEvent), [
            {"at": at, "username": username, "action": event.action, "entity": event.entity,
             "entity_id": "" if event.entity_id is None else str(event.entity_id), "member_id": event.member_id,
             "detail": event.detail, "prev_hash": "", "hash": ""}
            for event in events
        ])
        return
    prev_hash = session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar() or GENESIS
    rows = []
    for event in events:
        entity_id = "" if event.entity_id is None else str(event.entity_id)
        digest = _digest(prev_hash, at, username, event.action, event.entity, entity_id, event.member_id,
                         event.detail)
        rows.append({"at": at, "username": username, "action": event.action, "entity": event.entity,
                     "entity_id": entity_id, "member_id": event.member_id, "detail": event.detail,
                     "prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
    session.execute(insert(AuditEvent), rows)


@dataclass(frozen=True)
class ChainReport:
    events: int
    first_broken_id: int | None
    problem: str
    # How many of the first events were found exactly as the seal checked against says (0: no seal given).
    sealed_events: int = 0

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None and not self.problem


def chain_head(session: Session) -> ChainHead:
    """Where the chain ends now, as stored (a seal covers these values; `verify_chain` proves the links)."""
    count = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    last = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    return ChainHead(count, last.id, last.hash) if last else ChainHead(0, 0, GENESIS)


def sealed_position_problem(session: Session, seal: Seal) -> str:
    """Whether the stored chain still has, at the seal's position, the event the seal names (a quick check
    for a login; the whole proof, every link from the first event, is `verify_chain`)."""
    if seal.events == 0:
        return ""
    row = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id)
                          .offset(seal.events - 1).limit(1)).first()
    return _seal_mismatch(seal, row.id if row else None, row.hash if row else None, chain_length=None)


def verify_chain(session: Session, seal: Seal | None = None) -> ChainReport:
    """Every link from the first event; with a seal, also that the chain holds exactly the sealed events."""
    prev_hash = GENESIS
    count = 0
    rows = session.execute(
        select(AuditEvent.id, AuditEvent.at, AuditEvent.username, AuditEvent.action, AuditEvent.entity,
               AuditEvent.entity_id, AuditEvent.member_id, AuditEvent.detail, AuditEvent.prev_hash,
               AuditEvent.hash).order_by(AuditEvent.id)
    )
    for row in rows:
        count += 1
        if row.prev_hash != prev_hash:
            return ChainReport(count, row.id, f"event {row.id} does not follow the event before it "
                                              "(an event was removed or inserted)")
        expected = _digest(row.prev_hash, row.at, row.username, row.action, row.entity, row.entity_id,
                           row.member_id, row.detail)
        if expected != row.hash:
            return ChainReport(count, row.id, f"event {row.id} was changed after it was written")
        if seal is not None and count == seal.events:
            problem = _seal_mismatch(seal, row.id, row.hash, chain_length=None)
            if problem:
                return ChainReport(count, row.id, problem)
        prev_hash = row.hash
    if seal is not None and count < seal.events:
        return ChainReport(count, None, _seal_mismatch(seal, None, None, chain_length=count))
    return ChainReport(count, None, "", seal.events if seal is not None else 0)


def _seal_mismatch(seal: Seal, row_id: int | None, row_hash: str | None, chain_length: int | None) -> str:
    when = f"sealed {seal.at[:16].replace('T', ' ')} UTC by {seal.by}"
    if row_id is None:
        length = f"has {chain_length:,} events" if chain_length is not None else "is shorter than that"
        return (f"the log {length}, but {seal.events:,} events were {when}: events were removed "
                "(or an older copy of the store was put back)")
    if row_id != seal.last_id or row_hash != seal.head:
        return (f"the first {seal.events:,} events are not the ones {when}: events up to event {row_id} "
                "were changed, removed or inserted, and the chain recomputed")
    return ""
