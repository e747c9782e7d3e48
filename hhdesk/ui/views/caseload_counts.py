"""Under the caseload, for supervisors and administrators: each care manager's caseload in figures.

Members by status and by tier, contacts this month, and the active members with no qualifying contact yet
this month (the ones that will not bill unless someone reaches them). Double-click a care manager to list
their members above; Export… saves the figures as shown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QHBoxLayout,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.enums import MemberStatus, Tier
from hhdesk.exports.tables import Workbook
from hhdesk.services import caseload_counts
from hhdesk.services.caseload_counts import CareManagerCounts, CaseloadCounts
from hhdesk.services.context import AppSession
from hhdesk.services.list_exports import ListFilter, ListKind
from hhdesk.ui import list_export
from hhdesk.ui.errors import user_errors
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.fitted_columns import fit_columns
from hhdesk.ui.widgets.labels import MessageLabel, role_label
from hhdesk.ui.widgets.text import tier_label

STATUSES = (MemberStatus.ENROLLED, MemberStatus.OUTREACH, MemberStatus.DISENROLLED, MemberStatus.REFERRED)
UNREACHED_TIP = ("Members in outreach or enrolled with no qualifying contact yet this month: dated in a segment, "
                 "carrying a core service, in a mode that counts. Without one the month does not bill.")
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
MAX_ROWS_SHOWN = 6  # care managers shown without scrolling; an agency of 50 staff scrolls the rest


class CareManagerCountsPanel(QWidget):
    """The figures per care manager; `refresh()` asks again. `chosen(username)` when a row is double-clicked
    ("" for the unassigned members)."""

    def __init__(self, app: AppSession, chosen: Callable[[str], None] | None = None,
                 status: Callable[[str], None] | None = None, today: date | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self._today = today
        self._chosen = chosen
        self._status = status
        self.counts: CaseloadCounts | None = None
        self.heading = role_label("By care manager", "subheading", wrap=False)
        self.table = ListTable([])
        self.table.setAccessibleName("Counts by care manager")
        self.table.setToolTip("Double-click a care manager to list their members above")
        self.table.itemActivated.connect(self._activated)
        # As wide and as tall as its figures: a few rows, and no stretched gap before the last column.
        self.table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip(list_export.EXPORT_TOOLTIP)
        self.export_button.clicked.connect(self.export)
        self.message = MessageLabel()
        self.note = role_label("Tiers, contacts and the last column count the members in outreach or enrolled "
                               "today.", "muted")
        bar = QHBoxLayout()
        bar.addWidget(self.heading)
        bar.addSpacing(12)
        bar.addWidget(self.note)
        bar.addStretch(1)
        bar.addWidget(self.export_button)
        figures = QHBoxLayout()
        figures.addWidget(self.table)
        figures.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addLayout(figures, 1)

    @property
    def today(self) -> date:
        return self._today or self.app.clock.today()

    def headers(self) -> list[str]:
        assert self.counts is not None
        tiers = [tier_header(t) for t in self.counts.tiers]
        # Two lines for the long titles, so that every column fits a laptop screen.
        return ["Care manager", "Members", *[s.value.capitalize() for s in STATUSES], *tiers,
                "Contacts\nthis month", "No qualifying\ncontact yet"]

    def _cells(self, row: CareManagerCounts) -> list[str]:
        assert self.counts is not None
        name = row.full_name if row.username or row.full_name == "All care managers" else "Unassigned"
        return [name, str(row.members), *[str(row.status_count(s)) for s in STATUSES],
                *[str(row.tier_count(t)) for t in self.counts.tiers], str(row.contacts_this_month),
                str(row.no_qualifying_contact)]

    def refresh(self) -> None:
        with user_errors(self.message.show_error, "caseload counts") as attempt:  # said in the panel
            self.counts = caseload_counts.care_manager_counts(self.app, self.today)
        if attempt.failed:
            return
        self.message.clear_message()
        counts = self.counts
        self.heading.setText(f"By care manager, {counts.today:%B} 1 to {counts.today.day}, {counts.today.year}")
        headers = self.headers()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        rows = [*counts.rows, counts.total]
        self.table.set_rows([self._cells(r) for r in rows], keys=[r.username for r in counts.rows] + [None])
        for column in range(len(headers)):
            item = self.table.horizontalHeaderItem(column)
            if item is not None and column == len(headers) - 1:
                item.setToolTip(UNREACHED_TIP)
        for number in range(len(rows)):
            for column in range(1, len(headers)):
                cell = self.table.item(number, column)
                if cell is not None:
                    cell.setTextAlignment(_RIGHT)
            unreached = self.table.item(number, len(headers) - 1)
            if unreached is not None and rows[number].no_qualifying_contact:
                unreached.setForeground(Qt.GlobalColor.darkRed)
        self._fit_height(len(rows))
        last = self.table.item(len(rows) - 1, 0)
        if last is not None:
            font = last.font()
            font.setBold(True)
            for column in range(len(headers)):
                cell: QTableWidgetItem | None = self.table.item(len(rows) - 1, column)
                if cell is not None:
                    cell.setFont(font)
        # The widths the figures would like; on a narrow screen the columns shrink to fit
        # (hhdesk.ui.widgets.fitted_columns) instead of scrolling the figures sideways.
        self.table.resizeColumnsToContents()
        fit_columns(self.table, minimum=40)  # figures of three digits, under titles of two short lines

    def _fit_height(self, rows: int) -> None:
        """Tall enough for every row (up to MAX_ROWS_SHOWN; more scroll), never taller than that."""
        header = self.table.horizontalHeader()
        header_height = max(header.sizeHint().height(), header.height())
        row_height = self.table.verticalHeader().defaultSectionSize()
        frame = 2 * self.table.frameWidth()
        scroll = self.table.horizontalScrollBar().sizeHint().height()
        full = header_height + rows * row_height + frame + scroll
        self.table.setMaximumHeight(full)
        self.table.setMinimumHeight(header_height + min(rows, MAX_ROWS_SHOWN) * row_height + frame + scroll)

    def clear_for_lock(self) -> None:
        self.counts = None
        self.table.set_rows([])

    def _activated(self, item: QTableWidgetItem) -> None:
        key = self.table.item(item.row(), 0).data(Qt.ItemDataRole.UserRole)
        if key is not None and self._chosen is not None:
            self._chosen(key)

    def export(self) -> None:
        if self.counts is None:
            return
        title = f"Caseloads {self.counts.today:%Y-%m}"
        list_export.export_list(
            self, self.app, ListKind.CARE_MANAGER_COUNTS, title,
            lambda: Workbook([list_export.table_from_view(self.table, title)]),
            [ListFilter("Month", f"{self.counts.month_start:%m/%d/%Y} to {self.counts.today:%m/%d/%Y}")],
            status=self._status)


def tier_header(tier: Tier | None) -> str:
    return tier_label(tier.value) if tier else "No tier"
