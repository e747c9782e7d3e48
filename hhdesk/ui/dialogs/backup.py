"""Backup now: choose a file, write the encrypted backup off the UI thread, say where it went."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QWidget

from hhdesk.services import maintenance
from hhdesk.services.context import AppSession
from hhdesk.ui import workers
from hhdesk.ui.dialogs import common

BACKUP_FILTER = "hhdesk backups (*.hhbak)"


def suggested_backup_path(today: date) -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
    return Path(folder) / f"hhdesk-backup-{today.isoformat()}.hhbak"


def backup_to_file(parent: QWidget, app: AppSession, out: Path,
                   on_saved: Callable[[Path], None] | None = None) -> None:
    """Write a backup to `out` in the background; tell the user when it is saved."""

    def saved(_digest: str) -> None:
        common.inform(parent, "Backup saved",
                      f"The backup is saved as {out}.\n\nIt is encrypted and opens with the same passwords. "
                      "Keep a copy away from this computer.")
        if on_saved is not None:
            on_saved(out)

    workers.run_in_background(parent, "Making a backup", lambda _progress: maintenance.backup_now(app, out),
                              saved, cancellable=False)


def ask_and_backup(parent: QWidget, app: AppSession, on_saved: Callable[[Path], None] | None = None) -> None:
    """File > Backup now…: ask where, then back up there."""
    out = common.ask_save_path(parent, "Save a backup", suggested_backup_path(app.clock.today()), BACKUP_FILTER)
    if out is None:
        return
    if out.suffix != ".hhbak":
        out = out.with_name(out.name + ".hhbak")
    backup_to_file(parent, app, out, on_saved)
