"""The chart's Care team tab: directory entries linked to the member, with a role and sharing consent."""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QCheckBox, QDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from hhdesk.domain.permissions import Permission
from hhdesk.services import directory
from hhdesk.services.directory import CareTeamLink
from hhdesk.ui.dialogs import common
from hhdesk.ui.dialogs.directory_dialogs import AddToCareTeamDialog, CareTeamLinkDialog
from hhdesk.ui.errors import user_errors
from hhdesk.ui.views.member_chart import ChartContext
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.labels import role_label
from hhdesk.ui.widgets.text import format_date

_NO_CONSENT = QBrush(QColor("#9a4a00"))


class CareTeamTab(QWidget):
    def __init__(self, context: ChartContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.app = context.app
        self.links: list[CareTeamLink] = []
        self.dialog: QDialog | None = None
        editable = self.app.actor.can(Permission.EDIT_CLINICAL)

        self.table = ListTable(["Role", "Name", "Organisation", "Specialty", "Phone", "Fax", "Consent to share",
                                "Since"], [200, 160, 180, 115, 110, 110, 140])
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.open_change_dialog())
        self.show_ended = QCheckBox("Show past members of the team")
        self.show_ended.toggled.connect(lambda _on: self.refresh())
        self.add_button = QPushButton("Add from the directory…")
        self.add_button.clicked.connect(self.open_add_dialog)
        self.change_button = QPushButton("Change…")
        self.change_button.clicked.connect(self.open_change_dialog)
        self.pcp_button = QPushButton("Make PCP")
        self.pcp_button.setToolTip("Show this provider as the member's PCP in the chart header")
        self.pcp_button.clicked.connect(self.make_pcp)
        self.end_button = QPushButton("No longer on the team")
        self.end_button.clicked.connect(self.end_selected)
        for button in (self.add_button, self.change_button, self.pcp_button, self.end_button):
            button.setVisible(editable)

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        buttons.addWidget(self.change_button)
        buttons.addWidget(self.pcp_button)
        buttons.addWidget(self.end_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.addWidget(role_label("The people and organisations who work with this member. Share information "
                                    "only with those the member consented to.", "muted"))
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.show_ended)
        self.refresh()

    def refresh(self) -> None:
        with user_errors(self) as attempt:
            self.links = directory.list_care_team(self.app, self.context.member_id,
                                                  include_ended=self.show_ended.isChecked())
        if attempt.failed:
            return
        rows = []
        for link in self.links:
            role = link.role_label + (" — PCP on file" if link.is_pcp and link.role != "pcp" else "")
            since = format_date(link.start_date)
            if link.end_date:
                since += f" to {format_date(link.end_date)}"
            rows.append([role, link.entry_name, link.organisation, link.specialty, link.phone, link.fax,
                         "Yes" if link.consent_to_share else "No — do not share", since])
        self.table.set_rows(rows, keys=[link.id for link in self.links], muted=[not link.active for link in self.links])
        for number, link in enumerate(self.links):
            if not link.consent_to_share and link.active:
                self.table.item(number, 6).setForeground(_NO_CONSENT)
        self._selection_changed()

    def selected(self) -> CareTeamLink | None:
        key = self.table.selected_key()
        return next((link for link in self.links if link.id == key), None)

    def _selection_changed(self) -> None:
        link = self.selected()
        active = link is not None and link.active
        self.change_button.setEnabled(active)
        self.pcp_button.setEnabled(active and not link.is_pcp)  # type: ignore[union-attr]
        self.end_button.setEnabled(active)

    def _changed(self) -> None:
        self.refresh()
        self.context.changed()

    def open_add_dialog(self) -> AddToCareTeamDialog:
        dialog = AddToCareTeamDialog(self.app, self.context.member_id, self.context.member_label, self)
        dialog.accepted.connect(self._changed)
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_change_dialog(self) -> CareTeamLinkDialog | None:
        link = self.selected()
        if link is None or not link.active or not self.app.actor.can(Permission.EDIT_CLINICAL):
            return None
        dialog = CareTeamLinkDialog(self.app, link, self)
        dialog.accepted.connect(self._changed)
        self.dialog = dialog
        dialog.open()
        return dialog

    def make_pcp(self) -> None:
        link = self.selected()
        if link is None:
            return
        with user_errors(self) as attempt:
            directory.make_pcp(self.app, link.id)
        if attempt.failed:
            return
        self._changed()

    def end_selected(self) -> None:
        link = self.selected()
        if link is None:
            return
        if not common.confirm(self, "Care team", f"{link.entry_label} is no longer on the member's care team "
                              "(from today)? The history is kept.", "Remove from the team"):
            return
        with user_errors(self) as attempt:
            directory.end_care_team_link(self.app, link.id)
        if attempt.failed:
            return
        self._changed()

    def clear_for_lock(self) -> None:
        self.links = []
        self.table.set_rows([])
