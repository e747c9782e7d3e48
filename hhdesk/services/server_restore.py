"""Restoring a backup (of a store file or of a server) into an agency's empty database on a server.

The backup is unpacked and verified into a temporary store file exactly as a file restore does it
(`maintenance.restore_to`), then moved up as `hhdesk server import` does; the temporary copy is removed.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hhdesk.db.postgres import ServerAddress
from hhdesk.private_files import FOLDER_MODE
from hhdesk.services import maintenance, server_import


def restore_to_server(backup_file: Path, address: ServerAddress, username: str, password: str, setup_user: str,
                      setup_password: str) -> server_import.ImportReport:
    """Restore a backup (of a store file or of a server) into an empty database on a server."""
    folder = Path(tempfile.mkdtemp(prefix="hhdesk-restore-"))
    folder.chmod(FOLDER_MODE)
    try:
        staged = folder / "restored.hhdesk"
        maintenance.restore_to(backup_file, staged, username, password)
        return server_import.import_store(staged, username, password, address, setup_user, setup_password)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
