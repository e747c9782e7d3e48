"""The Referrals section: every referral, filtered by status, category, agency and care manager (in SQL),
with a summary beside the list: how many closed, the median days to close, by category and by agency.

Referrals whose follow-up date has come are highlighted in amber (the worklist lists them too).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.enums import ReferralMethod, ReferralStatus
from hhdesk.domain.permissions import Permission
from hhdesk.domain.referral_rules import ReferralCounts
from hhdesk.exports.tables import Workbook
from hhdesk.services import referrals
from hhdesk.services.list_exports import ListFilter, ListKind
from hhdesk.services.referrals import (
    CATEGORY_LABELS,
    STATUS_LABELS,
    ReferralDetail,
    ReferralFilter,
    ReferralRow,
    ReferralSummaryReport,
    SummaryLine,
)
from hhdesk.ui import list_export
from hhdesk.ui.dialogs.pdf_preview import PdfPreviewDialog
from hhdesk.ui.dialogs.referral_dialogs import StatusChangeDialog
from hhdesk.ui.sections import SectionHost
from hhdesk.ui.views.referral_widgets import SECTION_COLUMNS, ReferralTableModel, print_letter
from hhdesk.ui.views.referrals_tab import configure_table
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.care_manager_filter import fill_care_manager_filter
from hhdesk.ui.widgets.flow_layout import FlowLayout, captioned
from hhdesk.ui.widgets.labels import role_label

STATUS_FILTERS: list[tuple[str, dict]] = [
    ("All statuses", {}),
    ("Open (sent or accepted)", {"open_only": True}),
    ("Follow-up due", {"waiting_only": True}),
    *[(STATUS_LABELS[status], {"status": status}) for status in ReferralStatus],
]
SUMMARY_HEADERS = ["", "Total", "Closed", "Completed", "Median days"]


def median_text(counts: ReferralCounts) -> str:
    value = counts.median_days_to_close
    return "—" if value is None else f"{value:g}"


class SummaryPanel(QFrame):
    """The numbers for the referrals in view, whatever their status: overall, by category, by agency."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.total = role_label("", "subheading", wrap=False)
        self.closed = role_label("", "subheading", wrap=False)
        self.median = role_label("", "subheading", wrap=False)
        self.due = role_label("", "subheading", wrap=False)
        self.by_category = self._table("Category")
        self.by_agency = self._table("Agency")

        numbers = QGridLayout()
        numbers.setVerticalSpacing(0)
        numbers.setHorizontalSpacing(28)
        numbers.addWidget(role_label("Summary", "subheading", wrap=False), 0, 0, 2, 1)
        for column, (caption, value) in enumerate((("Referrals", self.total), ("Closed", self.closed),
                                                   ("Median days to close", self.median),
                                                   ("Follow-up due", self.due)), start=1):
            numbers.addWidget(role_label(caption, "muted", wrap=False), 0, column)
            numbers.addWidget(value, 1, column)
        numbers.setColumnStretch(5, 1)
        explanation = role_label("Counts the referrals matching the category, agency and care manager chosen, "
                                 "whatever their status. Closed: completed, declined or no response; days to "
                                 "close run from the date sent.", "muted")
        tables = QHBoxLayout()
        tables.setSpacing(12)
        tables.addWidget(self.by_category, 4)
        tables.addWidget(self.by_agency, 5)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addLayout(numbers)
        layout.addLayout(tables, 1)
        layout.addWidget(explanation)

    @staticmethod
    def _table(first: str) -> ListTable:
        table = ListTable([first, *SUMMARY_HEADERS[1:]])
        table.setSelectionMode(ListTable.SelectionMode.NoSelection)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate((58, 68, 98, 108), start=1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, width)
        return table

    def show_report(self, report: ReferralSummaryReport | None) -> None:
        if report is None:
            for label in (self.total, self.closed, self.median, self.due):
                label.setText("")
            self.by_category.set_rows([])
            self.by_agency.set_rows([])
            return
        overall = report.overall
        self.total.setText(f"{overall.total:,}")
        self.closed.setText(f"{overall.closed:,} ({overall.completed:,} completed)")
        self.median.setText(median_text(overall))
        self.due.setText(f"{report.waiting:,}")
        self.due.setStyleSheet("color: #7a3e00;" if report.waiting else "")
        self.by_category.set_rows(self._rows(report.by_category))
        self.by_agency.set_rows(self._rows(report.by_agency))

    @staticmethod
    def _rows(lines: tuple[SummaryLine, ...]) -> list[list[str]]:
        return [[line.label, str(line.counts.total), str(line.counts.closed), str(line.counts.completed),
                 median_text(line.counts)] for line in lines]


