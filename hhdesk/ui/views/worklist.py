"""The Worklist section: what is due and overdue, most urgent first; Enter or a double-click opens the member
at the right tab of the chart.

Care managers see their own members. Supervisors and administrators choose whose list to see (anyone's,
or everyone's); the choice is remembered for the session.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from hhdesk.services import users, worklist
from hhdesk.services.transitions import local_now
from hhdesk.services.worklist import WorkItem
from hhdesk.ui.errors import report
from hhdesk.ui.sections import SectionHost
from hhdesk.ui.shortcuts import bind_button
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.labels import MessageLabel, role_label

COLUMNS = ("When", "What", "Task", "Member", "Medicaid ID", "Care manager", "Detail")
WIDTHS = (130, 150, 300, 180, 110, 120)
CARE_MANAGER_COLUMN = 5
OVERDUE = QBrush(QColor("#9b1c13"))
OVERDUE_GROUND = QBrush(QColor("#fbe3e1"))


class WorklistView(QWidget):
    """The section widget. `refresh()` asks the service again (each time the section is shown)."""

    def __init__(self, host: SectionHost, now: datetime | None = None) -> None:
        super().__init__()
        self.host = host
        self.app = host.app
        self._now = now
        self.items: list[WorkItem] = []
        self.last_now: datetime | None = None

        self.whose = QComboBox()
        self.whose.setAccessibleName("Whose worklist")
        self.whose.addItem("My members", None)
        if worklist.may_see_others(self.app):
            for user in users.care_managers(self.app):
                if user.username != self.app.actor.username:
                    self.whose.addItem(f"{user.full_name or user.username} ({user.username})", user.username)
            self.whose.addItem("Everyone", worklist.ALL)
        self.whose.setVisible(self.whose.count() > 1)
        self.whose.currentIndexChanged.connect(lambda _i: self.refresh())
        refresh = QPushButton("Refresh")
        refresh.setToolTip("F5")
        bind_button("worklist.refresh", refresh)
        refresh.clicked.connect(self.refresh)
        self.open_button = QPushButton("Open member")
        self.open_button.setToolTip("Open the member's chart at the right tab (Enter or double-click)")
        self.open_button.clicked.connect(self.open_selected)
        self.count_label = role_label("", "muted", wrap=False)

        self.table = ListTable(COLUMNS, WIDTHS)
        self.table.setAccessibleName("Worklist")
        self.table.itemActivated.connect(lambda _item: self.open_selected())
        self.table.itemSelectionChanged.connect(
            lambda: self.open_button.setEnabled(self.table.selected_key() is not None))
        self.empty_label = role_label("Nothing is due. Well done.", "muted")
        self.message = MessageLabel()

        bar = QHBoxLayout()
        bar.addWidget(role_label("Worklist", "heading", wrap=False))
        bar.addSpacing(16)
        whose_label = QLabel("&Whose")
        whose_label.setBuddy(self.whose)
        whose_label.setVisible(self.whose.isVisible())
        bar.addWidget(whose_label)
        bar.addWidget(self.whose)
        bar.addStretch(1)
        bar.addWidget(self.count_label)
        bar.addWidget(self.open_button)
        bar.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(bar)
        layout.addWidget(role_label("Overdue first, the latest first; then what falls due soonest. Checklist "
                                    "items show from a day before they are due.", "muted"))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.message)
        self.refresh()

    def refresh(self) -> None:
        now = self._now or local_now()
        self.last_now = now
        try:
            self.items = worklist.worklist(self.app, self.whose.currentData(), now=now)
        except Exception as exc:  # noqa: BLE001
            self.message.show_error(report(exc, "loading the worklist"))
            return
        self.message.clear_message()
        show_manager = self.whose.currentData() == worklist.ALL
        self.table.setColumnHidden(CARE_MANAGER_COLUMN, not show_manager)
        self.table.set_rows(
            [[item.when_text(now), item.kind_label, item.title, item.member_name, item.medicaid_id,
              item.care_manager or "unassigned", item.detail] for item in self.items],
            list(range(len(self.items))),
        )
        for number, item in enumerate(self.items):
            self.table.item(number, 2).setToolTip(item.title)
            self.table.item(number, 6).setToolTip(item.detail)
            if item.overdue:
                for column in range(len(COLUMNS)):
                    cell = self.table.item(number, column)
                    cell.setBackground(OVERDUE_GROUND)
                    if column == 0:
                        cell.setForeground(OVERDUE)
        overdue = sum(1 for item in self.items if item.overdue)
        self.count_label.setText(f"{len(self.items)} to do, {overdue} overdue" if self.items else "")
        self.empty_label.setVisible(not self.items)
        self.open_button.setEnabled(False)
        if self.items:
            self.table.selectRow(0)

    def selected_item(self) -> WorkItem | None:
        key = self.table.selected_key()
        return self.items[key] if isinstance(key, int) and 0 <= key < len(self.items) else None

    def open_selected(self) -> None:
        item = self.selected_item()
        if item is not None:
            self.host.open_member(item.member_id, item.tab)

    def clear_for_lock(self) -> None:
        self.items = []
        self.table.setRowCount(0)
