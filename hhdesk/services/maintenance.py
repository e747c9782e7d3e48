"""Backup, restore, verify and the audit log, as service calls with permissions and audit events."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import DatabaseError

from hhdesk.config import backups_dir, keyslots_path
from hhdesk.db import backup as backups
from hhdesk.db import postgres
from hhdesk.db.audit_seal import Seal
from hhdesk.db.keyfile import KeyFile
from hhdesk.db.models import AuditEvent, Member, User
from hhdesk.db.postgres import ServerStore
from hhdesk.db.store import Store
from hhdesk.domain.identifiers import normalise_medicaid_id
from hhdesk.domain.permissions import Permission, allows, describe
from hhdesk.errors import NotAStore, NotFound, PermissionDenied, StorageProblem, WrongPassword
from hhdesk.private_files import private_folder
from hhdesk.services import audit, audit_seals, users
from hhdesk.services.context import AppSession


@dataclass(frozen=True)
class VerifyReport:
    cipher_and_integrity: list[str]
    audit_events: int
    audit_problem: str
    # The seal the chain was checked against (None: no seal was found), where it was found, and what is
    # wrong with the seals themselves (forged, damaged, a key file older than a backup).
    seal: Seal | None = None
    seal_source: str = ""
    seal_problems: tuple[str, ...] = ()
    # False when the seal was checked only against the key that signed it (a backup being restored), not
    # against an administrator's sealing key.
    seal_proved_by_admin_key: bool = True
    on_server: bool = False
    # Findings against a seal that logins have written into the log: how many, and the latest one.
    recorded_findings: tuple[int, str] = (0, "")

    @property
    def ok(self) -> bool:
        return not self.cipher_and_integrity and not self.audit_problem and not self.seal_problems

    @property
    def unsealed_events(self) -> int:
        return self.audit_events - (self.seal.events if self.seal else 0)


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str
    username: str
    action: str
    entity: str
    entity_id: str
    medicaid_id: str
    detail: str


def backup_now(app: AppSession, out: Path) -> str:
    if isinstance(app.store, ServerStore):  # the same backup file, written from the server's data
        from hhdesk.services.server_backup import backup_server

        return backup_server(app, out)
    app.require(Permission.BACKUP)
    # An administrator's backup carries a fresh seal in its key file: a copy of the log's length, kept apart.
    audit_seals.check_and_seal(app, "backup")
    digest = backups.write_backup(app.store.path, app.store.raw_key, out)
    with app.work(None) as uow:
        uow.audit("backup", "store", detail=f"{out.name} sha256 {digest[:16]}")
    return digest


def auto_backup(app: AppSession, today: date | None = None) -> Path | None:
    """The daily backup the window makes on its first close of a day (any role: it is for safety). Not on an
    agency's server: the server's own backups (an administrator's `hhdesk backup --store URL`) cover it."""
    if isinstance(app.store, ServerStore):
        return None
    if app.store.key_was_rotated():
        return None  # a window open across a rotate-key holds the old key; the next login backs up
    day = today or app.clock.today()
    if backups.auto_backup_due(app.store.path, day):
        audit_seals.check_and_seal(app, "backup")
    written = backups.auto_backup_if_due(app.store.path, app.store.raw_key, day)
    if written is not None:
        with app.work(None) as uow:
            uow.audit("backup", "store", detail=f"automatic {written.name}")
    return written


def list_backups(store_path: Path) -> list[Path]:
    folder = backups_dir(store_path)
    return sorted(folder.glob("*.hhbak"), reverse=True) if folder.exists() else []


def restore_to(backup_file: Path, to: Path, username: str, password: str, *,
               recovery_key: str | None = None) -> VerifyReport:
    """Unpack a backup into a new path and verify it there: cipher, integrity and audit chain.

    With the agency's ``recovery_key``, ``password`` is the user's NEW password: the key sets it in the copy
    first (users.recover, which writes the reset to the copy's audit log), for a user whose password in the
    backup is lost. The checks that follow are the same either way."""
    backups.unpack_backup(backup_file, to)
    try:
        if recovery_key is not None:
            _reset_with_recovery_key(to, recovery_key, username, password)
        store = Store.open(to, username, password)
    except BaseException:
        _remove_store_files(to)
        raise
    try:
        _require_restore_role(store, username)
        report = _verify_open_store(store, _backup_seal(store))
        if not report.ok:
            raise NotAStore("The restored copy failed its checks: " + _describe(report)
                            + ". The backup may be damaged; try an older one.")
        with store.write_session() as session:
            audit.append(session, username, "restore", "store", detail=f"from {backup_file.name}")
    except BaseException:
        store.close()
        _remove_store_files(to)
        raise
    store.close()
    return report


def _reset_with_recovery_key(store_path: Path, recovery_key: str, username: str, new_password: str) -> None:
    try:
        users.recover(store_path, recovery_key, username, new_password)
    except WrongPassword:
        # One sentence for a mistyped key and for another agency's: either way, this backup stays shut.
        raise WrongPassword("That recovery key does not open this backup: it takes the agency's recovery key "
                            "(13 groups of four characters, printed when its store or host was set up); nothing "
                            "was restored.") from None


def _require_restore_role(store: Store, username: str) -> None:
    """Restoring is for administrators and supervisors, judged by the role the backup itself gives the user."""
    with store.read_session() as session:
        role = session.execute(select(User.role).where(User.username == username)).scalar_one_or_none()
    if role is None or not allows(role, Permission.RESTORE):
        shown = (role or "unknown").replace("_", " ")
        raise PermissionDenied(f"Your role ({shown}) may not {describe(Permission.RESTORE)}. "
                               "Ask a supervisor or administrator; nothing was restored.")


def restore_over_current(app: AppSession, backup_file: Path, password: str) -> Path:
    """Restore the live store from a backup: verify a copy first, then swap; the old store is kept aside.

    Returns where the replaced store was moved. The caller must log in again afterwards.
    """
    app.require(Permission.RESTORE)
    live = app.store.path
    staging = live.with_name(live.name + ".restored")
    _remove_store_files(staging)
    restore_to(backup_file, staging, app.actor.username, password)
    stamp = app.clock.now().strftime("%Y%m%d-%H%M%S")
    aside = backups_dir(live) / f"replaced-{stamp}.hhdesk"
    app.close()
    try:
        private_folder(aside.parent)
        # Under the live key file's lock: no login or change reads a half-swapped pair.
        with KeyFile(live).locked():
            for suffix in ("-wal", "-shm"):
                live.with_name(live.name + suffix).unlink(missing_ok=True)
            os.replace(live, aside)
            os.replace(keyslots_path(live), keyslots_path(aside))
            os.replace(staging, live)
            os.replace(keyslots_path(staging), keyslots_path(live))
    except OSError as exc:
        raise StorageProblem(f"The restore could not replace the store ({exc.strerror}). "
                             f"The previous store is at {aside}.") from None
    return aside


def verify(app: AppSession) -> VerifyReport:
    app.require(Permission.VIEW_AUDIT)
    seals = None if isinstance(app.store, ServerStore) else audit_seals.seals_outside(app)
    report = _verify_open_store(app.store, seals)
    if seals is not None:
        # This session's own login may already have found (and recorded, and sealed) what is wrong: that
        # still fails this check. Findings of earlier logins are told as a note.
        found_now = tuple(f"found at this login (and recorded in the log): {finding}" for finding in app.seal_findings)
        with app.read(None) as session:
            earlier = audit_seals.recorded_findings(session)
        report = replace(report, seal_problems=report.seal_problems + found_now, recorded_findings=earlier)
    try:
        with app.work(None) as uow:
            uow.audit("verify", "store", detail="ok" if report.ok else _describe(report)[:500])
    except (DatabaseError, StorageProblem):
        # A damaged store may refuse the write too; the report is what the user needs, and it says so.
        if report.ok:
            raise
    return report


def _verify_open_store(store: Store, seals: audit_seals.SealSearch | None) -> VerifyReport:
    if isinstance(store, ServerStore):  # an agency's server: its safeguards instead of a file's encryption
        with store.read_session() as session:
            chain = audit.verify_chain(session)
            return VerifyReport(postgres.safeguard_problems(session), chain.events, chain.problem, on_server=True)
    problems = backups.integrity_problems(store.path, store.raw_key)
    seal = seals.reference if seals else None
    found = {"seal": seal, "seal_source": seals.source if seals else "",
             "seal_problems": tuple(seals.problems) if seals else (),
             "seal_proved_by_admin_key": seals.checked_against_admin_key if seals else False}
    try:
        with store.read_session() as session:
            chain = audit.verify_chain(session, seal)
    except DatabaseError as exc:
        return VerifyReport(problems, 0, f"the audit log could not be read to the end ({exc.orig or exc})", **found)
    return VerifyReport(problems, chain.events, chain.problem, **found)


def _backup_seal(store: Store) -> audit_seals.SealSearch:
    """A backup being restored: its own key file's seal, checked against the key that signed it."""
    slots = store.keyfile.load()
    return audit_seals.find_reference_seal(slots.store_id, slots.audit_seal, [], trusted=None)


def what_verify_proved(report: VerifyReport) -> list[str]:
    """Sentences saying what the checks proved and what they cannot, for the window and the command line."""
    lines = []
    if report.on_server:
        lines.append("Server: TLS verified; the audit log's triggers are on and no group may change it.")
        lines.append(f"Audit log: {report.audit_events:,} events, every link unbroken. The server refuses any "
                     "change or removal of an event, so the log needs no seal there.")
        return lines
    lines.append("Encryption and database: " + ("sound." if not report.cipher_and_integrity
                                                 else "damaged (see above)."))
    if report.audit_problem:
        lines.append(f"Audit log: NOT intact: {report.audit_problem}.")
    else:
        lines.append(f"Audit log: {report.audit_events:,} events, every link unbroken.")
    for problem in report.seal_problems:
        lines.append(f"Seal: {problem}.")
    seal = report.seal
    if seal is None:
        lines.append("Not proved: no administrator has sealed this log, so anyone with a password and the "
                     "store file could have rewritten it and recomputed the chain.")
        return lines
    when = f"{seal.at[:16].replace('T', ' ')} UTC by {seal.by} ({seal.reason})"
    if not report.audit_problem:
        signer = ("an administrator's sealing key" if report.seal_proved_by_admin_key
                  else "the key recorded with it (this shows the copy is consistent, not who sealed it)")
        lines.append(f"Proved: events 1 to {seal.events:,} are exactly those sealed {when}, found in "
                     f"{report.seal_source}, signed with {signer}. Removing, changing or inserting any of them "
                     "would show here.")
    if report.unsealed_events > 0:
        lines.append(f"Not proved: the {report.unsealed_events:,} event(s) after that seal. Anyone with a "
                     "password and the store file could have added, changed or removed them; the next "
                     "administrator's login or backup seals them.")
    count, latest = report.recorded_findings
    if count:
        lines.append(f"Recorded earlier: {count:,} finding(s) against a seal are in the log (action "
                     f"'{audit_seals.SEAL_FINDING}'); the latest: {latest}.")
    lines.append("Not provable here: that no newer seal ever existed. Someone who can write the key file and "
                 "the backups folder can put back older copies of both; compare with a backup kept elsewhere.")
    return lines


def _describe(report: VerifyReport) -> str:
    parts = list(report.cipher_and_integrity[:3])
    if report.audit_problem:
        parts.append("audit log: " + report.audit_problem)
    parts += [f"seal: {problem}" for problem in report.seal_problems[:2]]
    return "; ".join(parts)


def audit_log(app: AppSession, medicaid_id: str | None = None, since: date | None = None,
              limit: int = 1000) -> list[AuditRow]:
    with app.read(Permission.VIEW_AUDIT) as session:
        stmt = (select(AuditEvent, Member.medicaid_id)
                .outerjoin(Member, Member.id == AuditEvent.member_id)
                .order_by(AuditEvent.id.desc()).limit(limit))
        if medicaid_id:
            member_id = session.execute(
                select(Member.id).where(Member.medicaid_id == normalise_medicaid_id(medicaid_id))
            ).scalar_one_or_none()
            if member_id is None:
                raise NotFound("No member has that Medicaid ID.")
            stmt = stmt.where(AuditEvent.member_id == member_id)
        if since:
            stmt = stmt.where(AuditEvent.at >= since.isoformat())
        return [
            AuditRow(e.id, e.at, e.username, e.action, e.entity, e.entity_id, mid or "", e.detail)
            for e, mid in session.execute(stmt)
        ]


def _remove_store_files(path: Path) -> None:
    for candidate in (path, keyslots_path(path), path.with_name(path.name + "-wal"),
                      path.with_name(path.name + "-shm"), path.with_name(path.name + ".keys.lock")):
        candidate.unlink(missing_ok=True)
