"""The member chart's Referrals tab: the member's referrals, a new one, status changes, the letter.

The list is on top (overdue follow-ups in amber); the selected referral's details, history, outcome,
follow-up date and consent are below it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.enums import ReferralMethod
from hhdesk.domain.permissions import Permission
from hhdesk.services import referrals
from hhdesk.services.context import AppSession
from hhdesk.services.referrals import ReferralDetail, ReferralRow
from hhdesk.ui.dialogs.pdf_preview import PdfPreviewDialog
from hhdesk.ui.dialogs.referral_dialogs import NewReferralDialog, StatusChangeDialog
from hhdesk.ui.errors import user_errors
from hhdesk.ui.member_view import RecordFocus
from hhdesk.ui.unsaved import settle_unsaved
from hhdesk.ui.views.referral_widgets import (
    SORT_ROLE,
    TAB_COLUMNS,
    ReferralDetailPane,
    ReferralTableModel,
    print_letter,
)
from hhdesk.ui.widgets.fitted_columns import fit_columns
from hhdesk.ui.widgets.labels import role_label


def configure_table(table: QTableView, model: ReferralTableModel) -> QSortFilterProxyModel:
    proxy = QSortFilterProxyModel(table)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    table.setModel(proxy)
    table.setSortingEnabled(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(False)  # the amber of an overdue row must stand out
    table.setWordWrap(False)
    table.setShowGrid(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(28)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    for number, column in enumerate(model.columns):
        header.resizeSection(number, column.width)
    fit_columns(table)
    return proxy


class MemberReferralsTab(QWidget):
    """One member's referrals. `refresh()` asks the service again, keeping the selection."""

    def __init__(self, app: AppSession, member_id: int, member_label: str = "", parent: QWidget | None = None,
                 today: date | None = None, on_member_changed: Callable[[], None] | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.member_id = member_id
        self.member_label = member_label
        self._today = today
        # The chart re-reads its header and refreshes the other tabs (the care team gains the agency's
        # consent to share when a referral records it).
        self._on_member_changed = on_member_changed or (lambda: None)
        self.dialog: NewReferralDialog | StatusChangeDialog | None = None
        self.preview: PdfPreviewDialog | None = None
        self._reloading = False
        self._settling = False
        self._list_stale = False
        can_edit = app.actor.can(Permission.EDIT_CLINICAL)
        can_print = app.actor.can(Permission.PRINT_DOCUMENTS)

        self.new_button = QPushButton("New referral…")
        self.new_button.clicked.connect(self.new_referral)
        self.new_button.setVisible(can_edit)
        self.status_button = QPushButton("Change status…")
        self.status_button.setToolTip("Record that the agency accepted, completed, declined or did not answer")
        self.status_button.clicked.connect(self.change_status)
        self.status_button.setVisible(can_edit)
        self.print_button = QPushButton("Print letter…")
        self.print_button.clicked.connect(self.print_selected)
        self.print_button.setVisible(can_print)
        self.fax_cover = QCheckBox("with fax cover sheet")
        self.fax_cover.setVisible(can_print)

        self.model = ReferralTableModel(TAB_COLUMNS, self)
        self.table = QTableView()
        self.table.setAccessibleName("Referrals")
        self.proxy = configure_table(self.table, self.model)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.activated.connect(lambda _index: self.change_status())
        self.empty_label = role_label("No referrals yet. Use New referral… to refer the member to an agency.",
                                      "muted")
        self.detail_pane = ReferralDetailPane(app, self._detail_changed)
        self.detail_pane.save_outcome_button.setVisible(can_edit)
        self.detail_pane.follow_up_button.setVisible(can_edit)
        self.detail_pane.consent_button.setEnabled(can_edit)
        self.detail_pane.outcome.setReadOnly(not can_edit)

        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.status_button)
        buttons.addSpacing(16)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.fax_cover)
        buttons.addStretch(1)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.empty_label)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.detail_pane)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(splitter)
        self.refresh()

    @property
    def today(self) -> date:
        return self._today or self.app.clock.today()

    # ---- the list ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the list again. The selection passes through "none" while the model resets; only where it
        ends counts, so an outcome being typed for the referral still selected stays as typed."""
        selected = self.selected_row()
        self._reloading = True
        try:
            self.model.set_rows(referrals.member_referrals(self.app, self.member_id, today=self.today))
            self.empty_label.setVisible(not self.model.rows)
            if not (selected is not None and self.select_referral(selected.referral_id)) and self.model.rows:
                self.table.selectRow(0)
        finally:
            self._reloading = False
        self._selection_changed()

    def clear_for_lock(self) -> None:
        self.model.set_rows([])
        self.detail_pane.show_detail(None)

    def select_referral(self, referral_id: int) -> bool:
        number = self.model.row_number(referral_id)
        if number is None:
            return False
        self.table.selectRow(self.proxy.mapFromSource(self.model.index(number, 0)).row())
        return True

    def focus_record(self, focus: RecordFocus) -> bool:
        """Select the referral the worklist names."""
        return self.select_referral(focus.record_id) or (self.refresh() is None
                                                          and self.select_referral(focus.record_id))

    def selected_row(self) -> ReferralRow | None:
        selection = self.table.selectionModel()
        indexes = selection.selectedRows() if selection else []
        return self.model.row_at(self.proxy.mapToSource(indexes[0])) if indexes else None

    def _selection_changed(self, *_args: object) -> None:
        if self._reloading:
            return
        row = self.selected_row()
        pane = self.detail_pane
        shown_id = pane.detail.row.referral_id if pane.detail is not None else None
        if pane.unsaved_what():
            if row is not None and row.referral_id == shown_id:
                self._show_buttons(row)  # the same referral, read again: what is being typed stays
                return
            if not self._settle_pane("showing another referral"):
                self._select_again(shown_id)
                return
            if self._list_stale:  # Save changed the referral left: read the list, keeping the new choice
                self._list_stale = False
                self.refresh()
                return
        self._show_buttons(row)
        with user_errors(self) as attempt:  # e.g. removed meanwhile
            detail = referrals.get_referral(self.app, row.referral_id, today=self.today) if row else None
        if attempt.failed:
            detail = None
        pane.show_detail(detail)

    def _settle_pane(self, doing: str) -> bool:
        """Save / Discard / Cancel for the outcome or follow-up typed in the detail pane."""
        self._settling = True
        try:
            return settle_unsaved(self, [self.detail_pane], doing)
        finally:
            self._settling = False

    def _select_again(self, referral_id: int | None) -> None:
        """Cancel: the referral whose edits are kept is selected again, without asking twice."""
        self._reloading = True
        try:
            if referral_id is None or not self.select_referral(referral_id):
                self.table.clearSelection()
        finally:
            self._reloading = False
        self._show_buttons(self.selected_row())

    def _show_buttons(self, row: ReferralRow | None) -> None:
        self.status_button.setEnabled(row is not None and not row.closed)
        self.status_button.setToolTip("This referral is closed." if row is not None and row.closed else
                                      "Record that the agency accepted, completed, declined or did not answer")
        self.print_button.setEnabled(row is not None)
        if row is not None:
            self.fax_cover.setChecked(row.sent_how is ReferralMethod.FAX)

    def _detail_changed(self, detail: ReferralDetail) -> None:
        if self._settling:  # saved on the way to another referral: the list is read once the user is there
            self._list_stale = True
            self._on_member_changed()
            return
        self.refresh()
        self.select_referral(detail.row.referral_id)
        self._on_member_changed()

    # ---- actions ----------------------------------------------------------------------------------
    def new_referral(self) -> NewReferralDialog:
        dialog = NewReferralDialog(self.app, self.member_id, self.member_label or "member", self, today=self.today)
        dialog.saved.connect(self._created)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _created(self, detail: ReferralDetail, print_after: bool) -> None:
        self.refresh()
        self.select_referral(detail.row.referral_id)
        self._on_member_changed()
        if print_after:
            self.fax_cover.setChecked(detail.row.sent_how is ReferralMethod.FAX)
            self.print_selected()

    def change_status(self) -> StatusChangeDialog | None:
        row = self.selected_row()
        if row is None or row.closed or not self.app.actor.can(Permission.EDIT_CLINICAL):
            return None
        dialog = StatusChangeDialog(self.app, row, self, today=self.today)
        dialog.saved.connect(self._detail_changed)
        self.dialog = dialog
        dialog.open()
        return dialog

    def print_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        print_letter(self, self.app, row.referral_id, fax_cover=self.fax_cover.isChecked(),
                     on_shown=self._preview_shown)

    def _preview_shown(self, dialog: PdfPreviewDialog) -> None:
        self.preview = dialog
