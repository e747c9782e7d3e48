"""The login dialog: a username and a password, and one clear sentence when they do not open the store.

Enter always means Log in (Quit never becomes the default button, not even while a login is being checked),
and the user name offered is the last one that logged in to *this* store on this computer.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hhdesk.clock import AgencyClock, Clock
from hhdesk.services import agency, users
from hhdesk.services.context import AppSession
from hhdesk.ui.errors import user_errors
from hhdesk.ui.prefs import prefs
from hhdesk.ui.widgets.labels import MessageLabel, role_label


def last_username_key(store_path: Path | str) -> str:
    """The preference holding the last user name for this store or server (another remembers its own)."""
    where = store_path if isinstance(store_path, str) else str(store_path.resolve())
    digest = hashlib.sha256(where.encode("utf-8")).hexdigest()[:16]
    return f"last_username/{digest}"


class LoginDialog(QDialog):
    """Accepts with `session` set once a login succeeds. A failed login never changes the store file."""

    def __init__(self, store_path: Path | str, username: str | None = None, message: str = "",
                 parent: QWidget | None = None, *, clock: Clock | None = None) -> None:
        """``store_path``: a store file, or an agency server's postgresql:// URL (the password then logs in to
        the server itself)."""
        super().__init__(parent)
        self.store_path = store_path
        self.clock = clock or AgencyClock()
        self.server = agency.ServerAddress.parse(store_path) if isinstance(store_path, str) else None
        self.session: AppSession | None = None
        self.setWindowTitle("Log in to hhdesk")
        self.setMinimumWidth(420)

        heading = role_label("Log in", "heading")
        where = role_label(f"Agency server: {self.server.display}" if self.server else f"Store: {store_path}",
                           "muted")
        where.setToolTip(self.server.display if self.server else str(store_path))
        self.notice = MessageLabel()
        if message:
            self.notice.show_ok(message)

        self.username = QLineEdit(username or str(prefs().value(last_username_key(store_path), "") or ""))
        self.username.setAccessibleName("Username")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.message = MessageLabel()

        form = QFormLayout()
        form.setVerticalSpacing(10)
        form.addRow("&Username:", self.username)
        form.addRow("&Password:", self.password)

        self.forgot = QPushButton("Forgot your password?")
        self.forgot.setProperty("role", "link")
        self.forgot.setAutoDefault(False)
        self.forgot.setCursor(Qt.CursorShape.PointingHandCursor)
        self.forgot.setToolTip("An administrator can reset any password in Admin > Users and roles. "
                               "The printed recovery key sets a new password when no administrator can.")
        self.forgot.clicked.connect(self._forgot)
        if self.server is not None:  # a server keeps no recovery key: an administrator resets the password
            self.forgot.setToolTip("Ask an administrator to set a new password for you (Admin > Users and roles).")

        buttons = QDialogButtonBox()
        self.login_button = buttons.addButton("Log in", QDialogButtonBox.ButtonRole.AcceptRole)
        self.login_button.setDefault(True)
        self.quit_button = buttons.addButton("Quit", QDialogButtonBox.ButtonRole.RejectRole)
        self.quit_button.setAutoDefault(False)
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(where)
        layout.addWidget(self.notice)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addSpacing(6)
        layout.addWidget(buttons)
        layout.addWidget(self.forgot, 0, Qt.AlignmentFlag.AlignLeft)

        self.setTabOrder(self.username, self.password)
        self.setTabOrder(self.password, self.login_button)
        (self.password if self.username.text() else self.username).setFocus()

    def try_login(self) -> bool:
        username = self.username.text().strip()
        password = self.password.text()
        if not username:
            self.message.show_error("Type your username.")
            self.username.setFocus()
            return False
        if not password:
            self.message.show_error("Type your password.")
            self.password.setFocus()
            return False
        self.message.clear_message()
        self.login_button.setEnabled(False)
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            with user_errors(self.message.show_error, "login") as attempt:
                if self.server is not None:
                    self.session = agency.login(self.server, username, password, clock=self.clock)
                else:
                    assert isinstance(self.store_path, Path)
                    self.session = users.login(self.store_path, username, password, clock=self.clock)
        finally:
            QGuiApplication.restoreOverrideCursor()
            self.login_button.setEnabled(True)
            self.login_button.setDefault(True)  # disabling it for the check let Qt pick another default
        if attempt.failed:
            self.password.clear()
            self.password.setFocus()
            return False
        prefs().setValue(last_username_key(self.store_path), username)
        self.password.clear()
        self.accept()
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.quit_button.hasFocus() \
                and not self.forgot.hasFocus():
            self.try_login()
            return
        super().keyPressEvent(event)

    def _forgot(self) -> None:
        if self.server is not None:
            self.message.show_error("On an agency's server an administrator sets a new password for you "
                                    "(Admin > Users and roles); there is no recovery key.")
            return
        from hhdesk.ui.dialogs.recover import RecoverDialog

        assert isinstance(self.store_path, Path)

        dialog = RecoverDialog(self.store_path, self.username.text().strip(), self)
        dialog.accepted.connect(lambda: self._recovered(dialog.username.text().strip()))
        dialog.open()

    def _recovered(self, username: str) -> None:
        self.username.setText(username)
        self.password.clear()
        self.message.clear_message()
        self.notice.show_ok("The new password is set. Log in with it.")
        self.password.setFocus()
