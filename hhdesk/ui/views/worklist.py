"""The Worklist section, for triage: work grouped by urgency (transitions of care, overdue, due this week,
later) and kind; Enter or a double-click opens the member's chart at the very record (the episode and its
checklist item, the referral). Done and Not applicable… tick an item off without leaving the list.

Care managers see their own members. Supervisors and administrators choose whose list to see (anyone's,
or everyone's); the choice is remembered for the session. The kind filter narrows the list to one kind.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from hhdesk.domain.permissions import Permission
from hhdesk.domain.worklist_rules import KIND_LABELS, KIND_ORDER
from hhdesk.errors import ChangedByOther
from hhdesk.exports.tables import Workbook
from hhdesk.services import users, worklist
from hhdesk.services.list_exports import ListFilter, ListKind
from hhdesk.services.transitions import local_now
from hhdesk.services.worklist import WorkItem
from hhdesk.ui import list_export
from hhdesk.ui.dialogs import common
from hhdesk.ui.errors import user_errors
from hhdesk.ui.member_view import RecordFocus
from hhdesk.ui.sections import SectionHost
from hhdesk.ui.shortcuts import bind_button
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.flow_layout import FlowLayout, captioned
from hhdesk.ui.widgets.labels import MessageLabel, role_label

# Who and what first: on a narrow screen the columns to the right are the ones that scroll away.
COLUMNS = ("Group", "When", "Member", "Task", "What", "Medicaid ID", "Care manager", "Detail")
WIDTHS = (150, 140, 170, 300, 135, 100, 120)
GROUP_COLUMN = 0
WHEN_COLUMN = 1
TASK_COLUMN = 3
CARE_MANAGER_COLUMN = 6
DETAIL_COLUMN = 7
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
        self._refused_reason: dict[int, str] = {}  # checklist item -> the reason typed for a refused change
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
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind of work")
        self.kind.addItem("All kinds", None)
        for kind in KIND_ORDER:
            self.kind.addItem(KIND_LABELS[kind], kind)
        self.kind.currentIndexChanged.connect(lambda _i: self.refresh())
        refresh = QPushButton("Refresh")
        refresh.setToolTip("F5")
        bind_button("worklist.refresh", refresh)
        refresh.clicked.connect(self.refresh)
        self.open_button = QPushButton("Open member")
        self.open_button.setToolTip("Open the member's chart at the right tab (Enter or double-click)")
        self.open_button.clicked.connect(self.open_selected)
        can_edit = self.app.actor.can(Permission.EDIT_CLINICAL)
        self.done_button = QPushButton("&Done")
        self.done_button.setToolTip("Mark the selected item done now (a transition checklist item, or a referral "
                                    "followed up: its next follow-up date moves on)")
        self.done_button.clicked.connect(self.mark_done)
        self.na_button = QPushButton("Not a&pplicable…")
        self.na_button.setToolTip("Mark the selected checklist item not applicable, saying why")
        self.na_button.clicked.connect(self.mark_not_applicable)
        for button in (self.done_button, self.na_button):
            button.setVisible(can_edit)
        self.count_label = role_label("", "muted", wrap=False)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip(list_export.EXPORT_TOOLTIP)
        self.export_button.clicked.connect(self.export)

        self.table = ListTable(COLUMNS, WIDTHS)
        self.table.setAccessibleName("Worklist")
        self.table.itemActivated.connect(lambda _item: self.open_selected())
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.empty_label = role_label("Nothing is due. Well done.", "muted")
        self.message = MessageLabel()

        # The filters and buttons wrap on a narrow screen (a laptop at 150 %) instead of widening the section.
        bar = FlowLayout(spacing=12)
        whose = captioned("&Care manager", self.whose)
        whose.setVisible(not self.whose.isHidden())
        bar.addWidget(whose)
        bar.addWidget(captioned("&Kind", self.kind))
        bar.addWidget(self.count_label)
        bar.addWidget(self.export_button)
        bar.addWidget(refresh)
        actions = QHBoxLayout()
        actions.addWidget(role_label("Transitions of care first, then what is overdue, due this week, later; "
                                     "within a group by kind, the earliest deadline first. Checklist items show "
                                     "from a day before they are due.", "muted"), 1)
        actions.addWidget(self.open_button)
        actions.addWidget(self.done_button)
        actions.addWidget(self.na_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(role_label("Worklist", "heading", wrap=False))
        layout.addLayout(bar)
        layout.addLayout(actions)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.message)
        self.refresh()

    def refresh(self) -> None:
        now = self._now or local_now(self.app.clock)
        self.last_now = now
        kind = self.kind.currentData()
        with user_errors(self.message.show_error, "loading the worklist") as attempt:
            self.items = worklist.worklist(self.app, self.whose.currentData(), now=now,
                                           kinds=None if kind is None else {kind})
        if attempt.failed:
            return
        self.message.clear_message()
        show_manager = self.whose.currentData() == worklist.ALL
        self.table.setColumnHidden(CARE_MANAGER_COLUMN, not show_manager)
        # The group is named on its first row only, so the groups read as headings down the list.
        groups = [item.urgency_label(now) for item in self.items]
        self.table.set_rows(
            [[group if number == 0 or groups[number - 1] != group else "", item.when_text(now), item.member_name,
              item.title, item.kind_label, item.medicaid_id, item.care_manager or "unassigned", item.detail]
             for number, (group, item) in enumerate(zip(groups, self.items, strict=True))],
            list(range(len(self.items))),
        )
        bold = QFont(self.table.font())
        bold.setBold(True)
        for number, item in enumerate(self.items):
            self.table.item(number, GROUP_COLUMN).setFont(bold)
            self.table.item(number, GROUP_COLUMN).setToolTip(groups[number])
            self.table.item(number, TASK_COLUMN).setToolTip(item.title)
            self.table.item(number, DETAIL_COLUMN).setToolTip(item.detail)
            if item.overdue:
                for column in range(1, len(COLUMNS)):
                    cell = self.table.item(number, column)
                    cell.setBackground(OVERDUE_GROUND)
                    if column == WHEN_COLUMN:
                        cell.setForeground(OVERDUE)
        overdue = sum(1 for item in self.items if item.overdue)
        self.count_label.setText(f"{len(self.items)} to do, {overdue} overdue" if self.items else "")
        self.empty_label.setVisible(not self.items)
        self._selection_changed()
        if self.items:
            self.table.selectRow(0)

    def _selection_changed(self) -> None:
        item = self.selected_item()
        self.open_button.setEnabled(item is not None)
        self.done_button.setEnabled(item is not None and item.can_be_done)
        self.na_button.setEnabled(item is not None and item.can_be_not_applicable)

    def selected_item(self) -> WorkItem | None:
        key = self.table.selected_key()
        return self.items[key] if isinstance(key, int) and 0 <= key < len(self.items) else None

    def open_selected(self) -> None:
        item = self.selected_item()
        if item is not None:
            focus = RecordFocus(item.record_id, item.entity_id if item.entity_id != item.record_id else None) \
                if item.record_id is not None else None
            self.host.open_member(item.member_id, item.tab, focus=focus)

    def mark_done(self) -> bool:
        item = self.selected_item()
        if item is None or not item.can_be_done:
            return False
        return self._tick_off(lambda: worklist.mark_done(self.app, item, now=self._now or local_now(self.app.clock)))

    def mark_not_applicable(self) -> bool:
        item = self.selected_item()
        if item is None or not item.can_be_not_applicable:
            return False
        kept = self._refused_reason.get(item.entity_id, "") if item.entity_id is not None else ""
        reason = common.ask_text(self, "Not applicable", f"Why does “{item.title}” not apply to "
                                 f"{item.member_name}? (a few words, e.g. no home health needed)", kept)
        if reason is None:
            return False
        done = self._tick_off(lambda: worklist.mark_not_applicable(self.app, item, reason,
                                                                   now=self._now or local_now(self.app.clock)))
        if item.entity_id is not None:
            if done:
                self._refused_reason.pop(item.entity_id, None)
            else:  # asked again, the question offers what was typed
                self._refused_reason[item.entity_id] = reason
        return done

    def _tick_off(self, action) -> bool:  # a callable returning the sentence to show
        row = self.table.currentRow()
        with user_errors(self.message.show_error, "updating the worklist") as attempt:
            note = action()
        if attempt.failed:
            if isinstance(attempt.error, ChangedByOther):  # their change on screen, under the sentence naming them
                self.refresh()
                self.message.show_error(attempt.message)
            return False
        self.refresh()
        if self.items:
            self.table.selectRow(min(max(row, 0), len(self.items) - 1))
        self.message.show_ok(note)
        return True

    def export(self) -> None:
        filters = [ListFilter("Whose", self.whose.currentText())] if self.whose.isVisible() else []
        list_export.export_list(self, self.app, ListKind.WORKLIST, "Worklist",
                                lambda: Workbook([list_export.table_from_view(self.table, "Worklist")]), filters,
                                status=self.host.show_status)

    def clear_for_lock(self) -> None:
        self.items = []
        self.table.setRowCount(0)
