"""Print care-plan packets for many members at once: the members chosen in the caseload, or a care manager's
whole caseload (their enrolled members), into a folder (one PDF each) or one combined PDF.

The packets are made off the UI thread (``workers.run_in_background``) under a progress dialog with a
Cancel button; a cancelled batch keeps the packets already written (each is complete) and writes no
combined file. Every packet is an audit event, written by the service.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from hhdesk.services import printing, users
from hhdesk.services.context import AppSession
from hhdesk.services.printing import BatchResult
from hhdesk.ui import workers
from hhdesk.ui.dialogs import common
from hhdesk.ui.widgets.labels import MessageLabel, role_label

MIN_PASSWORD = 8


class PrintPacketsDialog(QDialog):
    """Who to print for, where to put the PDFs, and whether to protect them with a password."""

    def __init__(self, app: AppSession, selected_member_ids: Sequence[int] = (), care_manager: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.selected = list(dict.fromkeys(selected_member_ids))
        self.result: BatchResult | None = None
        self.job: object | None = None
        self.target: Path | None = None
        self.setWindowTitle("Print care-plan packets")
        self.setMinimumWidth(560)
        today = self.app.clock.today()

        who = QGroupBox("Whose packets")
        self.who = QButtonGroup(self)
        count = len(self.selected)
        self.selected_radio = QRadioButton(
            f"The {count} member{'s' if count != 1 else ''} selected in the caseload" if count else
            "The members selected in the caseload (none selected: select rows with Ctrl or Shift)")
        self.selected_radio.setEnabled(bool(count))
        self.caseload_radio = QRadioButton("Every enrolled member of:")
        self.care_manager = QComboBox()
        staff = sorted(users.care_managers(app), key=lambda u: (u.full_name or u.username).casefold())
        for user in staff:
            self.care_manager.addItem(user.full_name or user.username, user.username)
        wanted = care_manager or app.actor.username
        self.care_manager.setCurrentIndex(max(self.care_manager.findData(wanted), 0))
        for button in (self.selected_radio, self.caseload_radio):
            self.who.addButton(button)
        (self.selected_radio if count else self.caseload_radio).setChecked(True)
        who_layout = QGridLayout(who)
        who_layout.addWidget(self.selected_radio, 0, 0, 1, 2)
        who_layout.addWidget(self.caseload_radio, 1, 0)
        who_layout.addWidget(self.care_manager, 1, 1)
        who_layout.setColumnStretch(1, 1)

        where = QGroupBox("Where")
        self.where = QButtonGroup(self)
        self.folder_radio = QRadioButton("One PDF per member, in this folder:")
        self.folder = QLineEdit(str(Path.home() / f"Care plan packets {today:%Y-%m-%d}"))
        self.folder_button = QPushButton("Choose…")
        self.folder_button.clicked.connect(self.choose_folder)
        self.combined_radio = QRadioButton("All packets in one PDF file:")
        self.combined = QLineEdit(str(Path.home() / f"care-plan-packets-{today:%Y-%m-%d}.pdf"))
        self.combined_button = QPushButton("Choose…")
        self.combined_button.clicked.connect(self.choose_file)
        for button in (self.folder_radio, self.combined_radio):
            self.where.addButton(button)
        self.folder_radio.setChecked(True)
        where_layout = QGridLayout(where)
        where_layout.addWidget(self.folder_radio, 0, 0, 1, 2)
        where_layout.addWidget(self.folder, 1, 0)
        where_layout.addWidget(self.folder_button, 1, 1)
        where_layout.addWidget(self.combined_radio, 2, 0, 1, 2)
        where_layout.addWidget(self.combined, 3, 0)
        where_layout.addWidget(self.combined_button, 3, 1)
        where_layout.setColumnStretch(0, 1)

        self.protect = QCheckBox("Protect the PDFs with a password (asked when you press Print)")
        self.message = MessageLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.print_button = buttons.addButton("Print packets", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.start)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(who)
        layout.addWidget(where)
        layout.addWidget(self.protect)
        layout.addWidget(role_label("Each packet holds the member summary, the care team, the active care plan, "
                                    "open referrals, recent transitions and a signature page. Printing is "
                                    "recorded in the audit log.", "muted"))
        layout.addWidget(self.message)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(buttons)
        layout.addLayout(row)
        self.who.buttonToggled.connect(lambda *_: self._update())
        self.where.buttonToggled.connect(lambda *_: self._update())
        self._update()

    def _update(self) -> None:
        self.care_manager.setEnabled(self.caseload_radio.isChecked())
        by_folder = self.folder_radio.isChecked()
        for widget in (self.folder, self.folder_button):
            widget.setEnabled(by_folder)
        for widget in (self.combined, self.combined_button):
            widget.setEnabled(not by_folder)

    def choose_folder(self) -> None:
        chosen = common.ask_folder(self, "The folder for the packets", Path(self.folder.text()).expanduser().parent)
        if chosen is not None:
            self.folder.setText(str(chosen))

    def choose_file(self) -> None:
        chosen = common.ask_save_path(self, "The combined PDF", Path(self.combined.text()).expanduser(),
                                      "PDF files (*.pdf)")
        if chosen is not None:
            self.combined.setText(str(chosen if chosen.suffix.lower() == ".pdf" else chosen.with_suffix(".pdf")))

    def start(self) -> None:
        """Check the choices, ask for the password if wanted, and run the batch in the background."""
        member_ids = self.selected if self.selected_radio.isChecked() else None
        care_manager = None if member_ids else self.care_manager.currentData()
        if member_ids is None and not care_manager:
            self.message.show_error("Choose whose packets to print.")
            return
        out_dir = combined = None
        if self.folder_radio.isChecked():
            out_dir = Path(self.folder.text().strip()).expanduser()
        else:
            combined = Path(self.combined.text().strip()).expanduser()
            if combined.suffix.lower() != ".pdf":
                combined = combined.with_suffix(".pdf")
        if not (out_dir or combined) or str(out_dir or combined) in ("", "."):
            self.message.show_error("Choose where to put the PDFs.")
            return
        password = None
        if self.protect.isChecked():
            password = common.ask_password(self, "Password for the PDFs",
                                           f"The password the PDFs will ask for ({MIN_PASSWORD} characters or more).")
            if password is None:
                return
            if len(password) < MIN_PASSWORD:
                self.message.show_error(f"The password needs {MIN_PASSWORD} characters or more.")
                return
        app, parent = self.app, self.parentWidget()
        self.target = out_dir or combined

        def job(progress: workers.Progress) -> BatchResult:
            return printing.print_packets(app, member_ids=member_ids, care_manager=care_manager, out_dir=out_dir,
                                          combined_file=combined, password=password, progress=progress.report,
                                          cancelled=lambda: progress.cancelled)

        self.accept()
        self.job = workers.run_in_background(parent, "Printing care-plan packets", job, self._done)

    def _done(self, result: BatchResult) -> None:
        self.result = result
        where = self.target
        count = f"{result.printed} packet{'s' if result.printed != 1 else ''}"
        if result.cancelled:
            text = (f"Stopped. {count} of {result.total} written to {where}; each of them is complete."
                    if result.files else "Stopped. No file was written.")
        else:
            text = f"{count.capitalize()} written to {where}."
        common.inform(self.parentWidget(), "Care-plan packets", text)
