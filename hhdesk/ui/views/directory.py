"""The Directory section: providers and community agencies, searched by name or service, kept up to date."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.permissions import Permission
from hhdesk.errors import ChangedByOther
from hhdesk.exports.tables import Workbook
from hhdesk.services import directory
from hhdesk.services.directory import DIRECTORY_CATEGORIES, DirectoryEntryInfo
from hhdesk.services.list_exports import ListFilter, ListKind
from hhdesk.ui import list_export
from hhdesk.ui.dialogs import common
from hhdesk.ui.dialogs.directory_dialogs import DirectoryEntryDialog
from hhdesk.ui.errors import user_errors
from hhdesk.ui.sections import SectionHost
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.flow_layout import FlowLayout, captioned
from hhdesk.ui.widgets.labels import role_label


class DirectoryView(QWidget):
    def __init__(self, host: SectionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.app = host.app
        self.entries: list[DirectoryEntryInfo] = []
        self.dialog: QDialog | None = None
        editable = self.app.actor.can(Permission.MANAGE_DIRECTORY)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search by name, organisation, specialty, city or NPI")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(320)
        self.category = QComboBox()
        self.category.addItem("All services", None)
        for key, text in DIRECTORY_CATEGORIES.items():
            self.category.addItem(text, key)
        self.show_retired = QCheckBox("Show retired entries")
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(self._debounce.start)
        self.category.currentIndexChanged.connect(lambda _i: self.refresh())
        self.show_retired.toggled.connect(lambda _on: self.refresh())

        self.table = ListTable(["Name", "Organisation", "Specialty", "Services", "NPI", "Phone", "Fax", "City"],
                               [200, 170, 120, 150, 95, 112, 112, 90])
        # The name takes what is left, so the list fits the window without a sideways scroll bar.
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.open_edit_dialog())
        self.new_button = QPushButton("New entry…")
        self.new_button.clicked.connect(self.open_new_dialog)
        self.edit_button = QPushButton("Change…")
        self.edit_button.clicked.connect(self.open_edit_dialog)
        self.retire_button = QPushButton("Retire")
        self.retire_button.setToolTip("Hide it from searches; care teams and referrals that name it keep it")
        self.retire_button.clicked.connect(self.toggle_retired)
        for button in (self.new_button, self.edit_button, self.retire_button):
            button.setVisible(editable)
        self.count = role_label("", "muted")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip(list_export.EXPORT_TOOLTIP)
        self.export_button.clicked.connect(self.export)

        filters = FlowLayout(spacing=12)  # wraps on a narrow screen instead of widening the window
        filters.addWidget(self.search)
        filters.addWidget(captioned("Service:", self.category))
        filters.addWidget(self.show_retired)
        filters.addWidget(self.new_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.count, 1)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.retire_button)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 10)
        layout.setSpacing(10)
        layout.addWidget(role_label("Directory", "heading"))
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self, select: int | None = None) -> None:
        self._debounce.stop()
        keep = select if select is not None else self.table.selected_key()
        with user_errors(self) as attempt:
            self.entries = directory.search_entries(self.app, self.search.text(), self.category.currentData(),
                                                    include_inactive=self.show_retired.isChecked())
        if attempt.failed:
            return
        self.table.set_rows(
            [[e.entry.name + ("" if e.active else " (retired)"),
              e.entry.organisation if e.entry.organisation != e.entry.name else "", e.entry.specialty,
              e.categories_label, e.entry.npi, e.entry.phone, e.entry.fax, e.entry.city] for e in self.entries],
            keys=[e.id for e in self.entries], muted=[not e.active for e in self.entries])
        if keep is not None:
            self.table.select_key(keep)
        self.count.setText(f"{len(self.entries)} entr{'y' if len(self.entries) == 1 else 'ies'}"
                           if self.entries else "No entries match. Add one with New entry…")
        self._selection_changed()

    def selected(self) -> DirectoryEntryInfo | None:
        key = self.table.selected_key()
        return next((e for e in self.entries if e.id == key), None)

    def _selection_changed(self) -> None:
        entry = self.selected()
        self.edit_button.setEnabled(entry is not None)
        self.retire_button.setEnabled(entry is not None)
        self.retire_button.setText("Bring back" if entry is not None and not entry.active else "Retire")

    def open_new_dialog(self) -> DirectoryEntryDialog:
        dialog = DirectoryEntryDialog(self.app, None, self)
        dialog.saved.connect(lambda info: self.refresh(select=info.id))
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_edit_dialog(self) -> DirectoryEntryDialog | None:
        entry = self.selected()
        if entry is None or not self.app.actor.can(Permission.MANAGE_DIRECTORY):
            return None
        dialog = DirectoryEntryDialog(self.app, entry, self)
        dialog.saved.connect(lambda info: self.refresh(select=info.id))
        self.dialog = dialog
        dialog.open()
        return dialog

    def toggle_retired(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        if entry.active and not common.confirm(
                self, "Retire entry", f"Retire {entry.label}? It disappears from searches; care teams and "
                "referrals that name it keep it.", "Retire"):
            return
        with user_errors(self) as attempt:
            directory.set_entry_active(self.app, entry.id, not entry.active, seen_version=entry.version)
        if attempt.failed:
            if isinstance(attempt.error, ChangedByOther):
                self.refresh()  # their change on screen, after the sentence that names them
            return
        self.refresh()

    def export(self) -> None:
        filters = [ListFilter("Search", self.search.text().strip(), typed=True)] if self.search.text().strip() else []
        if self.category.currentData() is not None:
            filters.append(ListFilter("Service", self.category.currentText()))
        if self.show_retired.isChecked():
            filters.append(ListFilter("Retired entries", "shown"))
        list_export.export_list(self, self.app, ListKind.DIRECTORY, "Directory",
                                lambda: Workbook([list_export.table_from_view(self.table, "Directory")]), filters,
                                status=self.host.show_status)

    def clear_for_lock(self) -> None:
        self.entries = []
        self.table.set_rows([])
