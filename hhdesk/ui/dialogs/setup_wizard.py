"""First-run setup: the agency, the first administrator, then the recovery key shown once to be printed."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QPageLayout
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from hhdesk.clock import AgencyClock, Clock
from hhdesk.domain.passwords import username_problems
from hhdesk.services import users
from hhdesk.services.workstation_join import JoinedHost
from hhdesk.ui.dialogs import common
from hhdesk.ui.dialogs.recovery_sheet import key_lines, print_recovery_sheet
from hhdesk.ui.dialogs.team_setup_pages import HostReadyPage, HostSetupPage, JoinHostPage
from hhdesk.ui.errors import user_errors
from hhdesk.ui.widgets.agency_form import AgencyForm
from hhdesk.ui.widgets.labels import MessageLabel, role_label
from hhdesk.ui.widgets.password_fields import NewPasswordFields

# Page ids: the single-computer path first, then a workstation joining a host, then the host itself.
INTRO_ID, AGENCY_ID, ADMIN_ID, KEY_ID, JOIN_ID, HOST_ID, HOST_READY_ID = 0, 1, 2, 3, 10, 20, 21


class _IntroPage(QWizardPage):
    def __init__(self, store_path: Path) -> None:
        super().__init__()
        self.setTitle("Welcome to hhdesk")
        self.setSubTitle("How will this computer use hhdesk?")
        self.alone = QRadioButton("&Only on this computer: the agency's records in one encrypted file here")
        self.workstation = QRadioButton("As a &workstation of an agency whose host computer is already set up")
        self.host = QRadioButton("As the agency's &host: this computer will hold the agency's data for the team")
        self.alone.setChecked(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.alone)
        alone = role_label(
            "Three short steps: the agency's details, the first administrator account, and a recovery key to "
            "print that opens the store if every password is lost. The store will be created at:", "muted")
        alone.setContentsMargins(24, 0, 0, 0)
        layout.addWidget(alone)
        where = role_label(str(store_path))
        where.setContentsMargins(24, 0, 0, 0)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(where)
        layout.addSpacing(12)
        layout.addWidget(self.workstation)
        joining = role_label("You need the join file the administrator gave you.", "muted")
        joining.setContentsMargins(24, 0, 0, 0)
        layout.addWidget(joining)
        layout.addSpacing(12)
        layout.addWidget(self.host)
        hosting = role_label("For a team: one always-on computer holds the data; every workstation connects to "
                             "it.", "muted")
        hosting.setContentsMargins(24, 0, 0, 0)
        layout.addWidget(hosting)
        layout.addStretch(1)

    def nextId(self) -> int:
        if self.workstation.isChecked():
            return JOIN_ID
        return HOST_ID if self.host.isChecked() else AGENCY_ID


class _AgencyPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("The agency")
        self.setSubTitle("These details print on letters and care plans. You can change them later in Admin.")
        self.form = AgencyForm()
        self.message = MessageLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.form.changed.connect(self._changed)

    def _changed(self) -> None:
        # The name is simply required and the NPI has its own message under the field.
        problems = [p for p in self.form.problems() if "needs a name" not in p and "NPI" not in p]
        if problems:
            self.message.show_error(problems[0])
        else:
            self.message.clear_message()
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # Qt's name
        return not self.form.problems()


class _AdminPage(QWizardPage):
    """The first administrator. Leaving this page creates the store (a commit page: no way back)."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("The first administrator")
        self.setSubTitle("This account manages users, settings and backups. Each person gets their own account.")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Create the store")
        self.username = QLineEdit()
        self.username.setPlaceholderText("for example jsmith")
        self.full_name = QLineEdit()
        self.passwords = NewPasswordFields(lambda: self.username.text().strip())
        self.message = MessageLabel()
        form = QFormLayout()
        form.addRow("&Username:", self.username)
        form.addRow("&Full name:", self.full_name)
        self.passwords.add_to(form)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.username.textChanged.connect(self._changed)
        self.passwords.changed.connect(self.completeChanged)

    def _changed(self) -> None:
        self.passwords.refresh()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        username = self.username.text().strip()
        return bool(username) and not username_problems(username) and not self.passwords.problems()

    def validatePage(self) -> bool:
        username = self.username.text().strip()
        problems = username_problems(username)
        if problems:
            self.message.show_error(problems[0])
            return False
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            with user_errors(self.message.show_error, "creating the store") as attempt:
                key = users.create_store(self._wizard.store_path, self._wizard.agency_page.form.info(), username,
                                         self.passwords.password(), self.full_name.text().strip())
        finally:
            QGuiApplication.restoreOverrideCursor()
        if attempt.failed:
            return False
        self._wizard.recovery_key = key
        self._wizard.admin_username = username
        self.passwords.clear()
        return True


