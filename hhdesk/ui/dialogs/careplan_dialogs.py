"""Dialogs of the Care plan tab: Sign…, Compare versions…, and "shared with the PCP on …".

Each calls one service and keeps the answer (``result``) for the tab; the rules are checked by the service,
and every problem it finds is listed under the form in the user's words.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain import careplan as rules
from hhdesk.domain.careplan import SignerRole
from hhdesk.domain.careplan_diff import ChangeKind, PlanDiff
from hhdesk.domain.enums import SignatureMethod
from hhdesk.services import careplans, settings
from hhdesk.services.careplans import CarePlanVersionView, SignatureInput, VersionSummary
from hhdesk.services.context import AppSession
from hhdesk.ui.dialogs import common
from hhdesk.ui.errors import user_errors
from hhdesk.ui.unsaved import UnsavedEditsDialog
from hhdesk.ui.widgets.fields import date_picker
from hhdesk.ui.widgets.labels import MessageLabel, role_label
from hhdesk.ui.widgets.text import format_date
from hhdesk.ui.window_placement import preferred_size

MAX_SCAN_BYTES = careplans.MAX_SCAN_BYTES


class SignCarePlanDialog(UnsavedEditsDialog, QDialog):
    """Record who signed the draft and when; on success ``result`` is the version, now active."""

    def __init__(self, app: AppSession, version: CarePlanVersionView, member_name: str,
                 default_signer_id: int | None, parent: QWidget | None = None, today: date | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.version = version
        self.today = today or app.clock.today()
        self.result: CarePlanVersionView | None = None
        self.scanned: tuple[str, bytes] | None = None
        self.setWindowTitle(f"Sign the care plan, version {version.version_no}")
        self.setMinimumWidth(520)
        self._months = settings.get_settings(app).care_plan_review_months

        self.member_name = QLineEdit(member_name)
        self.member_name.setAccessibleName("Signed by")
        self.member_role = QComboBox()
        self.member_role.addItem("Member", SignerRole.MEMBER)
        self.member_role.addItem("Guardian", SignerRole.GUARDIAN)
        self.member_date = date_picker(self.today, today=self.today, name="Member's signature date")
        member_box = QGroupBox("Member or guardian")
        member_form = QFormLayout(member_box)
        member_form.addRow("Signed &by:", self.member_name)
        member_form.addRow("Signed &as:", self.member_role)
        member_form.addRow("&Date signed:", self.member_date)

        self.signer = QComboBox()
        for choice in careplans.signer_choices(app):
            self.signer.addItem(choice.name, choice.user_id)
        position = self.signer.findData(default_signer_id) if default_signer_id is not None else -1
        self.signer.setCurrentIndex(max(position, 0))
        self.signer_date = date_picker(self.today, today=self.today, name="Care manager's signature date")
        manager_box = QGroupBox("Care manager")
        manager_form = QFormLayout(manager_box)
        manager_form.addRow("&Care manager:", self.signer)
        manager_form.addRow("Da&te signed:", self.signer_date)

        self.methods = QButtonGroup(self)
        method_box = QGroupBox("How it was signed")
        method_layout = QVBoxLayout(method_box)
        for method, text in ((SignatureMethod.PAPER, "On paper (the signed page is in the paper chart)"),
                             (SignatureMethod.SCANNED, "On paper, and the signed page is scanned:"),
                             (SignatureMethod.ELECTRONIC, "Electronically (e.g. on a signature pad)")):
            button = QRadioButton(text)
            button.setProperty("method", method)
            self.methods.addButton(button)
            method_layout.addWidget(button)
            if method is SignatureMethod.SCANNED:
                self.scan_button = QPushButton("Attach the scanned copy…")
                self.scan_label = role_label("No file chosen", "muted", wrap=False)
                row = QHBoxLayout()
                row.setContentsMargins(24, 0, 0, 0)
                row.addWidget(self.scan_button)
                row.addWidget(self.scan_label, 1)
                method_layout.addLayout(row)
        self.methods.buttons()[0].setChecked(True)
        self.scan_button.clicked.connect(self.choose_scan)

        self.outcome = role_label("", "muted")
        self.message = MessageLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.sign_button = buttons.addButton("Sign", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.sign)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(member_box)
        layout.addWidget(manager_box)
        layout.addWidget(method_box)
        layout.addWidget(self.outcome)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        for edit in (self.member_date, self.signer_date):
            edit.date_changed.connect(lambda _day: self._update_outcome())
        self.methods.buttonToggled.connect(lambda *_: self._update_outcome())
        self._update_outcome()

    def method(self) -> SignatureMethod:
        return SignatureMethod(self.methods.checkedButton().property("method"))

    def set_method(self, method: SignatureMethod) -> None:
        for button in self.methods.buttons():
            if SignatureMethod(button.property("method")) is SignatureMethod(method):
                button.setChecked(True)

    def _update_outcome(self) -> None:
        self.scan_button.setEnabled(self.method() is SignatureMethod.SCANNED)
        member_day, signer_day = self.member_date.committed(), self.signer_date.committed()
        if member_day is None or signer_day is None:
            return
        signed_on = rules.signing_date(member_day, signer_day)
        due = rules.review_due(signed_on, self._months)
        self.outcome.setText(
            f"Signing makes version {self.version.version_no} the active care plan from {format_date(signed_on)}; "
            f"any earlier version becomes superseded and read-only. The next review will be due "
            f"{format_date(due)} ({self._months} months later)."
        )

    def choose_scan(self) -> None:
        path = common.ask_open_path(self, "The scanned, signed care plan", Path.home(),
                                    "Scans (*.pdf *.png *.jpg *.jpeg *.tif *.tiff)")
        if path is None:
            return
        try:
            too_large = path.stat().st_size > MAX_SCAN_BYTES
            data = b"" if too_large else path.read_bytes()
        except OSError as exc:
            self.message.show_error(f"The file could not be read: {exc.strerror or 'the disk said no'}.")
            return
        if too_large:
            self.message.show_error("The file is larger than 20 MB; scan at a lower resolution.")
            return
        self.set_scan(path.name, data)

    def set_scan(self, filename: str, data: bytes) -> None:
        self.scanned = (filename, data)
        self.scan_label.setText(filename)
        self.set_method(SignatureMethod.SCANNED)

    def signature(self) -> SignatureInput:
        scanned = self.scanned if self.method() is SignatureMethod.SCANNED else None
        return SignatureInput(
            member_signer_name=self.member_name.text(),
            member_signer_role=SignerRole(self.member_role.currentData()),
            member_signed_on=self.member_date.value(),  # type: ignore[arg-type]
            care_manager_user_id=self.signer.currentData(),
            care_manager_signed_on=self.signer_date.value(),  # type: ignore[arg-type]
            method=self.method(),
            scanned_filename=scanned[0] if scanned else "",
            scanned_data=scanned[1] if scanned else None,
        )

    def sign(self) -> None:
        with user_errors(self.message.show_error, "signing a care plan") as attempt:
            self.result = careplans.sign(self.app, self.version.id, self.signature(), today=self.today)
        if attempt.failed:
            return
        self.accept()


_KIND_STYLE = {
    ChangeKind.ADDED: ("Added", "#1e6b3a", "#e3f1e6"),
    ChangeKind.REMOVED: ("Removed", "#b3261e", "#fbe9e7"),
    ChangeKind.CHANGED: ("Changed", "#7a3e00", "#fdf1dc"),
}


def diff_html(diff: PlanDiff, older: str, newer: str) -> str:
    """The differences as simple HTML for a QTextBrowser: one heading per area, one line per change."""
    if diff.empty:
        return f"<p>{html.escape(newer)} says the same as {html.escape(older)}.</p>"
    count = len(diff.changes)
    parts = [f"<p style='color:#5b6b75'>From {html.escape(older)} to {html.escape(newer)}: "
             f"{count} change{'s' if count != 1 else ''}.</p>"]
    for area, changes in diff.areas():
        parts.append(f"<h3 style='margin-bottom:2px'>{html.escape(area)}</h3><table cellspacing='0' cellpadding='3'>")
        for change in changes:
            word, colour, background = _KIND_STYLE[change.kind]
            parts.append(
                f"<tr><td valign='top' style='background:{background}; color:{colour}; font-weight:600'>"
                f"&nbsp;{word}&nbsp;</td><td>{html.escape(change.text)}</td></tr>"
            )
        parts.append("</table>")
    return "".join(parts)


class CompareVersionsDialog(QDialog):
    """Two versions side by side in words: what was added, removed and changed from one to the other."""

    def __init__(self, app: AppSession, versions: Sequence[VersionSummary], older_id: int, newer_id: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.diff: PlanDiff | None = None
        self.setWindowTitle("Compare care plan versions")
        preferred_size(self, 780, 600)
        self.older = QComboBox()
        self.newer = QComboBox()
        for combo in (self.older, self.newer):
            for version in sorted(versions, key=lambda v: v.version_no):
                combo.addItem(version.label, version.id)
        self.older.setCurrentIndex(max(self.older.findData(older_id), 0))
        self.newer.setCurrentIndex(max(self.newer.findData(newer_id), 0))
        self.older.setAccessibleName("From version")
        self.newer.setAccessibleName("To version")
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        self.view.setAccessibleName("Differences")

        pick = QHBoxLayout()
        pick.addWidget(QLabel("From:"))
        pick.addWidget(self.older, 1)
        pick.addSpacing(12)
        pick.addWidget(QLabel("To:"))
        pick.addWidget(self.newer, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(pick)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.older.currentIndexChanged.connect(self.compare)
        self.newer.currentIndexChanged.connect(self.compare)
        self.compare()

    def compare(self) -> None:
        with user_errors(self.view.setPlainText, "comparing care plan versions") as attempt:
            self.diff = careplans.compare(self.app, self.older.currentData(), self.newer.currentData())
        if attempt.failed:
            return
        self.view.setHtml(diff_html(self.diff, self.older.currentText().split(":")[0],
                                    self.newer.currentText().split(":")[0]))

    def text(self) -> str:
        return self.view.toPlainText()


class SharedWithPcpDialog(UnsavedEditsDialog, QDialog):
    """The date a signed version went to the member's PCP; ``result`` is the version after recording it."""

    def __init__(self, app: AppSession, version: CarePlanVersionView, parent: QWidget | None = None,
                 today: date | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.version = version
        self.today = today or app.clock.today()
        self.result: CarePlanVersionView | None = None
        self.setWindowTitle("Shared with the primary care provider")
        self.when = date_picker(version.shared_with_pcp_on or self.today, today=self.today, name="Shared on")
        self.message = MessageLabel()
        form = QFormLayout()
        form.addRow(role_label(f"Record the day version {version.version_no} was sent or given to the member's "
                               "primary care provider.", "muted"))
        form.addRow("&Shared on:", self.when)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons, alignment=Qt.AlignmentFlag.AlignRight)

    def save(self) -> None:
        with user_errors(self.message.show_error, "recording sharing with the PCP") as attempt:
            self.result = careplans.mark_shared_with_pcp(self.app, self.version.id, self.when.value(),  # type: ignore[arg-type]
                                                         today=self.today)
        if attempt.failed:
            return
        self.accept()
