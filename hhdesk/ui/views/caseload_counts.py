"""Under the caseload, for supervisors and administrators: each care manager's caseload in figures.

Members by status and by tier, contacts this month, and the active members with no qualifying contact yet
this month (the ones that will not bill unless someone reaches them). Double-click a care manager to list
their members above; Export… saves the figures as shown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QPushButton, QTableWidgetItem, QVBoxLayout, QWidget

from hhdesk.domain.enums import MemberStatus, Tier
from hhdesk.exports.tables import Workbook
from hhdesk.services import caseload_counts
from hhdesk.services.caseload_counts import CareManagerCounts, CaseloadCounts
from hhdesk.services.context import AppSession
from hhdesk.services.list_exports import ListFilter, ListKind
from hhdesk.ui import list_export
from hhdesk.ui.errors import report
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.labels import MessageLabel, role_label
from hhdesk.ui.widgets.text import tier_label

STATUSES = (MemberStatus.ENROLLED, MemberStatus.OUTREACH, MemberStatus.DISENROLLED, MemberStatus.REFERRED)
UNREACHED_TIP = ("Members in outreach or enrolled with no qualifying contact yet this month: dated in a segment, "
                 "carrying a core service, in a mode that counts. Without one the month does not bill.")
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


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
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip(list_export.EXPORT_TOOLTIP)
        self.export_button.clicked.connect(self.export)
        self.message = MessageLabel()
        bar = QHBoxLayout()
        bar.addWidget(self.heading)
        bar.addStretch(1)
        bar.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)

    @property
    def today(self) -> date:
        return self._today or date.today()

    def headers(self) -> list[str]:
        assert self.counts is not None
        tiers = [tier_header(t) for t in self.counts.tiers]
        return ["Care manager", "Members", *[s.value.capitalize() for s in STATUSES], *tiers,
                "Contacts this month", "No qualifying contact yet"]

    def _cells(self, row: CareManagerCounts) -> list[str]:
        assert self.counts is not None
        name = row.full_name if row.username or row.full_name == "All care managers" else "Unassigned"
        return [name, str(row.members), *[str(row.status_count(s)) for s in STATUSES],
                *[str(row.tier_count(t)) for t in self.counts.tiers], str(row.contacts_this_month),
                str(row.no_qualifying_contact)]

    def refresh(self) -> None:
        try:
            self.counts = caseload_counts.care_manager_counts(self.app, self.today)
        except Exception as exc:  # noqa: BLE001 - said in the panel
            self.message.show_error(report(exc, "caseload counts"))
            return
        self.message.clear_message()
        counts = self.counts
        self.heading.setText(f"By care manager: {counts.today:%B %Y} to {counts.today:%m/%d}")
        headers = self.headers()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        rows = [*counts.rows, counts.total]
        self.table.set_rows([self._cells(r) for r in rows], keys=[r.username for r in counts.rows] + [None])
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(headers)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
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
        last = self.table.item(len(rows) - 1, 0)
        if last is not None:
            font = last.font()
            font.setBold(True)
            for column in range(len(headers)):
                cell: QTableWidgetItem | None = self.table.item(len(rows) - 1, column)
                if cell is not None:
                    cell.setFont(font)

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
