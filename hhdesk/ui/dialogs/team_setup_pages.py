"""The first-run wizard's pages for a team: joining the agency's host from a workstation, and making this
computer the host.

The host page hands its form to `hhdesk.services.host_setup.setup_host` on the background worker (creating a
database cluster takes a minute) and shows its steps as they happen; the page after it shows what the
workstations need: the join file's place and the certificate fingerprint to read aloud.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from hhdesk.clock import Clock
from hhdesk.config import data_dir
from hhdesk.domain.passwords import username_problems
from hhdesk.errors import UserError
from hhdesk.services import host_setup, workstation_join
from hhdesk.services.join_file import JoinDetails, read_join_file
from hhdesk.ui import workers
from hhdesk.ui.dialogs import common
from hhdesk.ui.dialogs.recovery_sheet import HOST_KEY_OPENS, key_lines, print_recovery_sheet
from hhdesk.ui.errors import report as report_error
from hhdesk.ui.errors import user_errors
from hhdesk.ui.widgets.labels import MessageLabel, role_label
from hhdesk.ui.widgets.password_fields import NewPasswordFields


class TeamWizard(Protocol):
    """What these pages need of the wizard they are in (`hhdesk.ui.dialogs.setup_wizard.SetupWizard`)."""

    joined_host: workstation_join.JoinedHost | None
    admin_username: str
    clock: Clock
    host_page: HostSetupPage

    def next(self) -> None: ...

# The smallest override reason worth writing in the audit log: a few words, not a shrug.
MIN_OVERRIDE_REASON = 12


def fingerprint_lines(fingerprint: str, pairs_per_line: int = 8) -> str:
    """The fingerprint in lines of whole pairs, the way it is read aloud: a line at a time."""
    pairs = fingerprint.split(":")
    return "\n".join(":".join(pairs[i:i + pairs_per_line]) for i in range(0, len(pairs), pairs_per_line))


def fingerprint_sheet_html(organization: str, fingerprint: str, join_file: str, on: date) -> str:
    """The printed page a workstation's person compares with: whose host, when, the fingerprint, what to do."""
    lines = "<br>".join(html.escape(line) for line in fingerprint_lines(fingerprint).splitlines())
    return f"""
    <h2>hhdesk: the agency's host</h2>
    <p><b>Agency:</b> {html.escape(organization)}<br><b>Set up:</b> {on.strftime("%B %d, %Y")}<br>
    <b>Join file:</b> {html.escape(join_file)}</p>
    <p>Certificate fingerprint:</p>
    <p style="font-family: 'DejaVu Sans Mono', 'Courier New', monospace; font-size: 15pt;
       border: 1px solid #888; padding: 12px;">{lines}</p>
    <p>When a workstation joins, hhdesk shows a fingerprint: it must be the same as this one, pair by pair.
    If it differs, do not join; tell the administrator.</p>
    """


def _add_file_row(form: QFormLayout, label: str, edit: QLineEdit, choose: Callable[[], None]) -> None:
    """A path field with its Choose… button; the label's mnemonic goes to the field (a layout takes none)."""
    caption = QLabel(label)
    caption.setBuddy(edit)
    form.addRow(caption, _file_row(edit, "Choose…", choose))


def _file_row(edit: QLineEdit, button_text: str, choose: Callable[[], None]) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    button = QPushButton(button_text)
    button.clicked.connect(choose)
    row.addWidget(button)
    return row


