"""Restoring a backup (of a store file or of a server) into an agency's empty database on a server.

The backup is unpacked and verified into a temporary store file exactly as a file restore does it
(`maintenance.restore_to`), then moved up as `hhdesk server import` does; the temporary copy is removed.
`staged_restore` is the first half alone: the host's restore checks the backup that way before it makes its
cluster, and builds the host's key file from the checked copy's key slots.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hhdesk.db.postgres import ServerAddress
from hhdesk.private_files import FOLDER_MODE
from hhdesk.services import maintenance, server_import


@contextlib.contextmanager
def staged_restore(backup_file: Path, username: str, password: str, *,
                   recovery_key: str | None = None) -> Iterator[Path]:
    """The backup restored and verified as a store file in a private temporary folder, removed afterwards
    whatever happens. With ``recovery_key``, ``password`` is the user's new password (maintenance.restore_to)."""
    folder = Path(tempfile.mkdtemp(prefix="hhdesk-restore-"))
    try:
        folder.chmod(FOLDER_MODE)
        staged = folder / "restored.hhdesk"
        maintenance.restore_to(backup_file, staged, username, password, recovery_key=recovery_key)
        yield staged
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def restore_to_server(backup_file: Path, address: ServerAddress, username: str, password: str, setup_user: str,
                      setup_password: str) -> server_import.ImportReport:
    """Restore a backup (of a store file or of a server) into an empty database on a server."""
    with staged_restore(backup_file, username, password) as staged:
        return server_import.import_store(staged, username, password, address, setup_user, setup_password)
