"""File > Change my password…: the current password, then the new one twice."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from hhdesk.services import users
from hhdesk.services.context import AppSession
from hhdesk.ui.errors import user_errors
from hhdesk.ui.widgets.labels import MessageLabel
from hhdesk.ui.widgets.password_fields import NewPasswordFields


class ChangePasswordDialog(QDialog):
    def __init__(self, app: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.setWindowTitle("Change my password")
        self.setMinimumWidth(440)
        self.current = QLineEdit()
        self.current.setEchoMode(QLineEdit.EchoMode.Password)
        self.passwords = NewPasswordFields(lambda: app.actor.username, first_label="&New password:")
        self.message = MessageLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Change password")
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Current password:", self.current)
        self.passwords.add_to(form)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def _submit(self) -> None:
        problems = self.passwords.problems()
        if problems:
            self.message.show_error(problems[0])
            return
        with user_errors(self.message.show_error, "changing a password") as attempt:
            users.change_own_password(self.app, self.current.text(), self.passwords.password())
        if attempt.failed:
            return
        self.accept()