class _RecoveryKeyPage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("The recovery key")
        self.setSubTitle("Print it or write it down now: hhdesk shows it only this once.")
        self.key_label = role_label("", "recovery-key", wrap=True)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.print_button = QPushButton("&Print…")
        self.print_button.setToolTip("Print a page with the agency's name, today's date and the key")
        self.print_button.clicked.connect(self._print)
        self.confirm = QCheckBox("I have printed or written down the recovery key")
        self.confirm.toggled.connect(self.completeChanged)
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(role_label(
            "If every administrator forgets their password, this key is the only way into the store. "
            "Keep it in a locked place away from this computer; whoever has it can open the store."
        ))
        layout.addSpacing(8)
        layout.addWidget(self.key_label)
        layout.addLayout(buttons)
        layout.addSpacing(16)
        layout.addWidget(self.confirm)
        layout.addStretch(1)

    def nextId(self) -> int:
        return -1

    def initializePage(self) -> None:
        self.key_label.setText("\n".join(key_lines(self._wizard.recovery_key or "")))

    def isComplete(self) -> bool:
        return self.confirm.isChecked()

    def _print(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageOrientation(QPageLayout.Orientation.Portrait)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the recovery key")
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            print_recovery_sheet(printer, self._wizard.agency_page.form.info().name,
                                 self._wizard.recovery_key or "", self._wizard.clock.today())


class SetupWizard(QWizard):
    """Creates the store at `store_path`, or joins an agency's host, or makes this computer the host (with
    `host_setup` in place of `hhdesk.services.host_setup.setup_host` when given); afterwards `admin_username`
    is who logs in first, and `joined_host` the host to log in to (None for a store file)."""

    store_created = Signal(str)

    def __init__(self, store_path: Path, parent: QWidget | None = None, *, clock: Clock | None = None,
                 host_setup: Callable[..., Any] | None = None) -> None:
        super().__init__(parent)
        self.store_path = store_path
        self.clock = clock or AgencyClock()
        self.recovery_key: str | None = None
        self.admin_username = ""
        # set when this computer joined an agency's host (as a workstation, or as the host itself)
        self.joined_host: JoinedHost | None = None
        self.setWindowTitle("Set up hhdesk")
        if sys.platform != "darwin":
            self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setMinimumSize(640, 560)
        self.intro_page = _IntroPage(store_path)
        self.agency_page = _AgencyPage()
        self.admin_page = _AdminPage(self)
        self.key_page = _RecoveryKeyPage(self)
        self.join_page = JoinHostPage(self)
        self.host_page = HostSetupPage(self, host_setup)
        self.host_ready_page = HostReadyPage(self)
        for page_id, page in ((INTRO_ID, self.intro_page), (AGENCY_ID, self.agency_page),
                              (ADMIN_ID, self.admin_page), (KEY_ID, self.key_page), (JOIN_ID, self.join_page),
                              (HOST_ID, self.host_page), (HOST_READY_ID, self.host_ready_page)):
            self.setPage(page_id, page)
        self.currentIdChanged.connect(self._page_changed)

    def _page_changed(self, _page_id: int) -> None:
        if self.currentPage() is self.key_page and self.recovery_key:
            self.store_created.emit(self.admin_username)

    def reject(self) -> None:
        if self.currentPage() is self.host_ready_page and not self.host_ready_page.isComplete():
            common.inform(self, "Set up hhdesk", "Please print or write down the recovery key first, then tick "
                          "the box and click Log in.")
            return
        if self.recovery_key is None:
            super().reject()
            return
        # The store exists: leaving now would lose the only sight of the recovery key.
        if self.key_page.confirm.isChecked():
            self.accept()
            return
        common.inform(self, "Set up hhdesk",
                      "Please print or write down the recovery key first, then tick the box and click Finish.")

    def closeEvent(self, event: QCloseEvent) -> None:
        if (self.recovery_key is not None and not self.key_page.confirm.isChecked()) or (
                self.currentPage() is self.host_ready_page and not self.host_ready_page.isComplete()):
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)

