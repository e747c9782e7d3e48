"""Admin > Backups: back up now, the backups in the data folder, and restoring one over the live store."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from hhdesk.config import backups_dir
from hhdesk.domain.permissions import Permission
from hhdesk.private_files import private_folder
from hhdesk.services import maintenance, settings
from hhdesk.ui import workers
from hhdesk.ui.dialogs import common
from hhdesk.ui.dialogs.backup import BACKUP_FILTER, ask_and_backup
from hhdesk.ui.errors import show_error
from hhdesk.ui.sections import SectionHost
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.labels import role_label
from hhdesk.ui.widgets.text import format_date_time


def describe_backup(path: Path) -> str:
    name = path.name
    if name.startswith("daily-"):
        return "Daily (automatic)"
    if name.startswith("before-migration-"):
        return "Before an upgrade"
    return "Made by hand"


def _size(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{max(size // 1024, 1)} KB"


class BackupsTab(QWidget):
    def __init__(self, host: SectionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.app = host.app
        self.backups: list[Path] = []
        self.table = ListTable(["File", "Kind", "Made", "Size"], [300, 160, 160])
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.backup_button = QPushButton("&Backup now…")
        self.backup_button.setToolTip("Save an encrypted copy of the store to a file you choose")
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button = QPushButton("&Restore…")
        self.restore_button.setToolTip("Replace the current store with the selected backup")
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_file_button = QPushButton("Restore from a &file…")
        self.restore_file_button.clicked.connect(self.restore_from_file)
        self.folder_button = QPushButton("Open the backups &folder")
        self.folder_button.clicked.connect(self.open_folder)
        if host.store_path is None:
            self._build_for_server()
            return
        can_restore = self.app.actor.can(Permission.RESTORE)
        self.restore_button.setVisible(can_restore)
        self.restore_file_button.setVisible(can_restore)
        buttons = QHBoxLayout()
        for button in (self.backup_button, self.restore_button, self.restore_file_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.folder_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.addWidget(role_label(
            "Backups are encrypted copies of the store that open with the same passwords. hhdesk makes one "
            "automatically on the first close of each day and keeps the last 14 in this folder. Keep a copy "
            "away from this computer too.", "muted"))
        layout.addWidget(role_label(f"Folder: {backups_dir(host.store_path)}", "muted"))
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.count_label = role_label("", "muted", wrap=False)
        layout.addWidget(self.count_label)
        self._selection_changed()

    def _build_for_server(self) -> None:
        """On an agency's server: Backup now writes the same encrypted file from the server's data; restoring
        one into an empty database is the administrator's command (hhdesk restore FILE --to URL)."""
        for button in (self.restore_button, self.restore_file_button, self.folder_button):
            button.hide()
        self.backup_button.setToolTip("Save an encrypted copy of the agency's data on the server to a file you "
                                      "choose (it opens with your password as it is now)")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.addWidget(role_label(
            "The agency's data is on its server. Backup now saves an encrypted copy of all of it to a file you "
            "choose; it opens with your password as it is now. Keep copies away from the server too. To put a "
            "backup back, your administrator restores it into an empty database ('hhdesk restore FILE --to "
            "URL') or into a store file.", "muted"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.backup_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.count_label = role_label("", "muted", wrap=False)
        layout.addWidget(self.count_label)

    def refresh(self) -> None:
        if self.host.store_path is None:
            return
        self.backups = maintenance.list_backups(self.host.store_path)
        rows = []
        for path in self.backups:
            made = format_date_time(datetime.fromtimestamp(path.stat().st_mtime))
            rows.append([path.name, describe_backup(path), made, _size(path)])
        self.table.set_rows(rows, keys=[str(p) for p in self.backups])
        self.count_label.setText(
            f"{len(rows)} backup{'s' if len(rows) != 1 else ''} in this folder." if rows
            else "No backups in this folder yet: the first is made when hhdesk closes today.")
        self._selection_changed()

    def _selection_changed(self) -> None:
        self.restore_button.setEnabled(self.table.selected_key() is not None)

    def backup_now(self) -> None:
        def saved(path: Path) -> None:
            if self.host.store_path is None:
                self.count_label.setText(f"Backup saved as {path}.")
            self.refresh()

        ask_and_backup(self, self.app, saved)

    def open_folder(self) -> None:
        folder = backups_dir(self.host.store_path)
        private_folder(folder)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def restore_selected(self) -> None:
        key = self.table.selected_key()
        if key is not None:
            self.restore(Path(str(key)))

    def restore_from_file(self) -> None:
        chosen = common.ask_open_path(self, "Restore from a backup", backups_dir(self.host.store_path),
                                      BACKUP_FILTER)
        if chosen is not None:
            self.restore(chosen)

    def restore(self, backup: Path) -> None:
        """Verify the backup in a copy, swap it in, keep the old store aside, then log in again."""
        if not common.confirm(
            self, "Restore a backup",
            f"Replace the current store with the backup {backup.name}?\n\n"
            "Everything entered since that backup was made will be gone from the store (the current store "
            "is kept aside in the backups folder). Everyone must log in again afterwards; ask the others "
            "to close hhdesk first.", "Restore"):
            return
        password = common.ask_password(
            self, "Restore a backup",
            f"Type your password ({self.app.actor.username}) as it was when the backup was made:")
        if password is None:
            return

        def restored(aside: Path) -> None:
            self.host.end_session(f"The store is restored from {backup.name}. The store it replaced is kept "
                                  f"as {aside.name} in the backups folder. Log in again.", log_out=False)

        def failed(exc: BaseException) -> None:
            show_error(self, exc, "Restore a backup")
            if not self._session_still_works():
                self.host.end_session("The restore did not finish. Log in again to check the store.",
                                      log_out=False)

        workers.run_in_background(self, "Restoring the backup",
                                  lambda _progress: maintenance.restore_over_current(self.app, backup, password),
                                  restored, failed, cancellable=False)

    def _session_still_works(self) -> bool:
        if not self.host.store_path.exists():
            return False
        try:
            settings.get_settings(self.app)
        except Exception:  # any failure means the session cannot go on
            return False
        return True
