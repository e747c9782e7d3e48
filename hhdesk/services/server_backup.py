"""Backups of an agency's server in the same encrypted format as a store file's.

A backup copies one consistent moment of the server's database (a repeatable-read snapshot) into a new,
encrypted store file in a private temporary folder, checks the audit chain there, and packs it exactly as
`hhdesk backup` packs a store (hhdesk.db.backup), so one restore reads both. The copy's key slot is the
password of the administrator who made it (the only password hhdesk holds at that moment), so that is the
password that opens the backup; the temporary copy is removed as soon as the backup file is written.

Restoring one is `hhdesk.services.server_restore`.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from sqlalchemy import Connection

from hhdesk.config import keyslots_path
from hhdesk.db import backup as backups
from hhdesk.db import host_keys, server_copy
from hhdesk.db.keyslots import KeySlots
from hhdesk.db.postgres import ServerStore
from hhdesk.db.store import Store
from hhdesk.domain.enums import Role
from hhdesk.domain.permissions import Permission
from hhdesk.errors import PermissionDenied, StoreDamaged
from hhdesk.private_files import FOLDER_MODE, write_private_file_atomically
from hhdesk.services import audit
from hhdesk.services.context import AppSession


def backup_server(app: AppSession, out: Path) -> str:
    """Write the server's data to ``out`` as an encrypted backup file; returns its SHA-256."""
    app.require(Permission.BACKUP)
    store = app.store
    assert isinstance(store, ServerStore)
    if app.actor.role is not Role.ADMIN:
        raise PermissionDenied("On an agency's server only an administrator makes backups (a backup holds the "
                               "audit log and every account, which only administrators may read).")
    with store.snapshot() as source:
        digest = write_backup_from(source, app.actor.username, store.password, out)
    with app.work(None) as uow:
        uow.audit("backup", "store", detail=f"{out.name} sha256 {digest[:16]}, from the server")
    return digest


def write_backup_from(source: Connection, username: str, password: str, out: Path, *,
                      revision: str = "head", key_slots: KeySlots | None = None) -> str:
    """Pack one snapshot of a server's database into an encrypted backup whose key slot is ``username`` with
    ``password``; ``revision`` is the server's schema when older than this program's (the copy keeps it, and
    a restore migrates it like any older store). With ``key_slots`` (the host's unattended backup,
    hhdesk.db.host_keys), the backup opens with those slots instead, sealed to the copy's key without any
    password. Returns the backup's SHA-256."""
    folder = Path(tempfile.mkdtemp(prefix="hhdesk-server-backup-"))
    folder.chmod(FOLDER_MODE)
    try:
        copy_path = folder / "agency.hhdesk"
        local, _recovery = Store.create(copy_path, username, password, revision=revision)
        try:
            with local.writer.begin() as target:
                columns = None if revision == "head" else server_copy.columns_of(target)
                server_copy.copy_tables(source, target, columns=columns)
            with local.read_session() as session:
                chain = audit.verify_chain(session)
            if not chain.ok:
                raise StoreDamaged(f"The server's audit log is broken ({chain.problem}), so no backup was made: "
                                   "run 'hhdesk verify' on the server and ask your administrator.")
            if key_slots is not None:
                sealed = host_keys.for_backup(key_slots, local.raw_key, keyslots_path(copy_path))
                write_private_file_atomically(keyslots_path(copy_path), sealed.to_text().encode("utf-8"))
            return backups.write_backup(copy_path, local.raw_key, out)
        finally:
            local.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
