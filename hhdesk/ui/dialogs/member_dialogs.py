"""New member (with the likely-duplicate warning) and Assign to a care manager.

Both are opened with ``open()`` and accept once their service call succeeded; tests fill the fields and
call ``save()``.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.enums import Role
from hhdesk.errors import ValidationFailed
from hhdesk.services import enrolment, members, users
from hhdesk.services.context import AppSession
from hhdesk.services.members import DuplicateCandidate, MemberDetails
from hhdesk.ui.errors import user_errors
from hhdesk.ui.unsaved import UnsavedEditsDialog
from hhdesk.ui.widgets.date_edit import DateEdit
from hhdesk.ui.widgets.forms import save_cancel_layout
from hhdesk.ui.widgets.labels import MessageLabel, role_label
from hhdesk.ui.widgets.text import format_date


class NewMemberDialog(UnsavedEditsDialog, QDialog):
    """Add a member. A same-name-and-birthday match is shown before anything is saved."""

    created = Signal(int)  # the new member's id
    open_existing = Signal(int)  # the user chose to open the member already on file

    def __init__(self, app: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.setWindowTitle("New member")
        self.setMinimumWidth(480)
        self.candidates: list[DuplicateCandidate] = []
        example = enrolment.program_profile(app).medicaid_id_example

        self.medicaid_id = QLineEdit()
        self.medicaid_id.setPlaceholderText(f"e.g. {example}")
        self.last_name = QLineEdit()
        self.first_name = QLineEdit()
        self.preferred_name = QLineEdit()
        self.dob = DateEdit(None, optional=True, today=self.app.clock.today(), name="Date of birth")
        self.sex = QComboBox()
        for code, text in members.SEX_CHOICES.items():
            self.sex.addItem(text, code)
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("(555) 123-4567")
        self.language = QLineEdit("English")
        self.care_manager = QComboBox()
        self.care_manager.addItem("Unassigned", "")
        for user in users.care_managers(app):
            self.care_manager.addItem(user.full_name or user.username, user.username)
        if app.actor.role is Role.CARE_MANAGER:
            self.care_manager.setCurrentIndex(max(self.care_manager.findData(app.actor.username), 0))
        self.care_manager.setEnabled(members.may_assign(app))

        form = QFormLayout()
        form.addRow("Medicaid ID:", self.medicaid_id)
        form.addRow("Last name:", self.last_name)
        form.addRow("First name:", self.first_name)
        form.addRow("Preferred name:", self.preferred_name)
        form.addRow("Date of birth:", self.dob)
        form.addRow("Sex:", self.sex)
        form.addRow("Phone:", self.phone)
        form.addRow("Preferred language:", self.language)
        form.addRow("Care manager:", self.care_manager)

        self.duplicate_panel = QFrame()
        self.duplicate_panel.setStyleSheet("QFrame { background: #fdf3dc; border: 1px solid #e8b55a;"
                                           " border-radius: 6px; }")
        self.duplicate_text = role_label("")
        self.duplicate_list = QListWidget()
        self.duplicate_list.setMaximumHeight(90)
        self.open_button = QPushButton("Open the member on file")
        self.open_button.clicked.connect(self._open_existing)
        self.anyway_button = QPushButton("Save as a new member anyway")
        self.anyway_button.clicked.connect(lambda: self.save(allow_duplicate=True))
        panel = QVBoxLayout(self.duplicate_panel)
        panel.addWidget(self.duplicate_text)
        panel.addWidget(self.duplicate_list)
        panel.addWidget(self.open_button)
        panel.addWidget(self.anyway_button)
        self.duplicate_panel.hide()

        self.message, self.buttons = save_cancel_layout(self, form, self.save, self.duplicate_panel)

    def details(self) -> MemberDetails | None:
        try:
            dob = self.dob.value()
        except ValidationFailed as exc:
            self.message.show_error(str(exc))
            return None
        if dob is None:
            self.message.show_error("Date of birth: type it as MM/DD/YYYY.")
            return None
        return MemberDetails(medicaid_id=self.medicaid_id.text(), last_name=self.last_name.text(),
                             first_name=self.first_name.text(), preferred_name=self.preferred_name.text(),
                             dob=dob, sex=self.sex.currentData() or "", phone=self.phone.text(),
                             language=self.language.text())

    def save(self, allow_duplicate: bool = False) -> bool:
        details = self.details()
        if details is None:
            return False
        manager = self.care_manager.currentData() or None
        if manager == self.app.actor.username or not members.may_assign(self.app):
            manager = None  # the service makes a care manager the holder of what they add
        with user_errors(self.message.show_error, "adding a member") as attempt:
            result = members.create_member(self.app, details, allow_duplicate=allow_duplicate, care_manager=manager)
        if attempt.failed:
            return False
        if not result.created:
            self._show_duplicates(list(result.possible_duplicates))
            return False
        assert result.member_id is not None
        self.created.emit(result.member_id)
        self.accept()
        return True

    def _show_duplicates(self, candidates: list[DuplicateCandidate]) -> None:
        self.candidates = candidates
        self.message.clear_message()
        many = len(candidates) > 1
        self.duplicate_text.setText(
            f"Possible duplicate: {'members' if many else 'a member'} with the same name and date of birth "
            f"{'are' if many else 'is'} already in hhdesk. Nothing was saved yet. If this is the same person, "
            "open the record on file instead.")
        self.duplicate_list.clear()
        for candidate in candidates:
            self.duplicate_list.addItem(f"{candidate.name}   Medicaid ID {candidate.medicaid_id}   "
                                        f"born {format_date(candidate.dob)}   {candidate.status.value}")
        self.duplicate_list.setCurrentRow(0)
        self.duplicate_panel.show()
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)

    def _open_existing(self) -> None:
        row = max(self.duplicate_list.currentRow(), 0)
        if self.candidates:
            self.open_existing.emit(self.candidates[row].member_id)
        self.reject()


class AssignDialog(UnsavedEditsDialog, QDialog):
    """Give one or many members to a care manager (supervisors and administrators)."""

    assigned = Signal(int)  # how many members changed hands

    def __init__(self, app: AppSession, member_ids: Sequence[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.member_ids = list(member_ids)
        count = len(self.member_ids)
        self.setWindowTitle("Assign to a care manager")
        self.care_manager = QComboBox()
        self.care_manager.setMinimumWidth(260)
        for user in sorted(users.care_managers(app), key=lambda u: (u.full_name or u.username).casefold()):
            self.care_manager.addItem(f"{user.full_name or user.username} ({user.username})", user.username)
        self.care_manager.addItem("Nobody (unassigned)", "")
        self.message = MessageLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Assign")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(role_label(f"Assign {'this member' if count == 1 else f'{count} members'} to:"))
        layout.addWidget(self.care_manager)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def choose(self, username: str) -> None:
        self.care_manager.setCurrentIndex(max(self.care_manager.findData(username), 0))

    def save(self) -> bool:
        with user_errors(self.message.show_error, "assigning members") as attempt:
            changed = members.assign_care_manager(self.app, self.member_ids, self.care_manager.currentData() or None)
        if attempt.failed:
            return False
        self.assigned.emit(changed)
        self.accept()
        return True
