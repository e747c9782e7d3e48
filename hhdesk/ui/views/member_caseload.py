"""The caseload with the enrolment feature's actions: New member, Assign to… (many at once), Import roster.

It extends the caseload view rather than changing it: the section registry points at this class. For
supervisors the list allows selecting many rows (Ctrl/Shift-click) so that a caseload moves in one step.
The window's File menu gets "Import roster…" for the roles that may import.
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QDialog, QHBoxLayout, QMainWindow, QPushButton, QWidget

from hhdesk.domain.permissions import Permission
from hhdesk.services import members
from hhdesk.ui.dialogs.member_dialogs import AssignDialog, NewMemberDialog
from hhdesk.ui.dialogs.roster_import import RosterImportDialog
from hhdesk.ui.sections import SectionHost
from hhdesk.ui.views.caseload import CaseloadView

IMPORT_ACTION_NAME = "importRosterAction"


class MemberCaseloadView(CaseloadView):
    def __init__(self, host: SectionHost, parent: QWidget | None = None) -> None:
        super().__init__(host, parent)
        self.dialog: QDialog | None = None
        actor = self.app.actor
        self.new_button = QPushButton("New member…")
        self.new_button.setToolTip("Add a member by hand (a roster file adds many at once)")
        self.new_button.clicked.connect(self.open_new_member)
        self.new_button.setVisible(actor.can(Permission.EDIT_DEMOGRAPHICS))
        self.assign_button = QPushButton("Assign to…")
        self.assign_button.setToolTip("Give the selected members to a care manager (Ctrl-click or Shift-click "
                                      "to select several)")
        self.assign_button.clicked.connect(self.open_assign)
        self.assign_button.setVisible(members.may_assign(self.app))
        self.import_button = QPushButton("Import roster…")
        self.import_button.setToolTip("Add or update members from a state or plan roster file (CSV)")
        self.import_button.clicked.connect(self.open_roster_import)
        self.import_button.setVisible(actor.can(Permission.IMPORT_DATA))

        bar = QHBoxLayout()
        bar.setSpacing(8)
        bar.addWidget(self.new_button)
        bar.addStretch(1)
        bar.addWidget(self.import_button)
        bar.addWidget(self.assign_button)
        layout = self.layout()
        layout.insertLayout(2, bar)  # type: ignore[attr-defined]

        if members.may_assign(self.app):
            self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_assign())
        self.model.modelReset.connect(self._update_assign)
        self._update_assign()
        self._install_menu_action()

    def selected_member_ids(self) -> list[int]:
        model = self.table.selectionModel()
        if model is None:
            return []
        rows = sorted(index.row() for index in model.selectedRows())
        return [self.model.rows[row].member_id for row in rows if row < len(self.model.rows)]

    def _update_assign(self) -> None:
        count = len(self.selected_member_ids())
        self.assign_button.setEnabled(count > 0)
        self.assign_button.setText(f"Assign {count} to…" if count > 1 else "Assign to…")

    def _install_menu_action(self) -> None:
        window = self.host if isinstance(self.host, QMainWindow) else None
        if window is None or not self.app.actor.can(Permission.IMPORT_DATA):
            return
        if window.findChild(QAction, IMPORT_ACTION_NAME) is not None:
            return
        file_menu = next((action.menu() for action in window.menuBar().actions() if action.menu()
                          and action.text().replace("&", "") == "File"), None)
        if file_menu is None:
            return
        action = QAction("&Import roster…", window)
        action.setObjectName(IMPORT_ACTION_NAME)
        action.setToolTip("Add or update members from a roster CSV file")
        action.triggered.connect(self.open_roster_import)
        first = file_menu.actions()[0] if file_menu.actions() else None
        file_menu.insertAction(first, action)
        file_menu.insertSeparator(first)

    # ---- actions ------------------------------------------------------------------------------------
    def open_new_member(self) -> NewMemberDialog:
        dialog = NewMemberDialog(self.app, self)
        dialog.created.connect(self._member_created)
        dialog.open_existing.connect(lambda member_id: self.host.open_member(member_id))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _member_created(self, member_id: int) -> None:
        self.refresh()
        self.host.show_status("Member added.")
        self.host.open_member(member_id, "profile")

    def open_assign(self) -> AssignDialog | None:
        ids = self.selected_member_ids()
        if not ids:
            return None
        dialog = AssignDialog(self.app, ids, self)
        dialog.assigned.connect(self._assigned)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _assigned(self, changed: int) -> None:
        self.refresh()
        self.host.show_status(f"{changed} member{'s' if changed != 1 else ''} reassigned.")

    def open_roster_import(self) -> QDialog:
        dialog = RosterImportDialog(self.app, self)
        dialog.imported.connect(lambda _report: self.refresh())
        self.dialog = dialog
        dialog.open()
        return dialog
