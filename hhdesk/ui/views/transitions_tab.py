"""The member chart's Transitions tab: episodes, the checklist of the selected one, and its summary PDF.

The checklist colours say what needs doing: overdue items on a red ground, items due within a day on an
amber ground, done items in green, not-applicable items in grey with the reason. Overdue is worked out
from the clock each time the tab refreshes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.checklists import ItemState, basis_in_plain_words
from hhdesk.domain.permissions import Permission
from hhdesk.errors import ChangedByOther
from hhdesk.services import transitions
from hhdesk.services.context import AppSession
from hhdesk.services.transitions import ChecklistItemView, EpisodeView
from hhdesk.ui import workers
from hhdesk.ui.dialogs import common
from hhdesk.ui.dialogs.pdf_preview import PdfPreviewDialog
from hhdesk.ui.dialogs.transition_dialogs import (
    CloseEpisodeDialog,
    DischargeDialog,
    DoneAtDialog,
    NotApplicableDialog,
    OpenEpisodeDialog,
)
from hhdesk.ui.errors import user_errors
from hhdesk.ui.member_view import RecordFocus
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.labels import MessageLabel, role_label
from hhdesk.ui.widgets.text import format_date, format_date_time

EPISODE_COLUMNS = ("Admitted", "Setting", "Facility", "Discharged", "Readmission", "Checklist", "Status")
EPISODE_WIDTHS = (90, 165, 250, 170, 115, 180)
CHECKLIST_COLUMNS = ("Item", "Due", "Status")
CHECKLIST_WIDTHS = (500, 170)
STATE_BACKGROUND: dict[ItemState, QBrush] = {
    ItemState.OVERDUE: QBrush(QColor("#fbe3e1")),
    ItemState.DUE_SOON: QBrush(QColor("#fff3d1")),
}
STATE_FOREGROUND: dict[ItemState, QBrush] = {
    ItemState.OVERDUE: QBrush(QColor("#9b1c13")),
    ItemState.DUE_SOON: QBrush(QColor("#7a5200")),
    ItemState.DONE: QBrush(QColor("#1e6b3a")),
    ItemState.NOT_APPLICABLE: QBrush(QColor("#7a8790")),
}


def _span(hours: float) -> str:
    if hours < 1:
        return "under an hour"
    if hours < 48:
        whole = int(hours)
        return f"{whole} hour" if whole == 1 else f"{whole} hours"
    return f"{int(hours // 24)} days"


def status_text(item: ChecklistItemView, now: datetime) -> str:
    """What the Status column says, in the care manager's words."""
    if item.state is ItemState.DONE:
        when = f"{item.done_at:%m/%d %I:%M %p}" if item.done_at else ""
        return f"Done {when}" + (f" by {item.done_by_name}" if item.done_by_name else "")
    if item.state is ItemState.NOT_APPLICABLE:
        return f"Not applicable: {item.not_applicable_reason}"
    if item.state is ItemState.OVERDUE and item.due_at:
        return f"Overdue by {_span((now - item.due_at).total_seconds() / 3600)}"
    if item.state is ItemState.DUE_SOON and item.due_at:
        return f"Due in {_span((item.due_at - now).total_seconds() / 3600)}"
    if item.due_at is None and item.due_hours is not None:
        return "Waiting for the discharge"
    return "Open"