class ReferralsView(QWidget):
    """All referrals; double-click opens the member's chart on the Referrals tab."""

    def __init__(self, host: SectionHost, parent: QWidget | None = None, today: date | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.app = host.app
        self._today = today
        self.dialog: StatusChangeDialog | None = None
        self.preview: PdfPreviewDialog | None = None

        self.status = QComboBox()
        self.status.setAccessibleName("Status")
        for text, values in STATUS_FILTERS:
            self.status.addItem(text, values)
        self.category = QComboBox()
        self.category.setAccessibleName("Category")
        self.category.addItem("All categories", None)
        for category, text in CATEGORY_LABELS.items():
            self.category.addItem(text, category)
        self.agency = QComboBox()
        self.agency.setAccessibleName("Agency")
        self.agency.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.agency.setMinimumContentsLength(26)
        self.care_manager = QComboBox()
        self.care_manager.setAccessibleName("Care manager")
        self.care_manager.setMinimumWidth(170)
        self._fill_agencies()
        self._fill_care_managers(initial=True)

        self.model = ReferralTableModel(SECTION_COLUMNS, self)
        self.table = QTableView()
        self.table.setAccessibleName("Referrals")
        self.proxy = configure_table(self.table, self.model)
        self.table.sortByColumn([c.key for c in SECTION_COLUMNS].index("sent"), Qt.SortOrder.DescendingOrder)
        self.table.activated.connect(lambda _index: self.open_member())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.count_label = role_label("", "muted")
        self.summary = SummaryPanel()

        self.open_button = QPushButton("Open member")
        self.open_button.clicked.connect(self.open_member)
        self.status_button = QPushButton("Change status…")
        self.status_button.clicked.connect(self.change_status)
        self.status_button.setVisible(self.app.actor.can(Permission.EDIT_CLINICAL))
        self.print_button = QPushButton("Print letter…")
        self.print_button.clicked.connect(self.print_selected)
        self.fax_cover = QCheckBox("with fax cover sheet")
        can_print = self.app.actor.can(Permission.PRINT_DOCUMENTS)
        self.print_button.setVisible(can_print)
        self.fax_cover.setVisible(can_print)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip(list_export.EXPORT_TOOLTIP + "; a workbook also gets the summary")
        self.export_button.clicked.connect(self.export)

        filters = FlowLayout(spacing=14)  # the filters wrap on a narrow screen instead of widening the window
        for caption, combo in (("Status:", self.status), ("Category:", self.category), ("Agency:", self.agency),
                               ("Care manager:", self.care_manager)):
            filters.addWidget(captioned(caption, combo))
        actions = QHBoxLayout()
        actions.addWidget(self.open_button)
        actions.addWidget(self.status_button)
        actions.addSpacing(16)
        actions.addWidget(self.print_button)
        actions.addWidget(self.fax_cover)
        actions.addStretch(1)
        actions.addWidget(self.export_button)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.count_label)  # a line of its own: beside the buttons it widened the screen
        left_layout.addLayout(actions)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(left)
        splitter.addWidget(self.summary)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([430, 270])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 10)
        layout.setSpacing(10)
        layout.addWidget(role_label("Referrals", "heading"))
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)

        for combo in (self.status, self.category, self.agency, self.care_manager):
            combo.currentIndexChanged.connect(self.apply_filters)
        self.apply_filters()

    @property
    def today(self) -> date:
        return self._today or self.app.clock.today()

    # ---- section protocol -------------------------------------------------------------------------
    def refresh(self) -> None:
        self._fill_agencies()
        self._fill_care_managers()
        self.apply_filters()

    def clear_for_lock(self) -> None:
        self.model.set_rows([])
        self.summary.show_report(None)
        self.count_label.setText("")

    # ---- filtering --------------------------------------------------------------------------------
    def current_filter(self) -> ReferralFilter:
        return ReferralFilter(category=self.category.currentData(), agency_id=self.agency.currentData(),
                              care_manager=self.care_manager.currentData(), **(self.status.currentData() or {}))

    def apply_filters(self) -> None:
        selected = self.selected_row()
        filters = self.current_filter()
        self.model.set_rows(referrals.list_referrals(self.app, filters, today=self.today))
        self.summary.show_report(referrals.summarise(self.app, filters, today=self.today))
        if selected is not None:
            number = self.model.row_number(selected.referral_id)
            if number is not None:
                self.table.selectRow(self.proxy.mapFromSource(self.model.index(number, 0)).row())
        self._selection_changed()
        # One care manager's members: their name in every row would only push the other columns away.
        manager_column = [c.key for c in SECTION_COLUMNS].index("care_manager")
        self.table.setColumnHidden(manager_column, bool(filters.care_manager))
        due = sum(row.waiting for row in self.model.rows)
        shown = len(self.model.rows)
        if shown == 0:
            text = "No referrals match these filters." if filters != ReferralFilter() else \
                "No referrals yet: make one from a member's chart (Referrals tab)."
        else:
            text = f"{shown:,} referral{'s' if shown != 1 else ''}"
            if due:
                text += f"; {due:,} with the follow-up due (amber)"
        self.count_label.setText(text)

    def set_filter(self, combo: QComboBox, value: object) -> None:
        """Choose the item whose data is `value` (tests and the worklist's links use it)."""
        for number in range(combo.count()):
            if combo.itemData(number) == value:
                combo.setCurrentIndex(number)
                return
        raise ValueError("no such choice")

    def _fill_agencies(self) -> None:
        previous = self.agency.currentData()
        self.agency.blockSignals(True)
        self.agency.clear()
        self.agency.addItem("All agencies", None)
        for choice in referrals.referred_agencies(self.app):
            self.agency.addItem(choice.display, choice.entry_id)
        self.agency.setCurrentIndex(max(self.agency.findData(previous), 0) if previous is not None else 0)
        self.agency.blockSignals(False)

    def _fill_care_managers(self, initial: bool = False) -> None:
        fill_care_manager_filter(self.care_manager, self.app, initial=initial, unassigned_text="Unassigned members")

    # ---- actions ----------------------------------------------------------------------------------
    def selected_row(self) -> ReferralRow | None:
        selection = self.table.selectionModel()
        indexes = selection.selectedRows() if selection else []
        return self.model.row_at(self.proxy.mapToSource(indexes[0])) if indexes else None

    def _selection_changed(self, *_args: object) -> None:
        row = self.selected_row()
        self.open_button.setEnabled(row is not None)
        self.status_button.setEnabled(row is not None and not row.closed)
        self.print_button.setEnabled(row is not None)
        if row is not None:
            self.fax_cover.setChecked(row.sent_how is ReferralMethod.FAX)

    def open_member(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.host.open_member(row.member_id, "referrals")

    def change_status(self) -> StatusChangeDialog | None:
        row = self.selected_row()
        if row is None or row.closed:
            return None
        dialog = StatusChangeDialog(self.app, row, self, today=self.today)
        dialog.saved.connect(self._status_saved)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _status_saved(self, detail: ReferralDetail) -> None:
        self.apply_filters()
        self.host.show_status(f"Referral {detail.row.reference}: {detail.row.status_label.lower()}.")

    def print_selected(self) -> None:
        row = self.selected_row()
        if row is not None:
            print_letter(self, self.app, row.referral_id, fax_cover=self.fax_cover.isChecked(),
                         on_shown=self._preview_shown)

    def export(self) -> None:
        filters = [ListFilter(caption, combo.currentText())
                   for caption, combo in (("Status", self.status), ("Category", self.category),
                                          ("Agency", self.agency), ("Care manager", self.care_manager))
                   if combo.currentIndex() > 0]

        def book() -> Workbook:
            return Workbook([list_export.table_from_view(self.table, "Referrals"),
                             list_export.table_from_view(self.summary.by_category, "By category"),
                             list_export.table_from_view(self.summary.by_agency, "By agency")])

        list_export.export_list(self, self.app, ListKind.REFERRALS, "Referrals", book, filters,
                                status=self.host.show_status)

    def _preview_shown(self, dialog: PdfPreviewDialog) -> None:
        self.preview = dialog
