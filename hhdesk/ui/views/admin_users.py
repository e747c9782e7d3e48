"""Admin > Users and roles: who may log in, with which role; add, change, reset, disable, enable."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from hhdesk.domain.enums import label
from hhdesk.services import users
from hhdesk.services.users import UserInfo
from hhdesk.ui.dialogs import common
from hhdesk.ui.dialogs.users import AddUserDialog, EditUserDialog, SetPasswordDialog
from hhdesk.ui.errors import user_errors
from hhdesk.ui.sections import SectionHost
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.labels import role_label


class UsersTab(QWidget):
    def __init__(self, host: SectionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.app = host.app
        self.users: list[UserInfo] = []
        self.dialog: QWidget | None = None  # the open add/edit/password dialog, if any
        self.table = ListTable(["Username", "Full name", "Role", "Phone", "Email", "Status"],
                               [140, 200, 120, 130, 200])
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.edit_user())
        self.add_button = QPushButton("&Add user…")
        self.add_button.clicked.connect(self.add_user)
        self.edit_button = QPushButton("&Change role or details…")
        self.edit_button.clicked.connect(self.edit_user)
        self.password_button = QPushButton("&Reset password…")
        self.password_button.setToolTip("Set a new password for someone who forgot theirs")
        self.password_button.clicked.connect(self.reset_password)
        self.disable_button = QPushButton("&Disable")
        self.disable_button.setToolTip("Someone left: their password no longer opens the store")
        self.disable_button.clicked.connect(self.toggle_disabled)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.password_button, self.disable_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.addWidget(role_label(
            "Each person logs in with their own account; their role decides what they may see and change. "
            "When someone leaves, disable their account.", "muted"))
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self._selection_changed()

    def refresh(self) -> None:
        selected = self.table.selected_key()
        with user_errors(self) as attempt:
            self.users = users.list_users(self.app)
        if attempt.failed:
            return
        self.table.set_rows(
            [[u.username, u.full_name, label(u.role), u.phone, u.email, "Disabled" if u.disabled else "Active"]
             for u in self.users],
            keys=[u.username for u in self.users], muted=[u.disabled for u in self.users])
        if selected is not None:
            self.table.select_key(selected)
        self._selection_changed()

    def selected_user(self) -> UserInfo | None:
        key = self.table.selected_key()
        return next((u for u in self.users if u.username == key), None)

    def _selection_changed(self) -> None:
        user = self.selected_user()
        for button in (self.edit_button, self.password_button, self.disable_button):
            button.setEnabled(user is not None)
        self.disable_button.setText("&Enable…" if user is not None and user.disabled else "&Disable")
        if user is not None and user.username == self.app.actor.username:
            self.disable_button.setEnabled(False)

    def _open(self, dialog: QWidget, done_text: str) -> None:
        self.dialog = dialog
        dialog.accepted.connect(lambda: (self.refresh(), self.host.show_status(done_text)))
        dialog.open()

    def add_user(self) -> None:
        dialog = AddUserDialog(self.app, self)
        self._open(dialog, "User added.")
        dialog.accepted.connect(lambda: dialog.added and self.table.select_key(dialog.added.username))

    def edit_user(self) -> None:
        user = self.selected_user()
        if user is not None:
            self._open(EditUserDialog(self.app, user, self), f"{user.username} is changed.")

    def reset_password(self) -> None:
        user = self.selected_user()
        if user is not None:
            self._open(SetPasswordDialog(self.app, user.username, parent=self),
                       f"New password set for {user.username}.")

    def toggle_disabled(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        if user.disabled:
            self._open(SetPasswordDialog(self.app, user.username, enable=True, parent=self),
                       f"{user.username} is enabled.")
            return
        if not common.confirm(self, "Disable account",
                              f"Disable {user.full_name or user.username}? Their password will no longer "
                              "open the store. Their name stays on the records they made.", "Disable"):
            return
        with user_errors(self) as attempt:
            users.set_disabled(self.app, user.username, True)
        if attempt.failed:
            return
        self.refresh()
        self.host.show_status(f"{user.username} is disabled.")
