"""What the chart's Referrals tab and the Referrals section share: the table model, the detail pane, and
printing a letter (made off the UI thread, then shown in a preview with Print and Save).

Rows whose follow-up date has come (open referrals the care manager should chase) are highlighted in
amber with "due" after the date; closed referrals are grey.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.enums import ReferralStatus
from hhdesk.errors import ChangedByOther
from hhdesk.services import referrals
from hhdesk.services.context import AppSession
from hhdesk.services.referrals import ReferralDetail, ReferralRow
from hhdesk.ui import workers
from hhdesk.ui.dialogs import common
from hhdesk.ui.dialogs.pdf_preview import PdfPreviewDialog
from hhdesk.ui.errors import user_errors
from hhdesk.ui.unsaved import TracksUnsavedEdits, ignore_for_unsaved
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.fields import date_picker
from hhdesk.ui.widgets.labels import MessageLabel, role_label
from hhdesk.ui.widgets.text import format_date

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
DUE_BACKGROUND = QBrush(QColor("#fde9c4"))
DUE_TEXT = QBrush(QColor("#7a3e00"))
MUTED = QBrush(QColor("#7a8790"))
_AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int = 110


TAB_COLUMNS = [Column("sent", "Sent", 95), Column("category", "Category", 130), Column("agency", "Agency", 230),
               Column("status", "Status", 175), Column("follow_up", "Follow up", 140),
               Column("reason", "Reason", 300)]
SECTION_COLUMNS = [Column("member", "Member", 180), Column("category", "Category", 125),
                   Column("agency", "Agency", 210), Column("sent", "Sent", 90), Column("status", "Status", 175),
                   Column("follow_up", "Follow up", 135), Column("care_manager", "Care manager", 135),
                   Column("medicaid_id", "Medicaid ID", 95)]


def status_text(row: ReferralRow) -> str:
    if row.status is ReferralStatus.SENT:
        return "Sent, no reply yet"
    return f"{row.status_label} {format_date(row.status_on)}"


def follow_up_text(row: ReferralRow) -> str:
    if row.closed or row.follow_up_on is None:
        return ""
    return f"{format_date(row.follow_up_on)} · due" if row.waiting else format_date(row.follow_up_on)


class ReferralTableModel(QAbstractTableModel):
    """Rows from a referral list service call; reset with each new answer."""

    def __init__(self, columns: Sequence[Column], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[ReferralRow] = []

    def set_rows(self, rows: Sequence[ReferralRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_at(self, index: _AnyIndex) -> ReferralRow | None:
        return self.rows[index.row()] if index.isValid() and index.row() < len(self.rows) else None

    def row_number(self, referral_id: int) -> int | None:
        for number, row in enumerate(self.rows):
            if row.referral_id == referral_id:
                return number
        return None

    def rowCount(self, parent: _AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        return None

    def data(self, index: _AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index)
        if row is None:
            return None
        key = self.columns[index.column()].key
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row, key)
        if role == SORT_ROLE:
            return self._sort_key(row, key)
        if role == Qt.ItemDataRole.BackgroundRole and row.waiting:
            return DUE_BACKGROUND
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.waiting and key == "follow_up":
                return DUE_TEXT
            if row.closed:
                return MUTED
        if role == Qt.ItemDataRole.FontRole and row.waiting and key == "follow_up":
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = row.reason.strip()
            if row.waiting:
                tip = f"Follow-up due since {format_date(row.follow_up_on)}: call the agency.\n{tip}"
            return tip or None
        return None

    @staticmethod
    def text(row: ReferralRow, key: str) -> str:
        match key:
            case "member":
                return row.member_name
            case "medicaid_id":
                return row.medicaid_id
            case "category":
                return row.category_label
            case "agency":
                return row.agency_name
            case "sent":
                return format_date(row.sent_on)
            case "status":
                return status_text(row)
            case "follow_up":
                return follow_up_text(row)
            case "reason":
                return " ".join(row.reason.split())
            case "care_manager":
                return row.care_manager_name or "Unassigned"
        return ""

    @staticmethod
    def _sort_key(row: ReferralRow, key: str) -> Any:
        match key:
            case "sent":
                return row.sent_on.isoformat()
            case "status":
                return f"{list(ReferralStatus).index(row.status)}{row.status_on.isoformat()}"
            case "follow_up":
                return "9" if row.closed or row.follow_up_on is None else row.follow_up_on.isoformat()
        return ReferralTableModel.text(row, key).casefold()


# ---- printing ---------------------------------------------------------------------------------------


def print_letter(parent: QWidget, app: AppSession, referral_id: int, *, fax_cover: bool = False,
                 on_shown: Callable[[PdfPreviewDialog], None] | None = None) -> None:
    """Make the letter off the UI thread, then preview it (Print…, Save…). Errors are shown as they are."""

    def job(progress: workers.Progress) -> bytes:
        progress.report(0, 0, "Making the referral letter")
        return referrals.print_letter(app, referral_id, fax_cover=fax_cover)

    def show(pdf: bytes) -> None:
        title = "Referral letter with fax cover sheet" if fax_cover else "Referral letter"
        dialog = PdfPreviewDialog(pdf, f"{title} ({referrals.reference(referral_id)})",
                                  f"referral-{referrals.reference(referral_id)}.pdf", parent,
                                  note="Print it, or save it to fax from your computer.")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        if on_shown is not None:
            on_shown(dialog)

    workers.run_in_background(parent, "Making the referral letter", job, show, cancellable=False)


# ---- the detail pane --------------------------------------------------------------------------------


class ReferralDetailPane(TracksUnsavedEdits, QFrame):
    """Everything about one referral: what was asked, its history, outcome, follow-up, consent."""

    def __init__(self, app: AppSession, on_changed: Callable[[ReferralDetail], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.on_changed = on_changed
        self.detail: ReferralDetail | None = None

        self.title = role_label("", "subheading")
        self.sent_line = role_label("", "muted")
        self.follow_up_line = role_label("")
        self.reason = self._value_label()
        self.need = self._value_label()
        self.request = self._value_label()
        self.goal = self._value_label()
        self.consent = self._value_label()
        self.consent_button = QPushButton("Record consent…")
        self.consent_button.setToolTip("The member agreed that we share their information with this agency")
        self.consent_button.clicked.connect(self.record_consent)

        self.history = ListTable(["Date", "Status", "Note", "By"], (95, 110, 260, 140))
        self.history.setMaximumHeight(130)
        self.outcome = QPlainTextEdit()
        self.outcome.setPlaceholderText("What came of the referral, in words")
        self.outcome.setFixedHeight(58)
        self.outcome.setTabChangesFocus(True)
        self.save_outcome_button = QPushButton("Save outcome")
        self.save_outcome_button.clicked.connect(self.save_outcome)
        self.follow_up = date_picker(today=self.app.clock.today(), name="Follow up")
        self.follow_up_button = QPushButton("Change follow-up date")
        self.follow_up_button.clicked.connect(self.save_follow_up)
        self.message = MessageLabel()
        self._shown_follow_up = self.follow_up.text()

        consent_row = QHBoxLayout()
        consent_row.addWidget(self.consent, 1)
        consent_row.addWidget(self.consent_button)
        outcome_row = QHBoxLayout()
        outcome_row.addWidget(self.outcome, 1)
        outcome_row.addWidget(self.save_outcome_button)
        self.follow_up_row = QWidget()
        follow_up_row = QHBoxLayout(self.follow_up_row)
        follow_up_row.setContentsMargins(0, 0, 0, 0)
        follow_up_row.addWidget(self.follow_up)
        follow_up_row.addWidget(self.follow_up_button)
        follow_up_row.addStretch(1)

        form = QFormLayout()
        form.setVerticalSpacing(4)
        form.setHorizontalSpacing(14)
        form.addRow("Reason", self.reason)
        form.addRow("Member needs", self.need)
        form.addRow("We asked", self.request)
        form.addRow("Care-plan goal", self.goal)
        form.addRow("Consent to share", consent_row)
        form.addRow("Outcome", outcome_row)
        form.addRow("Follow up on", self.follow_up_row)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.sent_line)
        layout.addWidget(self.follow_up_line)
        layout.addLayout(form)
        layout.addWidget(role_label("History", "muted"))
        layout.addWidget(self.history)
        layout.addWidget(self.message)
        self.track_unsaved(self, "the referral's outcome or follow-up date", self._save_edits, self._discard_edits)
        ignore_for_unsaved(self.history)
        self.show_detail(None)

    @staticmethod
    def _value_label() -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def show_detail(self, detail: ReferralDetail | None) -> None:
        self.detail = detail
        self.message.clear_message()
        self.setVisible(detail is not None)
        if detail is None:
            self.history.set_rows([])
            self.mark_clean()
            return
        row = detail.row
        self.title.setText(f"{row.category_label}: {row.agency_name}")
        contact = " · ".join(part for part in (detail.agency_phone and f"phone {detail.agency_phone}",
                                                detail.agency_fax and f"fax {detail.agency_fax}") if part)
        self.sent_line.setText(f"Sent {format_date(row.sent_on)} by {row.method_label.lower()} · "
                               f"reference {row.reference}" + (f" · agency {contact}" if contact else ""))
        if row.closed:
            self.follow_up_line.setText(f"{row.status_label} on {format_date(row.status_on)}: the referral is closed.")
            self.follow_up_line.setProperty("role", "muted")
        elif row.waiting:
            self.follow_up_line.setText(f"Follow-up due since {format_date(row.follow_up_on)}: call the agency, "
                                        "then record what they said or move the follow-up date.")
            self.follow_up_line.setProperty("role", "error")
        else:
            self.follow_up_line.setText(f"{status_text(row)}; follow up on {format_date(row.follow_up_on)}."
                                        if row.follow_up_on else status_text(row))
            self.follow_up_line.setProperty("role", "")
        self.follow_up_line.style().unpolish(self.follow_up_line)
        self.follow_up_line.style().polish(self.follow_up_line)
        self.reason.setText(row.reason or "—")
        self.need.setText(row.need or "—")
        self.request.setText(row.request or "—")
        self.goal.setText(detail.goal_text or "—")
        if detail.consent_to_share:
            self.consent.setText("Recorded on the care team; the letter may be printed.")
        else:
            self.consent.setText("Not recorded: the letter cannot be printed until the member agrees.")
        self.consent_button.setVisible(not detail.consent_to_share)
        self.outcome.setPlainText(row.outcome)
        self.history.set_rows([[format_date(h.changed_on), h.status_label, h.note, h.changed_by]
                               for h in detail.history])
        self.follow_up_row.setEnabled(not row.closed)
        if row.follow_up_on is not None:
            self.follow_up.set_earliest(row.sent_on)
            self.follow_up.set_value(row.follow_up_on)
        self._shown_follow_up = self.follow_up.text()
        self.mark_clean()

    def _changed(self, detail: ReferralDetail, message: str) -> None:
        self.show_detail(detail)
        self.message.show_ok(message)
        self.on_changed(detail)

    def _save_edits(self) -> bool:
        """Save / Discard / Cancel chose Save: the outcome and the follow-up date, as their buttons do."""
        if self.detail is None:
            return True
        follow_up_edited = self.follow_up_row.isEnabled() and self.follow_up.text() != self._shown_follow_up
        typed_follow_up = self.follow_up.text()
        if self.outcome.toPlainText().strip() != self.detail.row.outcome.strip():
            if not self.save_outcome():
                return False  # refused: the sentence is on screen, what was typed stays
            if follow_up_edited:  # showing the saved outcome read the stored date again: put the typed one back
                self.follow_up.setText(typed_follow_up)
        if follow_up_edited and not self.save_follow_up():
            return False
        return not self.unsaved_what()

    def _discard_edits(self) -> None:
        if self.detail is not None:
            self.show_detail(self.detail)

    def save_outcome(self) -> bool:
        if self.detail is None:
            return False
        with user_errors(self.message.show_error, "referral outcome") as attempt:
            detail = referrals.record_outcome(self.app, self.detail.row.referral_id, self.outcome.toPlainText(),
                                              seen_version=self.detail.row.version)
        if attempt.failed:
            if isinstance(attempt.error, ChangedByOther):
                self._follow_other_save(str(attempt.error))
            return False
        self._changed(detail, "Outcome saved.")
        return True

    def save_follow_up(self) -> bool:
        if self.detail is None:
            return False
        with user_errors(self.message.show_error, "referral follow-up") as attempt:
            follow_up = self.follow_up.value()
            assert follow_up is not None
            detail = referrals.set_follow_up(self.app, self.detail.row.referral_id, follow_up,
                                             seen_version=self.detail.row.version)
        if attempt.failed:
            if isinstance(attempt.error, ChangedByOther):
                self._follow_other_save(str(attempt.error))
            return False
        self._changed(detail, "Follow-up date changed.")
        return True

    def _follow_other_save(self, refusal: str) -> None:
        """After a save refused because someone else changed the referral first: the pane shows their change,
        the outcome or follow-up date this user edited keeps what they typed, and saving again applies it to
        the referral as it is now."""
        assert self.detail is not None
        typed_outcome = self.outcome.toPlainText()
        outcome_edited = typed_outcome.strip() != self.detail.row.outcome.strip()
        typed_follow_up = self.follow_up.text()
        follow_up_edited = typed_follow_up != self._shown_follow_up
        with user_errors(self.message.show_error, "referral") as attempt:
            stored = referrals.get_referral(self.app, self.detail.row.referral_id)
        if attempt.failed:
            return
        self.show_detail(stored)
        if outcome_edited:
            self.outcome.setPlainText(typed_outcome)
        if follow_up_edited and self.follow_up_row.isEnabled():
            self.follow_up.setText(typed_follow_up)
        self.message.show_error(refusal)
        self.on_changed(stored)

    def record_consent(self) -> None:
        if self.detail is None:
            return
        agency = self.detail.row.agency_name
        if not common.confirm(self, "Consent to share",
                              f"Did the member agree that we share their information with {agency} for this "
                              "referral? It will be recorded on the member's care team.", "Yes, record it"):
            return
        with user_errors(self) as attempt:
            detail = referrals.record_consent_to_share(self.app, self.detail.row.referral_id)
        if attempt.failed:
            return
        self._changed(detail, "Consent to share recorded on the care team.")