class TransitionsTab(QWidget):
    """One member's episodes. `refresh()` reloads and keeps the selected episode."""

    def __init__(self, app: AppSession, member_id: int, member_label: str = "", parent: QWidget | None = None,
                 now: datetime | None = None, on_member_changed: Callable[[], None] | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.on_member_changed = on_member_changed
        self.member_id = member_id
        self.member_label = member_label
        self._now = now
        self.episodes: list[EpisodeView] = []
        self.dialog: QWidget | None = None
        self.preview: PdfPreviewDialog | None = None
        can_edit = app.actor.can(Permission.EDIT_CLINICAL)
        can_print = app.actor.can(Permission.PRINT_DOCUMENTS)

        self.open_button = QPushButton("Open episode…")
        self.open_button.setToolTip("The member was admitted, or went to the emergency department")
        self.open_button.clicked.connect(self.open_episode)
        self.discharge_button = QPushButton("Record discharge…")
        self.discharge_button.clicked.connect(self.record_discharge)
        self.close_button = QPushButton("Close episode…")
        self.close_button.clicked.connect(self.close_episode)
        self.reopen_episode_button = QPushButton("Reopen episode")
        self.reopen_episode_button.setToolTip("The episode was closed by mistake: open it again")
        self.reopen_episode_button.clicked.connect(self.reopen_episode)
        self.print_button = QPushButton("Print transition summary…")
        self.print_button.setToolTip("Preview, print or save the summary for the PCP or follow-up provider")
        self.print_button.clicked.connect(self.print_summary)
        for button in (self.open_button, self.discharge_button, self.close_button, self.reopen_episode_button):
            button.setVisible(can_edit)
        self.print_button.setVisible(can_print)

        self.episode_list = ListTable(EPISODE_COLUMNS, EPISODE_WIDTHS)
        self.episode_list.setAccessibleName("Episodes")
        self.episode_list.itemSelectionChanged.connect(self._show_selected)
        self.empty_label = role_label("No transitions of care yet. Use Open episode… when the member is admitted.",
                                      "muted")
        self.episode_label = role_label("", "subheading")
        self.episode_detail = role_label("", "muted")

        self.checklist = ListTable(CHECKLIST_COLUMNS, CHECKLIST_WIDTHS)
        self.checklist.setAccessibleName("Checklist")
        self.checklist.itemSelectionChanged.connect(self._item_selected)
        self.done_button = QPushButton("Mark done")
        self.done_button.setToolTip("Done now, by you")
        self.done_button.clicked.connect(self.mark_done)
        self.done_at_button = QPushButton("Done at…")
        self.done_at_button.setToolTip("Done earlier: choose when")
        self.done_at_button.clicked.connect(self.mark_done_at)
        self.na_button = QPushButton("Not applicable…")
        self.na_button.clicked.connect(self.mark_not_applicable)
        self.reopen_button = QPushButton("Undo")
        self.reopen_button.setToolTip("Set the item back to open")
        self.reopen_button.clicked.connect(self.reopen_item)
        self.item_buttons = (self.done_button, self.done_at_button, self.na_button, self.reopen_button)
        for button in self.item_buttons:
            button.setVisible(can_edit)
        self.basis_label = role_label("", "muted")
        self.message = MessageLabel()

        top_buttons = QHBoxLayout()
        for button in (self.open_button, self.discharge_button, self.close_button, self.reopen_episode_button):
            top_buttons.addWidget(button)
        top_buttons.addStretch(1)
        top_buttons.addWidget(self.print_button)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(top_buttons)
        top_layout.addWidget(self.episode_list, 1)
        top_layout.addWidget(self.empty_label)

        item_buttons = QHBoxLayout()
        item_buttons.addWidget(role_label("Checklist", "subheading"))
        item_buttons.addStretch(1)
        for button in self.item_buttons:
            item_buttons.addWidget(button)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.episode_label)
        bottom_layout.addWidget(self.episode_detail)
        bottom_layout.addLayout(item_buttons)
        bottom_layout.addWidget(self.checklist, 1)
        bottom_layout.addWidget(self.basis_label)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        self.refresh()

    @property
    def now(self) -> datetime:
        return self._now or transitions.local_now(self.app.clock)

    # ---- loading ----------------------------------------------------------------------------------
    def refresh(self, select: int | None = None) -> None:
        keep = select if select is not None else self.episode_list.selected_key()
        with user_errors(self.message.show_error, "loading transitions") as attempt:
            self.episodes = transitions.member_episodes(self.app, self.member_id, now=self.now)
        if attempt.failed:
            return
        rows = []
        for e in self.episodes:
            applicable = sum(1 for i in e.items if i.state is not ItemState.NOT_APPLICABLE)
            done = e.count(ItemState.DONE)
            checklist = f"{done} of {applicable} done" + (f", {e.overdue_items} overdue" if e.overdue_items else "")
            rows.append([format_date(e.admitted_on), e.setting_label, e.facility,
                         format_date_time(e.discharged_at) if e.discharged_at else "Still admitted",
                         "Yes" if e.is_readmission else "", checklist,
                         "Open" if e.is_open else f"Closed {format_date(e.closed_at)}"])
        self.episode_list.set_rows(rows, [e.episode_id for e in self.episodes],
                                   muted=[not e.is_open for e in self.episodes])
        for number, e in enumerate(self.episodes):
            if e.overdue_items and e.is_open:
                self.episode_list.item(number, 5).setForeground(STATE_FOREGROUND[ItemState.OVERDUE])
            if e.is_readmission:
                self.episode_list.item(number, 4).setForeground(STATE_FOREGROUND[ItemState.OVERDUE])
        self.empty_label.setVisible(not self.episodes)
        if keep is not None and any(e.episode_id == keep for e in self.episodes):
            self.episode_list.select_key(keep)
        elif self.episodes:
            self.episode_list.selectRow(0)
        self._show_selected()

    def focus_record(self, focus: RecordFocus) -> bool:
        """Select the episode ``focus.record_id`` and its checklist item ``focus.item_id`` (from the worklist)."""
        if not any(e.episode_id == focus.record_id for e in self.episodes):
            self.refresh()
        if not any(e.episode_id == focus.record_id for e in self.episodes):
            return False
        self.episode_list.select_key(focus.record_id)
        if focus.item_id is not None:
            self.checklist.select_key(focus.item_id)
        return self.selected_episode() is not None and self.selected_episode().episode_id == focus.record_id

    def selected_episode(self) -> EpisodeView | None:
        key = self.episode_list.selected_key()
        return next((e for e in self.episodes if e.episode_id == key), None)

    def _show_selected(self) -> None:
        episode = self.selected_episode()
        self.discharge_button.setEnabled(episode is not None and episode.is_open)
        self.close_button.setEnabled(episode is not None and episode.is_open)
        self.reopen_episode_button.setEnabled(episode is not None and not episode.is_open)
        self.print_button.setEnabled(episode is not None)
        if episode is None:
            self.episode_label.setText("")
            self.episode_detail.setText("")
            self.checklist.setRowCount(0)
            self._item_selected()
            return
        title = f"{episode.setting_label} — {episode.facility or 'facility not recorded'}"
        if episode.is_readmission:
            title += "  ·  Readmission within 30 days"
        self.episode_label.setText(title)
        parts = [f"Admitted {format_date(episode.admitted_on)}",
                 f"notified {format_date_time(episode.notified_at)}"
                 + (f" ({episode.notified_how})" if episode.notified_how else "")]
        if episode.discharged_at:
            parts.append(f"discharged {format_date_time(episode.discharged_at)}"
                         + (f" to {episode.discharge_destination}" if episode.discharge_destination else ""))
        else:
            parts.append("still admitted: items counted from discharge have no due time yet")
        if not episode.is_open:
            parts.append(f"closed {format_date(episode.closed_at)}, care plan "
                         + ("reviewed" if episode.care_plan_reviewed else "not reviewed"))
        self.episode_detail.setText("; ".join(parts) + ".")
        keep = self.checklist.selected_key()
        now = episode.as_of
        self.checklist.set_rows([[i.label, i.due_text, status_text(i, now)] for i in episode.items],
                                [i.item_id for i in episode.items])
        for number, item in enumerate(episode.items):
            for column in range(len(CHECKLIST_COLUMNS)):
                cell = self.checklist.item(number, column)
                if item.state in STATE_BACKGROUND:
                    cell.setBackground(STATE_BACKGROUND[item.state])
                if item.state in STATE_FOREGROUND and column > 0:
                    cell.setForeground(STATE_FOREGROUND[item.state])
                cell.setToolTip(f"{item.label}\n{item.basis}" if item.basis else item.label)
        if keep is not None:
            self.checklist.select_key(keep)
        self._item_selected()

    def selected_item(self) -> ChecklistItemView | None:
        episode = self.selected_episode()
        key = self.checklist.selected_key()
        if episode is None or key is None:
            return None
        return next((i for i in episode.items if i.item_id == key), None)

    def _item_selected(self) -> None:
        episode = self.selected_episode()
        item = self.selected_item()
        open_episode = episode is not None and episode.is_open
        is_open_item = item is not None and item.state not in (ItemState.DONE, ItemState.NOT_APPLICABLE)
        self.done_button.setEnabled(open_episode and is_open_item)
        self.done_at_button.setEnabled(open_episode and is_open_item)
        self.na_button.setEnabled(open_episode and is_open_item)
        self.reopen_button.setEnabled(open_episode and item is not None and not is_open_item)
        # The user's words on screen; where the due time comes from (a rule, a measure) in the tooltip.
        self.basis_label.setText(f"Due: {basis_in_plain_words(item.basis)}" if item and item.basis else "")
        self.basis_label.setToolTip(f"Where this due time comes from: {item.basis}" if item and item.basis else "")

    # ---- actions ----------------------------------------------------------------------------------
    def _after(self, view: EpisodeView | None, note: str = "") -> None:
        self.dialog = None
        if view is None:
            return
        self.refresh(select=view.episode_id)
        self._changed()
        if note:
            self.message.show_ok(note)

    def _run(self, dialog, note: str):  # one of the dialogs
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._after(dialog.result_view, note))
        # Cancelled after someone else's change was read: the tab shows it too.
        dialog.rejected.connect(lambda: self._refresh_keeping_item() if dialog.read_their_change else None)
        dialog.open()
        return dialog

    def open_episode(self) -> OpenEpisodeDialog:
        return self._run(OpenEpisodeDialog(self.app, self.member_id, self), "Episode opened; its checklist is below.")

    def record_discharge(self) -> DischargeDialog | None:
        episode = self.selected_episode()
        if episode is None:
            return None
        return self._run(DischargeDialog(self.app, episode, self), "Discharge recorded; due times are filled in.")

    def close_episode(self) -> CloseEpisodeDialog | None:
        episode = self.selected_episode()
        if episode is None:
            return None
        return self._run(CloseEpisodeDialog(self.app, episode, self), "Episode closed.")

    def reopen_episode(self) -> bool:
        """Reopen the selected closed episode, after asking (it was closed by mistake). True if reopened."""
        episode = self.selected_episode()
        if episode is None or episode.is_open:
            return False
        text = (f"Reopen this episode ({episode.setting_label}, admitted {format_date(episode.admitted_on)}, "
                f"closed {format_date(episode.closed_at)})?\n\n"
                "Do this only if it was closed by mistake: its checklist can be worked again, and it "
                "counts as open until you close it again. The reopening is audited.")
        if not common.confirm(self, "Reopen episode", text, "Reopen"):
            return False
        with user_errors(self.message.show_error, "reopening the episode") as attempt:
            view = transitions.reopen_episode(self.app, episode.episode_id, now=transitions.local_now(self.app.clock),
                                              seen_version=episode.version)
        if attempt.failed:
            if isinstance(attempt.error, ChangedByOther):
                self.refresh()  # their change on screen, under the sentence that names them
            return False
        self._after(view, "Episode reopened; close it again when the transition is done.")
        return True

    def mark_not_applicable(self) -> NotApplicableDialog | None:
        item = self.selected_item()
        if item is None:
            return None
        return self._run(NotApplicableDialog(self.app, item, self), "")

    def mark_done_at(self) -> DoneAtDialog | None:
        item = self.selected_item()
        if item is None:
            return None
        return self._run(DoneAtDialog(self.app, item, self), "")

    def mark_done(self) -> None:
        item = self.selected_item()
        if item is None:
            return
        self._call(lambda: transitions.mark_item_done(self.app, item.item_id, now=transitions.local_now(self.app.clock),
                                                      seen_version=item.episode_version),
                   "marking the item done")

    def reopen_item(self) -> None:
        item = self.selected_item()
        if item is None:
            return
        self._call(lambda: transitions.reopen_item(self.app, item.item_id, now=transitions.local_now(self.app.clock),
                                                   seen_version=item.episode_version),
                   "reopening the item")

    def _call(self, action, where: str) -> None:
        with user_errors(self.message.show_error, where) as attempt:
            view = action()
        if attempt.failed:
            if isinstance(attempt.error, ChangedByOther):
                self._refresh_keeping_item()  # their change on screen, under the sentence that names them
            return
        self.message.clear_message()
        self._refresh_keeping_item(view.episode_id)
        self._changed()

    def _refresh_keeping_item(self, episode_id: int | None = None) -> None:
        keep = self.checklist.selected_key()
        self.refresh(select=episode_id)
        if keep is not None:
            self.checklist.select_key(keep)

    def _changed(self) -> None:
        if self.on_member_changed is not None:
            self.on_member_changed()

    def print_summary(self) -> None:
        episode = self.selected_episode()
        if episode is None:
            return
        episode_id = episode.episode_id
        workers.run_in_background(
            self, "Making the transition summary",
            lambda _progress: transitions.render_transition_summary_pdf(self.app, episode_id),
            lambda pdf: self._preview(pdf, episode_id), cancellable=False,
        )

    def _preview(self, pdf: bytes, episode_id: int) -> None:
        self.preview = PdfPreviewDialog(pdf, "Transition of care summary", f"transition-summary-{episode_id}.pdf",
                                        self, note="For the PCP or follow-up provider.")
        self.preview.open()

    def clear_for_lock(self) -> None:
        self.episodes = []
        self.episode_list.setRowCount(0)
        self.checklist.setRowCount(0)
        self.episode_label.clear()
        self.episode_detail.clear()


def make_tab(context: Any) -> TransitionsTab:
    """The chart's factory (``hhdesk.ui.views.member_chart.CHART_TABS``); ``context`` is a ChartContext."""
    return TransitionsTab(context.app, context.member_id, context.member_label, on_member_changed=context.changed)
