"""First-run setup: the agency, the first administrator, then the recovery key shown once to be printed."""

from __future__ import annotations

import html
import sys
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QFont, QGuiApplication, QPageLayout, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from hhdesk.clock import AgencyClock, Clock
from hhdesk.domain.passwords import username_problems
from hhdesk.services import users
from hhdesk.ui.dialogs import common
from hhdesk.ui.errors import user_errors
from hhdesk.ui.widgets.agency_form import AgencyForm
from hhdesk.ui.widgets.labels import MessageLabel, role_label
from hhdesk.ui.widgets.password_fields import NewPasswordFields


def key_lines(key: str, groups_per_line: int = 5) -> list[str]:
    """The key in lines of whole groups, so that it never wraps inside a group (separators are ignored
    when the key is typed back)."""
    groups = key.split("-")
    return ["-".join(groups[i : i + groups_per_line]) for i in range(0, len(groups), groups_per_line)]


def recovery_sheet_html(agency_name: str, key: str, on: date) -> str:
    """The printed page: who it belongs to, when it was made, the key, and what to do with it."""
    agency = html.escape(agency_name)
    return f"""
    <h2>hhdesk recovery key</h2>
    <p><b>Agency:</b> {agency}<br><b>Created:</b> {on.strftime("%B %d, %Y")}</p>
    <p style="font-family: 'DejaVu Sans Mono', 'Courier New', monospace; font-size: 16pt;
       border: 1px solid #888; padding: 12px;">{"<br>".join(html.escape(line) for line in key_lines(key))}</p>
    <p>This key opens the agency's hhdesk store if every administrator password is lost.
    Keep this page in a locked place, away from the computer. Anyone holding it together with a copy
    of the store can read every record.</p>
    <p>Stored at: ______________________ &nbsp; By: ______________________</p>
    """


def print_recovery_sheet(printer: QPrinter, agency_name: str, key: str, today: date) -> None:
    document = QTextDocument()
    document.setDefaultFont(QFont("DejaVu Sans", 11))
    document.setHtml(recovery_sheet_html(agency_name, key, today))
    document.print_(printer)


class _IntroPage(QWizardPage):
    def __init__(self, store_path: Path) -> None:
        super().__init__()
        self.setTitle("Welcome to hhdesk")
        self.setSubTitle("Three short steps set up the agency's store on this computer.")
        layout = QVBoxLayout(self)
        layout.addWidget(role_label(
            "hhdesk keeps the agency's members, care plans and billing in one encrypted file. "
            "You will enter the agency's details, create the first administrator account, and then "
            "print a recovery key that opens the store if every password is lost."
        ))
        layout.addSpacing(12)
        layout.addWidget(role_label("The store will be created at:", "muted"))
        where = role_label(str(store_path))
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(where)
        layout.addStretch(1)


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
    """Creates the store at `store_path`; afterwards `admin_username` is who logs in first."""

    store_created = Signal(str)

    def __init__(self, store_path: Path, parent: QWidget | None = None, *, clock: Clock | None = None) -> None:
        super().__init__(parent)
        self.store_path = store_path
        self.clock = clock or AgencyClock()
        self.recovery_key: str | None = None
        self.admin_username = ""
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
        for page in (self.intro_page, self.agency_page, self.admin_page, self.key_page):
            self.addPage(page)
        self.currentIdChanged.connect(self._page_changed)

    def _page_changed(self, _page_id: int) -> None:
        if self.currentPage() is self.key_page and self.recovery_key:
            self.store_created.emit(self.admin_username)

    def reject(self) -> None:
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
        if self.recovery_key is not None and not self.key_page.confirm.isChecked():
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)

