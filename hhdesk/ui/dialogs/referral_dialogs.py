"""The New referral and Change status dialogs.

Both are opened with `open()` (window-modal, not blocking) and announce what they saved with a signal, so
the list that opened them refreshes itself; tests fill the fields and call `save()`.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain import referral_rules
from hhdesk.domain.enums import ReferralCategory, ReferralStatus
from hhdesk.errors import ChangedByOther
from hhdesk.services import referrals
from hhdesk.services.context import AppSession
from hhdesk.services.referrals import CATEGORY_LABELS, METHOD_LABELS, STATUS_LABELS, NewReferral, ReferralRow
from hhdesk.ui.errors import user_errors
from hhdesk.ui.unsaved import UnsavedEditsDialog
from hhdesk.ui.widgets.fields import date_picker
from hhdesk.ui.widgets.labels import MessageLabel, role_label
from hhdesk.ui.widgets.text import format_date

NO_GOAL = "No linked goal"


def text_box(placeholder: str, height: int = 64) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setPlaceholderText(placeholder)
    box.setTabChangesFocus(True)
    box.setFixedHeight(height)
    return box


class NewReferralDialog(UnsavedEditsDialog, QDialog):
    """Refer the member to an agency from the directory; the agency list follows the category."""

    saved = Signal(object, bool)  # ReferralDetail, and whether to print the letter now

    def __init__(self, app: AppSession, member_id: int, member_label: str, parent: QWidget | None = None,
                 today: date | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.member_id = member_id
        self.today = today or app.clock.today()
        self._follow_up_touched = False
        self.setWindowTitle(f"New referral: {member_label}")
        self.setMinimumWidth(620)

        self.category = QComboBox()
        self.category.setAccessibleName("Category")
        for category, text in CATEGORY_LABELS.items():
            self.category.addItem(text, category)
        self.agency = QComboBox()
        self.agency.setAccessibleName("Agency")
        self.agency.setMinimumWidth(360)
        self.show_all = QCheckBox("Show agencies of every category")
        self.agency_hint = role_label("", "muted")

        self.reason = text_box("Why you are referring the member (it is printed on the letter)")
        self.need = text_box("What the member needs from this agency")
        self.request = text_box("What you ask the agency to do, e.g. book an intake appointment", 52)
        self.goal = QComboBox()
        self.goal.setAccessibleName("Linked care-plan goal")
        self.goal.addItem(NO_GOAL, None)
        for goal in referrals.goal_choices(app, member_id):
            text = goal.text if len(goal.text) <= 80 else goal.text[:77] + "…"
            self.goal.addItem(text, goal.goal_id)
            self.goal.setItemData(self.goal.count() - 1, goal.text, Qt.ItemDataRole.ToolTipRole)

        self.sent_on = date_picker(self.today, today=self.today, maximum=self.today, name="Sent on")
        self.sent_how = QComboBox()
        for method, text in METHOD_LABELS.items():
            self.sent_how.addItem(text, method)
        self.follow_up_on = date_picker(referrals.default_follow_up_on(app, self.today), today=self.today, minimum=self.today,
                                        name="Follow up on")
        self.follow_up_on.date_changed.connect(self._follow_up_edited)
        self.sent_on.date_changed.connect(self._sent_changed)

        self.consent = QCheckBox("The member agreed that we share their information with this agency")
        self.consent.setToolTip("Recorded on the member's care team. The letter can only be printed once the "
                                "member's consent to share with the agency is recorded.")
        self.consent.toggled.connect(self._update_buttons)

        self.message = MessageLabel()
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(lambda: self.save(print_after=False))
        self.save_print_button = QPushButton("Save and print letter…")
        self.save_print_button.clicked.connect(lambda: self.save(print_after=True))
        self.save_print_button.setDefault(True)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)

        agency_row = QVBoxLayout()
        agency_row.setSpacing(2)
        agency_row.addWidget(self.agency)
        agency_row.addWidget(self.agency_hint)
        agency_row.addWidget(self.show_all)
        dates = QHBoxLayout()
        dates.addWidget(self.sent_on)
        dates.addSpacing(12)
        dates.addWidget(role_label("by", wrap=False))
        dates.addWidget(self.sent_how)
        dates.addStretch(1)

        form = QFormLayout()
        form.addRow("Category", self.category)
        form.addRow("Agency", agency_row)
        form.addRow("Reason for referral", self.reason)
        form.addRow("What the member needs", self.need)
        form.addRow("What we are asking", self.request)
        form.addRow("Care-plan goal", self.goal)
        form.addRow("Date sent", dates)
        follow_up = QHBoxLayout()
        follow_up.addWidget(self.follow_up_on)
        follow_up.addWidget(role_label("(the day to check with the agency if it has not answered)", "muted"), 1)
        form.addRow("Follow up on", follow_up)
        form.addRow("", self.consent)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.save_print_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        self.category.currentIndexChanged.connect(self.reload_agencies)
        self.show_all.toggled.connect(self.reload_agencies)
        self.agency.currentIndexChanged.connect(self._agency_changed)
        self.reload_agencies()

    # ---- choices ----------------------------------------------------------------------------------
    def set_category(self, category: ReferralCategory) -> None:
        self.category.setCurrentIndex(self.category.findData(category))

    def agency_ids(self) -> list[int]:
        return [self.agency.itemData(i) for i in range(self.agency.count()) if self.agency.itemData(i) is not None]

    def reload_agencies(self) -> None:
        category: ReferralCategory = self.category.currentData()
        previous = self.agency.currentData()
        choices = referrals.agencies_for(self.app, None if self.show_all.isChecked() else category)
        self.agency.blockSignals(True)
        self.agency.clear()
        for choice in choices:
            self.agency.addItem(choice.display, choice.entry_id)
            self.agency.setItemData(self.agency.count() - 1,
                                    " · ".join(p for p in (choice.phone and f"Phone {choice.phone}",
                                                           choice.fax and f"Fax {choice.fax}") if p),
                                    Qt.ItemDataRole.ToolTipRole)
        if not choices:
            self.agency.addItem("No agency to choose", None)
        position = self.agency.findData(previous) if previous is not None else -1
        self.agency.setCurrentIndex(max(position, 0))
        self.agency.blockSignals(False)
        if not choices and not self.show_all.isChecked():
            self.agency_hint.setText(
                f"No agency in the directory offers {CATEGORY_LABELS[category].lower()}. Tick below to choose "
                "from every agency, or add one in the directory.")
        elif not choices:
            self.agency_hint.setText("The directory is empty: add the agency there first.")
        else:
            self.agency_hint.setText(self.agency.itemData(self.agency.currentIndex(), Qt.ItemDataRole.ToolTipRole)
                                     or "")
        self.agency_hint.setVisible(bool(self.agency_hint.text()))
        self._agency_changed()

    def _agency_changed(self) -> None:
        entry_id = self.agency.currentData()
        if entry_id is not None:
            self.agency_hint.setText(self.agency.itemData(self.agency.currentIndex(), Qt.ItemDataRole.ToolTipRole)
                                     or "")
            self.agency_hint.setVisible(bool(self.agency_hint.text()))
        already = entry_id is not None and referrals.has_consent_to_share(self.app, self.member_id, entry_id,
                                                                          self.today)
        self.consent.blockSignals(True)
        if already:
            self.consent.setChecked(True)
            self.consent.setEnabled(False)
            self.consent.setText("Consent to share with this agency is on the member's care team")
        else:
            self.consent.setEnabled(True)
            self.consent.setChecked(False)
            self.consent.setText("The member agreed that we share their information with this agency")
        self.consent.blockSignals(False)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_agency = self.agency.currentData() is not None
        self.save_button.setEnabled(has_agency)
        self.save_print_button.setEnabled(has_agency and self.consent.isChecked())
        self.save_print_button.setToolTip(
            "" if self.consent.isChecked() else "Record the member's consent to share first: the letter "
                                                "carries their information.")

    def _sent_changed(self, sent: date | None) -> None:
        if sent is None:
            return
        self.follow_up_on.blockSignals(True)
        self.follow_up_on.set_earliest(sent)
        if not self._follow_up_touched:
            self.follow_up_on.set_value(referrals.default_follow_up_on(self.app, sent))
        self.follow_up_on.blockSignals(False)

    def _follow_up_edited(self, _day: object = None) -> None:
        self._follow_up_touched = True

    # ---- saving -----------------------------------------------------------------------------------
    def new_referral(self) -> NewReferral:
        return NewReferral(
            member_id=self.member_id,
            directory_entry_id=self.agency.currentData(),
            category=self.category.currentData(),
            reason=self.reason.toPlainText(),
            need=self.need.toPlainText(),
            request=self.request.toPlainText(),
            sent_on=self.sent_on.value(),  # type: ignore[arg-type]
            sent_how=self.sent_how.currentData(),
            follow_up_on=self.follow_up_on.value(),  # type: ignore[arg-type]
            goal_id=self.goal.currentData(),
            consent_to_share=self.consent.isChecked() and self.consent.isEnabled(),
        )

    def save(self, print_after: bool = False) -> bool:
        if self.agency.currentData() is None:
            self.message.show_error("Choose the agency to refer to.")
            return False
        with user_errors(self.message.show_error, "new referral") as attempt:
            detail = referrals.create_referral(self.app, self.new_referral(), today=self.today)
        if attempt.failed:
            return False
        self.saved.emit(detail, print_after)
        self.accept()
        return True


class StatusChangeDialog(UnsavedEditsDialog, QDialog):
    """Record what the agency did: accepted, completed, declined or no response, with a date and note."""

    saved = Signal(object)  # ReferralDetail

    def __init__(self, app: AppSession, row: ReferralRow, parent: QWidget | None = None,
                 today: date | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.row = row
        self.today = today or app.clock.today()
        self.setWindowTitle(f"Referral {row.reference}: change status")
        self.setMinimumWidth(520)
        since = row.status_on if row.status is not ReferralStatus.SENT else row.sent_on

        self.status = QComboBox()
        self.status.setAccessibleName("New status")
        self._fill_statuses(row.status)
        self.changed_on = date_picker(self.today, today=self.today, minimum=since, maximum=self.today, name="Date")
        self.note = QLineEdit()
        self.note.setPlaceholderText("e.g. intake booked for 03/12, spoke with Ms Diaz")
        self.next_follow_up = date_picker(referrals.default_follow_up_on(app, self.today), today=self.today, minimum=since,
                                          name="Next follow-up")
        self.next_follow_up.setToolTip("When to check with the agency again while the referral stays open")
        self._next_follow_up_touched = False
        self.next_follow_up.date_changed.connect(self._next_follow_up_edited)
        self.changed_on.date_changed.connect(self._changed_on_changed)
        self.next_follow_up_label = role_label("Next follow-up", wrap=False)
        self.outcome = text_box("What came of the referral, in words", 70)
        self.outcome.setPlainText(row.outcome)
        self.outcome_label = role_label("Outcome", wrap=False)
        self.message = MessageLabel()

        save = QPushButton("Save")
        save.setDefault(True)
        save.clicked.connect(self.save)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)

        form = QFormLayout()
        self.state = role_label(self._state_text(row))
        form.addRow("Referral", self.state)
        form.addRow("New status", self.status)
        form.addRow("Date", self.changed_on)
        form.addRow("Note", self.note)
        self.next_follow_up_row = QWidget()
        next_row = QHBoxLayout(self.next_follow_up_row)
        next_row.setContentsMargins(0, 0, 0, 0)
        next_row.addWidget(self.next_follow_up)
        next_row.addWidget(role_label("(when to check again while the referral is open)", "muted"), 1)
        form.addRow(self.next_follow_up_label, self.next_follow_up_row)
        form.addRow(self.outcome_label, self.outcome)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.status.currentIndexChanged.connect(self._status_changed)
        self._status_changed()

    def set_status(self, status: ReferralStatus) -> None:
        self.status.setCurrentIndex(self.status.findData(status))

    def _fill_statuses(self, current: ReferralStatus) -> None:
        chosen = self.status.currentData()
        self.status.clear()
        for status, text in referrals.status_choices(current):
            self.status.addItem(text, status)
        if chosen is not None:
            self.status.setCurrentIndex(max(self.status.findData(chosen), 0))

    @staticmethod
    def _state_text(row: ReferralRow) -> str:
        state = (f"Sent {format_date(row.sent_on)}, no reply yet" if row.status is ReferralStatus.SENT
                 else f"{row.status_label} since {format_date(row.status_on)}")
        return f"{row.category_label} · {row.agency_name}\n{state}"

    def set_date(self, value: date) -> None:
        self.changed_on.set_value(value)

    def _status_changed(self) -> None:
        status = self.status.currentData()
        closing = status is not None and referral_rules.is_closed(status)
        self.outcome_label.setText("Outcome" + (" (the referral closes)" if closing else ""))
        self.next_follow_up_row.setVisible(not closing)
        self.next_follow_up_label.setVisible(not closing)

    def _changed_on_changed(self, value: date | None) -> None:
        if value is None:
            return
        self.next_follow_up.blockSignals(True)
        self.next_follow_up.set_earliest(value)
        if not self._next_follow_up_touched:
            self.next_follow_up.set_value(referrals.default_follow_up_on(self.app, value))
        self.next_follow_up.blockSignals(False)

    def _next_follow_up_edited(self, _day: object = None) -> None:
        self._next_follow_up_touched = True

    def save(self) -> bool:
        status = self.status.currentData()
        if status is None:
            self.message.show_error(f"This referral is {STATUS_LABELS[self.row.status].lower()}: it is closed.")
            return False
        outcome = self.outcome.toPlainText()
        with user_errors(self.message.show_error, "referral status") as attempt:
            changed_on = self.changed_on.value()
            assert changed_on is not None
            detail = referrals.change_status(
                self.app, self.row.referral_id, status, changed_on, self.note.text(),
                outcome if outcome.strip() != self.row.outcome.strip() else None, today=self.today,
                next_follow_up_on=None if referral_rules.is_closed(status) else self.next_follow_up.value(),
                seen_version=self.row.version)
        if attempt.failed:
            if isinstance(attempt.error, ChangedByOther):
                self._follow_other_save()
            return False
        self.saved.emit(detail)
        self.accept()
        return True

    def _follow_other_save(self) -> None:
        """After a change refused because someone else changed the referral first: the dialog reads their
        change (its status, and their outcome where this user typed none), keeps what this user typed, and
        saving again applies it to the referral as it is now."""
        with user_errors(self.message.show_error, "referral status") as attempt:
            stored = referrals.get_referral(self.app, self.row.referral_id, today=self.today).row
        if attempt.failed:
            return
        if self.outcome.toPlainText().strip() == self.row.outcome.strip():
            self.outcome.setPlainText(stored.outcome)
        self.row = stored
        self.state.setText(self._state_text(stored))
        self._fill_statuses(stored.status)
        self._status_changed()

