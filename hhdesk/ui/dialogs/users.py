"""Adding a user, changing a user's role or details, and setting a user's password (reset or enable)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.enums import Role, label
from hhdesk.domain.passwords import username_problems
from hhdesk.errors import ValidationFailed
from hhdesk.services import users
from hhdesk.services.context import AppSession
from hhdesk.services.users import UserInfo
from hhdesk.ui.errors import user_errors
from hhdesk.ui.widgets.labels import MessageLabel, role_label
from hhdesk.ui.widgets.password_fields import NewPasswordFields

ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.ADMIN: "Users, settings, backups and the audit log, and everything the other roles do.",
    Role.SUPERVISOR: "All members, reassigning caseloads, billing and backups.",
    Role.CARE_MANAGER: "Members, care plans, contacts, transitions and referrals.",
    Role.BILLING: "Billing and demographics; no clinical notes.",
    Role.READ_ONLY: "Can look at members and their records; cannot change anything.",
}


def role_combo(current: Role = Role.CARE_MANAGER) -> QComboBox:
    combo = QComboBox()
    for role in Role:
        combo.addItem(label(role), role)
        combo.setItemData(combo.count() - 1, ROLE_DESCRIPTIONS[role], Qt.ItemDataRole.ToolTipRole)
    combo.setCurrentIndex(combo.findData(current))
    return combo


class _ShownUnderTheField(Exception):  # a signal between submit() and _submit(), not an error
    """The problem is already on screen under the field it concerns."""


class _FormDialog(QDialog):
    """A form, an inline message and OK/Cancel; `submit()` calls the service and returns success."""

    def __init__(self, title: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self.form = QFormLayout()
        self.form.setVerticalSpacing(8)
        self.message = MessageLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        self.body = QVBoxLayout(self)
        self.body.addLayout(self.form)

    def _finish_layout(self) -> None:
        self.body.addWidget(self.message)
        self.body.addSpacing(4)
        self.body.addWidget(self.buttons)

    def _submit(self) -> None:
        with user_errors(self.message.show_error, self.windowTitle()) as attempt:  # the dialog stays open
            try:
                self.submit()
            except _ShownUnderTheField:
                self.message.clear_message()  # said once, beside the field it is about
                return
        if attempt.failed:
            return
        self.accept()

    def _fit_help(self) -> None:
        """A longer role description must not be cut off: let the dialog grow to show it whole."""
        self.layout().activate()
        self.adjustSize()

    # Each form's service call; declared, not stubbed (Qt's metaclass rules out abc.abstractmethod here).
    submit: Callable[[], None]


class AddUserDialog(_FormDialog):
    def __init__(self, app: AppSession, parent: QWidget | None = None) -> None:
        super().__init__("Add a user", "Add user", parent)
        self.app = app
        self.added: UserInfo | None = None
        self.username = QLineEdit()
        self.username.setPlaceholderText("letters, digits, dots, dashes")
        self.full_name = QLineEdit()
        self.role = role_combo()
        self.role_help = role_label(ROLE_DESCRIPTIONS[Role.CARE_MANAGER], "muted")
        self.phone = QLineEdit()
        self.email = QLineEdit()
        self.passwords = NewPasswordFields(lambda: self.username.text().strip())
        self.form.addRow("&Username:", self.username)
        self.form.addRow("&Full name:", self.full_name)
        self.form.addRow("&Role:", self.role)
        self.form.addRow("", self.role_help)
        self.form.addRow("P&hone:", self.phone)
        self.form.addRow("&Email:", self.email)
        note = role_label("Their first password: tell it to them in person. They can change it in "
                          "File > Change my password.", "muted")
        note.setContentsMargins(0, 10, 0, 0)
        self.form.addRow(note)
        self.passwords.add_to(self.form)
        self._finish_layout()
        self.role.currentIndexChanged.connect(self._role_chosen)
        self.username.textChanged.connect(self.passwords.refresh)

    def _role_chosen(self) -> None:
        self.role_help.setText(ROLE_DESCRIPTIONS[self.role.currentData()])
        self._fit_help()

    def submit(self) -> None:
        username = self.username.text().strip()
        problems = username_problems(username)
        if problems:
            self.username.setFocus()
            raise ValidationFailed(problems[0])
        if self.passwords.show_first_problem():
            raise _ShownUnderTheField
        self.added = users.add_user(self.app, username, self.role.currentData(), self.passwords.password(),
                                    full_name=self.full_name.text().strip(), phone=self.phone.text().strip(),
                                    email=self.email.text().strip())


class EditUserDialog(_FormDialog):
    """Role, full name, phone and email of an existing user."""

    def __init__(self, app: AppSession, user: UserInfo, parent: QWidget | None = None) -> None:
        super().__init__(f"Change {user.username}", "Save", parent)
        self.app = app
        self.user = user
        self.full_name = QLineEdit(user.full_name)
        self.role = role_combo(user.role)
        self.role_help = role_label(ROLE_DESCRIPTIONS[user.role], "muted")
        self.phone = QLineEdit(user.phone)
        self.email = QLineEdit(user.email)
        self.form.addRow("Username:", role_label(user.username))
        self.form.addRow("&Full name:", self.full_name)
        self.form.addRow("&Role:", self.role)
        self.form.addRow("", self.role_help)
        self.form.addRow("P&hone:", self.phone)
        self.form.addRow("&Email:", self.email)
        self._finish_layout()
        self.role.currentIndexChanged.connect(self._role_chosen)

    def _role_chosen(self) -> None:
        self.role_help.setText(ROLE_DESCRIPTIONS[self.role.currentData()])
        self._fit_help()

    def submit(self) -> None:
        users.update_user(self.app, self.user.username, role=self.role.currentData(),
                          full_name=self.full_name.text().strip(), phone=self.phone.text().strip(),
                          email=self.email.text().strip())


class SetPasswordDialog(_FormDialog):
    """An administrator sets someone's password: a reset, or re-enabling a disabled account."""

    def __init__(self, app: AppSession, username: str, *, enable: bool = False,
                 parent: QWidget | None = None) -> None:
        title = f"Enable {username}" if enable else f"Reset the password of {username}"
        super().__init__(title, "Enable account" if enable else "Set password", parent)
        self.app = app
        self.username = username
        self.enable = enable
        self.passwords = NewPasswordFields(lambda: username, first_label="&New password:")
        self.form.addRow(role_label(
            "Tell them the new password in person. They can change it in File > Change my password.", "muted"))
        self.passwords.add_to(self.form)
        self._finish_layout()

    def submit(self) -> None:
        if self.passwords.show_first_problem():
            raise _ShownUnderTheField
        if self.enable:
            users.set_disabled(self.app, self.username, False, self.passwords.password())
        else:
            users.reset_password(self.app, self.username, self.passwords.password())