def _fingerprint_label() -> Any:
    label = role_label("", "fingerprint", wrap=False)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class JoinHostPage(QWizardPage):
    """"Connect to the agency's host": the join file, what it says, the fingerprint to compare, then join."""

    def __init__(self, wizard: TeamWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.details: JoinDetails | None = None
        self.setTitle("Connect to the agency's host")
        self.setSubTitle("Choose the join file the administrator gave you (it ends in .hhjoin).")
        self.setFinalPage(True)
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Join the host")
        self.path = QLineEdit()
        self.path.setPlaceholderText("for example E:\\riverside.hhjoin")
        self.organization = role_label("")
        self.host = role_label("")
        self.fingerprint = _fingerprint_label()
        self.matches = QCheckBox("The fingerprint is the same as the one the administrator read aloud or printed")
        self.message = MessageLabel()
        self.details_form = QWidget()
        form = QFormLayout(self.details_form)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Agency:", self.organization)
        form.addRow("Host computer:", self.host)
        form.addRow("Certificate fingerprint:", self.fingerprint)
        layout = QVBoxLayout(self)
        top = QFormLayout()
        _add_file_row(top, "Join &file:", self.path, self._choose)
        layout.addLayout(top)
        layout.addSpacing(8)
        layout.addWidget(self.details_form)
        layout.addSpacing(8)
        layout.addWidget(role_label(
            "Compare the fingerprint with the administrator's, pair by pair. If they differ, the file is not the "
            "one the host wrote: do not join, and ask the administrator.", "muted"))
        layout.addWidget(self.matches)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.details_form.setVisible(False)
        self.matches.setVisible(False)
        # Leaving the field reads the file. A line edit also finishes editing while its page is torn down;
        # the check keeps that last signal from reaching a page that is half gone.
        self.path.editingFinished.connect(lambda: self._read_if_alive())
        self.matches.toggled.connect(self.completeChanged)

    def nextId(self) -> int:
        return -1

    def _choose(self) -> None:
        chosen = common.ask_open_path(self, "Choose the join file", Path.home(), "hhdesk join files (*.hhjoin)")
        if chosen is not None:
            self.path.setText(str(chosen))
            self._read()

    def _read_if_alive(self) -> None:
        if shiboken6.isValid(self):
            self._read()

    def _read(self) -> None:
        self.details = None
        self.matches.setChecked(False)
        text = self.path.text().strip()
        if text:
            with user_errors(self.message.show_error, "reading a join file") as attempt:
                self.details = read_join_file(Path(text).expanduser())
            if not attempt.failed:
                self.message.clear_message()
        else:
            self.message.clear_message()
        details = self.details
        if details is not None:
            self.organization.setText(details.organization)
            computer = details.computer_name or details.host_name
            self.host.setText(f"{computer} (last known address {details.addresses[0]}, port {details.port})")
            self.fingerprint.setText(fingerprint_lines(details.fingerprint))
        self.details_form.setVisible(details is not None)
        self.matches.setVisible(details is not None)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.details is not None and self.matches.isChecked()

    def validatePage(self) -> bool:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            with user_errors(self.message.show_error, "joining the agency's host") as attempt:
                self._wizard.joined_host = workstation_join.join(Path(self.path.text().strip()).expanduser())
        finally:
            QGuiApplication.restoreOverrideCursor()
        return not attempt.failed


class HostSetupPage(QWizardPage):
    """"This computer will hold the agency's data for the team": the form, then `setup_host` in the background."""

    def __init__(self, wizard: TeamWizard, setup: Callable[..., Any] | None = None) -> None:
        super().__init__()
        self._wizard = wizard
        self._setup = setup
        self.report: host_setup.HostSetupReport | None = None
        self.running = False
        self.setTitle("This computer will hold the agency's data for the team")
        self.setSubTitle("Every workstation will connect to it. Choose a computer that stays on, wired to the "
                         "office network, with an encrypted disk.")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Set up this computer")
        suggested = data_dir() / "agency-host"
        self.data_folder = QLineEdit(str(suggested))
        self.organization = QLineEdit()
        self.organization.setPlaceholderText("for example Riverside Health Home")
        self.admin = QLineEdit()
        self.admin.setPlaceholderText("for example jsmith")
        self.passwords = NewPasswordFields(lambda: self.admin.text().strip())
        self.port = QSpinBox()
        self.port.setRange(1024, 65535)
        self.port.setValue(5432)
        self.staff = QSpinBox()
        self.staff.setRange(host_setup.MINIMUM_STAFF, host_setup.MAXIMUM_STAFF)
        self.staff.setValue(host_setup.DEFAULT_STAFF)
        self.staff.setSuffix(" people")
        self.staff.setToolTip("How many people will use hhdesk at the same time; the database is sized for them.")
        self.import_store = QLineEdit()
        self.import_store.setPlaceholderText("optional: the store this agency used on one computer until now")
        self.import_password = QLineEdit()
        self.import_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.import_password.setPlaceholderText("that store's administrator password")
        self.join_file = QLineEdit(str(suggested / "agency.hhjoin"))
        self.unencrypted = QCheckBox("This computer's disk is not encrypted, and the agency accepts the risk")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why, in a sentence (written in the audit log)")
        self.reason.setEnabled(False)
        self.message = MessageLabel()
        form = QFormLayout()
        _add_file_row(form, "&Data folder:", self.data_folder, self._choose_folder)
        form.addRow("&Organization:", self.organization)
        form.addRow("First &administrator:", self.admin)
        self.passwords.add_to(form)
        _add_file_row(form, "&Import a store:", self.import_store, self._choose_store)
        form.addRow("Its password:", self.import_password)
        form.addRow("&Write the join file to:", self.join_file)
        form.addRow("&Port:", self.port)
        form.addRow("Team &size:", self.staff)
        form.addRow("", self.unencrypted)
        form.addRow("&Reason:", self.reason)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        for edit in (self.organization, self.admin, self.data_folder, self.join_file, self.reason,
                     self.import_store, self.import_password):
            edit.textChanged.connect(self._changed)
        self.passwords.changed.connect(self.completeChanged)
        self.unencrypted.toggled.connect(self._unencrypted_toggled)

    def _changed(self) -> None:
        self.passwords.refresh()
        self.completeChanged.emit()

    def _unencrypted_toggled(self, checked: bool) -> None:
        self.reason.setEnabled(checked)
        self.completeChanged.emit()

    def _choose_folder(self) -> None:
        chosen = common.ask_folder(self, "The host's data folder", Path(self.data_folder.text() or data_dir()))
        if chosen is not None:
            self.data_folder.setText(str(chosen))
            self.join_file.setText(str(chosen / "agency.hhjoin"))

    def _choose_store(self) -> None:
        chosen = common.ask_open_path(self, "The store to import", data_dir(), "hhdesk stores (*.hhdesk)")
        if chosen is not None:
            self.import_store.setText(str(chosen))

    def problems(self) -> list[str]:
        problems = []
        if not self.organization.text().strip():
            problems.append("Enter the organization's name.")
        problems += username_problems(self.admin.text().strip())
        problems += self.passwords.problems()
        if not self.data_folder.text().strip() or not self.join_file.text().strip():
            problems.append("Choose the data folder and where to write the join file.")
        if self.unencrypted.isChecked() and len(self.reason.text().strip()) < MIN_OVERRIDE_REASON:
            problems.append("Say in a sentence why the agency's data may go on a disk that is not encrypted.")
        if self.import_store.text().strip() and not self.import_password.text():
            problems.append("Enter the password of the store to import.")
        return problems

    def isComplete(self) -> bool:
        return self.report is not None or (not self.running and not self.problems())

    def validatePage(self) -> bool:
        if self.report is not None:
            return True
        problems = self.problems()
        if problems:
            self.message.show_error(problems[0])
            return False
        with user_errors(self.message.show_error, "setting up the host") as attempt:
            request = host_setup.HostSetupRequest(
                data_dir=Path(self.data_folder.text().strip()).expanduser(),
                org=self.organization.text().strip(), admin=self.admin.text().strip(),
                admin_password=self.passwords.password(),
                join_file=Path(self.join_file.text().strip()).expanduser(), port=self.port.value(),
                staff=self.staff.value(),
                import_store=Path(self.import_store.text().strip()).expanduser() if self.import_store.text().strip()
                else None,
                import_password=self.import_password.text() or None,
                allow_unencrypted_disk=self.reason.text().strip() if self.unencrypted.isChecked() else None)
        if attempt.failed:
            return False
        setup = self._setup or host_setup.setup_host
        self.running = True
        self.message.clear_message()
        self.completeChanged.emit()

        def job(progress: workers.Progress) -> Any:
            steps: list[str] = []

            def said(step: str) -> None:
                steps.append(step)
                progress.report(len(steps), 0, step)

            return setup(request, said)

        workers.run_in_background(self, "Setting up this computer as the agency's host", job, self._done,
                                  self._failed, cancellable=False)
        return False

    def _done(self, report: host_setup.HostSetupReport) -> None:
        self.running = False
        self.report = report
        self._wizard.admin_username = self.admin.text().strip()
        self.passwords.clear()
        self.import_password.clear()
        self.completeChanged.emit()
        QTimer.singleShot(0, self._wizard.next)

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        self.completeChanged.emit()
        if isinstance(exc, UserError):
            self.message.show_error(str(exc))
        else:
            self.message.show_error(report_error(exc, "setting up the host"))


class HostReadyPage(QWizardPage):
    """What the workstations need: where the join file is and the fingerprint to read aloud; the findings."""

    def __init__(self, wizard: TeamWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("This computer is the agency's host")
        self.setSubTitle("Give each workstation the join file, and read the fingerprint aloud when it is joined.")
        self.setFinalPage(True)
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Log in")
        self.join_file = role_label("")
        self.join_file.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprint = _fingerprint_label()
        self.findings = role_label("")
        self.runs_by_itself = role_label("", wrap=True)
        self.message = MessageLabel()
        self.print_button = QPushButton("&Print the fingerprint…")
        self.print_button.clicked.connect(self._print)
        self.recovery_key = role_label("", "recovery-key", wrap=True)
        self.recovery_key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.print_key_button = QPushButton("Print the &recovery key…")
        self.print_key_button.clicked.connect(self._print_key)
        self.key_confirm = QCheckBox("I have printed or written down the recovery key")
        self.key_confirm.toggled.connect(self.completeChanged)
        self.key_box = QWidget()
        key_layout = QVBoxLayout(self.key_box)
        key_layout.setContentsMargins(0, 0, 0, 0)
        key_layout.addWidget(role_label(
            "The agency's recovery key, shown only this once: if every administrator forgets their password, it "
            "is the only way to open the host's backups. Keep it locked away from this computer."))
        key_layout.addWidget(self.recovery_key)
        key_buttons = QHBoxLayout()
        key_buttons.addWidget(self.print_key_button)
        key_buttons.addStretch(1)
        key_layout.addLayout(key_buttons)
        key_layout.addWidget(self.key_confirm)
        self.key_box.hide()
        form = QFormLayout()
        form.addRow("Join file:", self.join_file)
        form.addRow("Certificate fingerprint:", self.fingerprint)
        form.addRow("", self.print_button)
        # The page holds more than a small wizard shows: it scrolls rather than squeezing the fingerprint or
        # the recovery key out of sight, and the window grows to show it all where the screen allows.
        self.body = QWidget()
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroller)
        layout = QVBoxLayout(self.body)
        layout.addLayout(form)
        layout.addSpacing(8)
        layout.addWidget(role_label(
            "Copy the join file to each workstation (a USB stick, or a folder only staff can open). On the "
            "workstation, hhdesk shows the fingerprint: read this one aloud, or print this page, so that the "
            "person there can check it is the same.", "muted"))
        layout.addSpacing(8)
        layout.addWidget(self.key_box)
        layout.addSpacing(8)
        layout.addWidget(role_label("What hhdesk checked on this computer:"))
        layout.addWidget(self.findings)
        layout.addWidget(self.runs_by_itself)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.scroller.setWidget(self.body)

    def nextId(self) -> int:
        return -1

    def initializePage(self) -> None:
        report = self._wizard.host_page.report
        if report is None:
            return
        self.join_file.setText(str(report.join_file))
        self.fingerprint.setText(fingerprint_lines(report.fingerprint))
        marks = {True: "✓", False: "✗", None: "?"}
        self.findings.setText("\n".join(f"{marks.get(check.ok, '?')}  {check.name}: {check.finding}"
                                        for check in report.checks) or "(no checks were reported)")
        self.runs_by_itself.setText("\n".join(s for s in (report.at_boot, report.nightly_backup, report.firewall) if s))
        self.runs_by_itself.setVisible(bool(self.runs_by_itself.text()))
        # A store imported onto the host keeps its own recovery key; only a new agency gets one to print.
        self.key_box.setVisible(bool(report.recovery_key))
        self.recovery_key.setText("\n".join(key_lines(report.recovery_key or "")))
        QTimer.singleShot(0, self._grow_to_fit)

    def _grow_to_fit(self) -> None:
        window = self.window()
        screen = window.screen().availableGeometry() if window.screen() is not None else None
        missing = self.body.sizeHint().height() - self.scroller.viewport().height()
        if screen is None or missing <= 0 or not window.isVisible():
            return
        height = min(window.height() + missing + 8, screen.height() - 60)
        window.resize(window.width(), height)
        if window.frameGeometry().bottom() > screen.bottom():
            window.move(window.x(), max(screen.top(), screen.bottom() - window.frameGeometry().height()))

    def isComplete(self) -> bool:
        report = self._wizard.host_page.report
        return report is None or not report.recovery_key or self.key_confirm.isChecked()

    def _print_key(self) -> None:
        report = self._wizard.host_page.report
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the recovery key")
        if report is not None and report.recovery_key and dialog.exec() == QPrintDialog.DialogCode.Accepted:
            print_recovery_sheet(printer, self._wizard.host_page.organization.text().strip(), report.recovery_key,
                                 self._wizard.clock.today(), HOST_KEY_OPENS)

    def _finished(self) -> host_setup.HostSetupReport:
        report = self._wizard.host_page.report
        if report is None:  # the wizard reaches this page only through a finished setup
            raise RuntimeError("the host's ready page was shown before its setup finished")
        return report

    def sheet_html(self) -> str:
        report = self._finished()
        return fingerprint_sheet_html(self._wizard.host_page.organization.text().strip(), report.fingerprint,
                                      str(report.join_file), self._wizard.clock.today())

    def _print(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the host's fingerprint")
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            document = QTextDocument()
            document.setHtml(self.sheet_html())
            document.print_(printer)

    def validatePage(self) -> bool:
        # This computer uses the host as a workstation does, through its own join file.
        report = self._finished()
        with user_errors(self.message.show_error, "joining this computer to its own host") as attempt:
            self._wizard.joined_host = workstation_join.join(Path(report.join_file))
        return not attempt.failed
