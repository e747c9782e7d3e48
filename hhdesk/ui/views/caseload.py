"""The caseload: find a member by name, Medicaid ID or date of birth, filter, sort, open.

Searching, filtering, sorting and limiting all happen in SQL (`services.caseload.search`); the model only
holds the rows of the latest answer (at most `CaseloadQuery.limit`) and is reset with each new answer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.enums import MemberStatus, label
from hhdesk.domain.permissions import Permission
from hhdesk.exports.tables import Table, Workbook
from hhdesk.services import caseload
from hhdesk.services.caseload import CaseloadQuery, CaseloadRow
from hhdesk.services.context import AppSession
from hhdesk.services.list_exports import ListFilter, ListKind
from hhdesk.ui import list_export
from hhdesk.ui.sections import SectionHost
from hhdesk.ui.shortcuts import bind_shortcut
from hhdesk.ui.widgets.care_manager_filter import fill_care_manager_filter
from hhdesk.ui.widgets.fitted_columns import fit_columns
from hhdesk.ui.widgets.flow_layout import FlowLayout, captioned
from hhdesk.ui.widgets.labels import role_label
from hhdesk.ui.widgets.text import age_on, display_name, format_date, tier_label

SEARCH_DEBOUNCE_MS = 150
EXPORT_LIMIT = 1_000_000  # an Excel sheet's rows, near enough: the export takes every matching member

_MUTED = QBrush(QColor("#7a8790"))
_AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    title: str
    sort: str | None  # the service's sort key; None: not sortable
    inverted: bool = False  # Age ascending is date of birth descending
    width: int = 110


COLUMNS: list[Column] = [
    Column("Name", "name", width=250),
    Column("Medicaid ID", "medicaid_id", width=115),
    Column("Date of birth", "dob", width=110),
    Column("Age", "dob", inverted=True, width=60),
    Column("Status", "status", width=105),
    Column("Tier", "tier", width=125),
    Column("Care manager", "care_manager", width=170),
    Column("Phone", None, width=130),
]

STATUS_CHOICES: list[tuple[str, MemberStatus | None]] = [
    ("All statuses", None),
    ("Outreach", MemberStatus.OUTREACH),
    ("Enrolled", MemberStatus.ENROLLED),
    ("Disenrolled", MemberStatus.DISENROLLED),
    ("Referred", MemberStatus.REFERRED),
]


class CaseloadModel(QAbstractTableModel):
    """The rows of one caseload query. `set_query` asks the service again; `clear` forgets every row."""

    def __init__(self, app: AppSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.query = CaseloadQuery()
        self.rows: list[CaseloadRow] = []
        self.matching = 0  # members matching the query (may exceed len(rows) when the limit cut it)
        self.in_list = 0  # members matching the filters, whatever is typed in the search field
        self._today = self.app.clock.today()

    def set_query(self, query: CaseloadQuery) -> None:
        self.query = query
        self.reload()

    def reload(self) -> None:
        rows = caseload.search(self.app, self.query)
        matching = caseload.count(self.app, self.query) if len(rows) >= self.query.limit else len(rows)
        in_list = caseload.count(self.app, replace(self.query, text="")) if self.query.text.strip() else matching
        self.beginResetModel()
        self.rows, self.matching, self.in_list = rows, matching, in_list
        self._today = self.app.clock.today()
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self.rows, self.matching, self.in_list = [], 0, 0
        self.endResetModel()

    def row_at(self, index: _AnyIndex) -> CaseloadRow | None:
        return self.rows[index.row()] if index.isValid() and index.row() < len(self.rows) else None

    def row_of_member(self, member_id: int) -> int | None:
        for number, row in enumerate(self.rows):
            if row.member_id == member_id:
                return number
        return None

    # ---- Qt's model interface ---------------------------------------------------------------------
    def rowCount(self, parent: _AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        return None

    def data(self, index: _AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index)
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == 6 and not row.care_manager:
            return _MUTED
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return "Double-click or press Enter to open"
        return None

    def cell_text(self, row: CaseloadRow, column: int) -> str:
        """What the list shows in `column` for `row`."""
        return self._text(row, column)

    def _text(self, row: CaseloadRow, column: int) -> str:
        match column:
            case 0:
                return display_name(row.last_name, row.first_name, row.preferred_name)
            case 1:
                return row.medicaid_id
            case 2:
                return format_date(row.dob)
            case 3:
                return str(age_on(row.dob, self._today))
            case 4:
                return label(row.status)
            case 5:
                return tier_label(row.tier)
            case 6:
                return row.care_manager_name or "Unassigned"
            case 7:
                return row.phone
        return ""


class CaseloadView(QWidget):
    """Search as you type (debounced), status and care manager filters, sortable columns."""

    ROW_LIMIT = CaseloadQuery.limit  # rows asked of the service; more matches ask for a narrower search

    def __init__(self, host: SectionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.app = host.app
        self.model = CaseloadModel(self.app, self)
        self._sort = (0, Qt.SortOrder.AscendingOrder)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search by name, Medicaid ID or date of birth")
        self.search.setToolTip("Type part of a name in any order (\u201cnun jo\u201d finds Núñez, José), "
                               "a Medicaid ID (AB12345C), or a date of birth (MM/DD/YYYY).\n"
                               "Ctrl+F comes back here; Down goes to the list.")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(320)
        self.search.setAccessibleName("Search members")
        self.search.installEventFilter(self)

        self.status = QComboBox()
        self.status.setAccessibleName("Status")
        for text, value in STATUS_CHOICES:
            # Qt hands a StrEnum back as a plain str; keep the value and rebuild the enum when asking.
            self.status.addItem(text, value.value if value else None)
        self.care_manager = QComboBox()
        self.care_manager.setAccessibleName("Care manager")
        self.care_manager.setMinimumWidth(190)
        self.care_manager.setToolTip("Whose caseload to show")
        self._fill_care_managers(initial=True)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several rows at once (Ctrl/Shift) for "Print packets…"; opening a member uses the current row.
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.setAccessibleName("Members")
        header = self.table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(*self._sort)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for number, column in enumerate(COLUMNS):
            header.resizeSection(number, column.width)
            header.setSectionResizeMode(number, QHeaderView.ResizeMode.Interactive)
        # The name takes what is left, so the columns fit the window without a horizontal scroll bar.
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        fit_columns(self.table, stretched_minimum=150)  # the name is what a row is found by
        header.sortIndicatorChanged.connect(self._sort_changed)
        self.table.activated.connect(self._open_index)

        self.count_label: QLabel = role_label("", "muted")

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(self._debounce.start)
        self.status.currentIndexChanged.connect(self.apply_filters)
        self.care_manager.currentIndexChanged.connect(self.apply_filters)

        filters = FlowLayout(spacing=12)  # wraps on a narrow screen instead of widening the window
        filters.addWidget(self.search)
        filters.addWidget(captioned("Status:", self.status))
        filters.addWidget(captioned("Care manager:", self.care_manager))
        self.print_packets_button = QPushButton("Print packets…")
        self.print_packets_button.setToolTip("Care-plan packets for the selected members, or a care manager's "
                                              "whole caseload, into a folder or one PDF")
        self.print_packets_button.clicked.connect(self.print_packets)
        self.print_packets_button.setVisible(self.app.actor.can(Permission.PRINT_DOCUMENTS))
        filters.addWidget(self.print_packets_button)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip(list_export.EXPORT_TOOLTIP + "; every matching member, not only the first "
                                      "screenful")
        self.export_button.clicked.connect(self.export)
        filters.addWidget(self.export_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 10)
        layout.setSpacing(10)
        layout.addWidget(role_label("Caseload", "heading"))
        layout.addLayout(filters)
        self.counts_panel = None
        if self.app.actor.can(Permission.ASSIGN_CASELOAD):
            # Supervisors see each care manager's figures under the list (drag the bar to resize).
            from hhdesk.ui.views.caseload_counts import CareManagerCountsPanel

            self.counts_panel = CareManagerCountsPanel(self.app, chosen=self.show_care_manager,
                                                       status=self.host.show_status)
            splitter = QSplitter(Qt.Orientation.Vertical)
            splitter.setChildrenCollapsible(False)
            splitter.addWidget(self.table)
            splitter.addWidget(self.counts_panel)
            splitter.setStretchFactor(0, 1)
            splitter.setStretchFactor(1, 0)
            layout.addWidget(splitter, 1)
            self.counts_panel.refresh()
        else:
            layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)

        bind_shortcut("caseload.find", self, self._focus_search)
        self.setTabOrder(self.search, self.status)
        self.setTabOrder(self.status, self.care_manager)
        self.setTabOrder(self.care_manager, self.table)
        self.search.returnPressed.connect(self._search_return)

        self.apply_filters()
        self.search.setFocus()

    # ---- section protocol -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Ask again (someone may have changed a member or added a user); keep the selected member."""
        self._fill_care_managers()
        self._reload_keeping_selection()
        if self.counts_panel is not None:
            self.counts_panel.refresh()

    def clear_for_lock(self) -> None:
        self._debounce.stop()
        self.model.clear()
        self._update_count()
        if self.counts_panel is not None:
            self.counts_panel.clear_for_lock()

    # ---- querying ---------------------------------------------------------------------------------
    def current_query(self) -> CaseloadQuery:
        column, order = self._sort
        spec = COLUMNS[column]
        descending = (order == Qt.SortOrder.DescendingOrder) != spec.inverted
        status = self.status.currentData()
        return CaseloadQuery(text=self.search.text().strip(), status=MemberStatus(status) if status else None,
                             care_manager=self.care_manager.currentData(), sort=spec.sort or "name",
                             descending=descending, limit=self.ROW_LIMIT)

    def apply_filters(self) -> None:
        self._debounce.stop()
        self._reload_keeping_selection()

    def _reload_keeping_selection(self) -> None:
        selected = self.selected_row()
        self.model.set_query(self.current_query())
        if selected is not None:
            number = self.model.row_of_member(selected.member_id)
            if number is not None:
                self.table.selectRow(number)
        self._update_count()

    def _update_count(self) -> None:
        shown, matching, in_list = len(self.model.rows), self.model.matching, self.model.in_list
        if in_list == 0 and not self.model.query.text:
            text = "No members in this list." if self.model.query.status or self.model.query.care_manager is not None \
                else "There are no members yet."
        elif shown == 0:
            text = "No members match. Check the spelling, or search by Medicaid ID or date of birth."
        elif shown < matching:
            text = (f"Showing the first {shown:,} of {matching:,} matching members: "
                    "type more of a name to narrow the list.")
        else:
            text = f"Showing {shown:,} of {in_list:,}"
        self.count_label.setText(text)

    def _sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        header = self.table.horizontalHeader()
        if COLUMNS[column].sort is None:
            header.blockSignals(True)
            header.setSortIndicator(*self._sort)
            header.blockSignals(False)
            return
        self._sort = (column, order)
        self._reload_keeping_selection()

    def _fill_care_managers(self, initial: bool = False) -> None:
        """All, mine (for someone who holds a caseload), unassigned, then each care manager by name."""
        fill_care_manager_filter(self.care_manager, self.app, initial=initial, unassigned_text="Unassigned",
                                 separator=True)

    def print_packets(self) -> None:
        from hhdesk.ui.dialogs.print_packets import PrintPacketsDialog

        model = self.table.selectionModel()
        rows = [self.model.row_at(index) for index in (model.selectedRows() if model else [])]
        self.packets_dialog = PrintPacketsDialog(self.app, [r.member_id for r in rows if r is not None],
                                                 self.care_manager.currentData() or None, self)
        self.packets_dialog.open()

    def show_care_manager(self, username: str) -> None:
        """List one care manager's members ("" for the unassigned ones)."""
        position = self.care_manager.findData(username)
        if position >= 0:
            self.care_manager.setCurrentIndex(position)

    # ---- export -----------------------------------------------------------------------------------
    def export_filters(self) -> list[ListFilter]:
        query = self.current_query()
        filters = [ListFilter("Search", query.text, typed=True)] if query.text else []
        if query.status is not None:
            filters.append(ListFilter("Status", self.status.currentText()))
        if query.care_manager is not None:
            filters.append(ListFilter("Care manager", self.care_manager.currentText()))
        return filters

    def export_book(self) -> Workbook:
        """Every member matching the search and filters, in the list's order (not only the rows on screen)."""
        everyone = CaseloadModel(self.app)
        everyone.set_query(replace(self.current_query(), limit=EXPORT_LIMIT))
        # The model's own text for each cell (as shown), without a trip through Qt per cell: 10,000 members
        # take a fifth of a second instead of two.
        rows = [[int(everyone.cell_text(row, 3)) if column == 3 else everyone.cell_text(row, column)
                 for column in range(len(COLUMNS))] for row in everyone.rows]
        return Workbook([Table("Caseload", [column.title for column in COLUMNS], rows)])

    def export(self) -> None:
        list_export.export_list(self, self.app, ListKind.CASELOAD, "Caseload", self.export_book,
                                self.export_filters(), status=self.host.show_status)

    # ---- opening ----------------------------------------------------------------------------------
    def selected_row(self) -> CaseloadRow | None:
        indexes = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.row_at(indexes[0]) if indexes else None

    def _open_index(self, index: QModelIndex) -> None:
        row = self.model.row_at(index)
        if row is not None:
            self.host.open_member(row.member_id, row=row)

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _search_return(self) -> None:
        self.apply_filters()
        if len(self.model.rows) == 1:
            self.host.open_member(self.model.rows[0].member_id, row=self.model.rows[0])
        elif self.model.rows:
            self._focus_table()

    def _focus_table(self) -> None:
        self.table.setFocus()
        if not self.table.selectionModel().hasSelection() and self.model.rows:
            self.table.selectRow(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Down:
                if self._debounce.isActive():
                    self.apply_filters()
                if self.model.rows:
                    self._focus_table()
                return True
        return super().eventFilter(watched, event)
