"""Emergency access: the printed recovery key sets a new password for an account (HIPAA break-glass)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from hhdesk.services import users
from hhdesk.ui.errors import user_errors
from hhdesk.ui.widgets.labels import MessageLabel, role_label
from hhdesk.ui.widgets.password_fields import NewPasswordFields


class RecoverDialog(QDialog):
    """Recovery key, the account, and its new password twice; `users.recover` does the rest (audited)."""

    def __init__(self, store_path: Path, username: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store_path = store_path
        self.setWindowTitle("Set a new password with the recovery key")
        self.setMinimumWidth(520)
        self.key = QLineEdit()
        self.key.setFont(QFont("DejaVu Sans Mono"))
        self.key.setPlaceholderText("the groups of four from the printed page")
        self.username = QLineEdit(username)
        self.passwords = NewPasswordFields(lambda: self.username.text().strip(), first_label="&New password:")
        self.message = MessageLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Set password")
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Recovery key:", self.key)
        form.addRow("&Username:", self.username)
        self.passwords.add_to(form)
        layout = QVBoxLayout(self)
        layout.addWidget(role_label(
            "Usually an administrator resets a forgotten password in Admin > Users and roles. "
            "Use the recovery key only when no administrator can log in. This is recorded in the audit log."
        , "muted"))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.username.textChanged.connect(self.passwords.refresh)

    def _submit(self) -> None:
        problems = self.passwords.problems()
        if not self.key.text().strip():
            self.message.show_error("Type the recovery key.")
            return
        if not self.username.text().strip():
            self.message.show_error("Type the username whose password you are setting.")
            return
        if problems:
            self.message.show_error(problems[0])
            return
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            with user_errors(self.message.show_error, "recovery") as attempt:
                users.recover(self.store_path, self.key.text().strip(), self.username.text().strip(),
                              self.passwords.password())
        finally:
            QGuiApplication.restoreOverrideCursor()
        if attempt.failed:
            return
        self.accept()
