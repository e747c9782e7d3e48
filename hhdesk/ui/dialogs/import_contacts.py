"""File > Import contacts…: choose a CSV file, see what it holds and every problem, then import it all.

The file is first checked without saving anything (a dry run) and the first rows are shown with every
problem by line number. Import is possible only when nothing is wrong, and runs in the background with a
progress bar; Cancel stops it and leaves the store exactly as it was (one transaction).

A file imported before, or lines whose contact the store already holds, are problems unless "Skip contacts
already in the store" is ticked: then those lines are listed as skipped and the rest can be imported.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.contacts_csv import HEADER_LINE
from hhdesk.services import contacts_import
from hhdesk.services.contacts_import import ContactsImportReport
from hhdesk.services.context import AppSession
from hhdesk.ui import workers
from hhdesk.ui.dialogs import common
from hhdesk.ui.errors import report as error_report
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.labels import MessageLabel, role_label
from hhdesk.ui.widgets.text import format_date
from hhdesk.ui.window_placement import preferred_size

PREVIEW_COLUMNS = ("Line", "Medicaid ID", "Date", "Mode", "Min", "Staff", "With", "Services", "Note")
PREVIEW_WIDTHS = (50, 100, 90, 90, 45, 100, 80, 90)


class ImportContactsDialog(QDialog):
    """Check, preview, import. `report` is the last check's report; `imported` the import's."""

    def __init__(self, app: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.setWindowTitle("Import contacts")
        preferred_size(self, 900, 640)
        self.path: Path | None = None
        self.report: ContactsImportReport | None = None
        self.imported: ContactsImportReport | None = None

        self.file_field = QLineEdit()
        self.file_field.setReadOnly(True)
        self.file_field.setPlaceholderText("Choose the CSV file saved from your spreadsheet")
        choose = QPushButton("Choose file…")
        choose.clicked.connect(self.choose_file)
        self.summary = role_label("", "subheading")
        self.preview = ListTable(PREVIEW_COLUMNS, PREVIEW_WIDTHS)
        self.preview.setAccessibleName("First rows of the file")
        self.problems = QPlainTextEdit()
        self.problems.setReadOnly(True)
        self.problems.setAccessibleName("Problems")
        self.problems.setPlaceholderText("Problems found in the file are listed here, each with its line number.")
        self.problems.setMaximumHeight(150)
        self.skip_duplicates = QCheckBox("Skip contacts already in the store")
        self.skip_duplicates.setToolTip(
            "Lines with the same member, date, mode, staff and minutes as a contact in the store are skipped "
            "and listed; without this, such lines (or a file imported before) stop the import.")
        self.skip_duplicates.toggled.connect(self._recheck)
        self.message = MessageLabel()
        self.import_button = QPushButton("Import")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.start_import)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)

        file_row = QHBoxLayout()
        file_row.addWidget(self.file_field, 1)
        file_row.addWidget(choose)
        buttons = QHBoxLayout()
        buttons.addWidget(self.skip_duplicates)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(role_label(
            f"The first line of the file must be: {HEADER_LINE}. staff is a username; with_whom is member, family, "
            "provider or agency; core_services is empty or codes from CM;CC;TC;FS;RS;IT joined by ';'. Nothing is "
            "imported unless every line is right.", "muted"))
        layout.addLayout(file_row)
        layout.addWidget(self.summary)
        layout.addWidget(self.preview, 1)
        layout.addWidget(role_label("Problems and warnings", "subheading"))
        layout.addWidget(self.problems)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

    def choose_file(self) -> None:
        path = common.ask_open_path(self, "Choose the contacts file", Path.home(), "CSV files (*.csv);;All files (*)")
        if path is not None:
            self.check(path)

    def check(self, path: Path) -> None:
        """Check the file without saving anything, in the background, then show the preview."""
        self.path = path
        self.file_field.setText(str(path))
        self.import_button.setEnabled(False)
        self.message.clear_message()
        skip = self.skip_duplicates.isChecked()
        workers.run_in_background(
            self, "Checking the contacts file",
            lambda progress: contacts_import.import_contacts(self.app, path, dry_run=True, skip_duplicates=skip,
                                                             progress=progress.report),
            self._checked, self._failed,
        )

    def _recheck(self) -> None:
        if self.path is not None and self.imported is None:
            self.check(self.path)

    def _checked(self, report: ContactsImportReport) -> None:
        self.report = report
        self.summary.setText(report.summary())
        rows = [[str(r.line), r.medicaid_id, format_date(r.contact_date), r.mode.value.replace("_", " "),
                 str(r.minutes), r.staff, r.with_whom.value, ";".join(sorted(s.value for s in r.core_services)),
                 r.note.splitlines()[0] if r.note else ""] for r in report.preview]
        self.preview.set_rows(rows)
        lines = report.report_lines()[1:]
        self.problems.setPlainText("\n".join(lines) if lines else "No problems found.")
        self.import_button.setEnabled(report.ok and report.rows > report.skipped)
        if report.ok and report.rows > len(report.preview):
            self.summary.setText(report.summary() + f" The first {len(report.preview)} are shown.")

    def _failed(self, exc: BaseException) -> None:
        self.message.show_error(error_report(exc, "checking a contacts file"))

    def start_import(self) -> None:
        if self.path is None or self.report is None or not self.report.ok:
            return
        path = self.path
        skip = self.skip_duplicates.isChecked()
        self.import_button.setEnabled(False)
        self.skip_duplicates.setEnabled(False)

        def job(progress: workers.Progress) -> ContactsImportReport:
            def report_progress(done: int, total: int, text: str) -> None:
                progress.check()  # Cancel: the exception rolls the whole import back
                progress.report(done, total, text)

            return contacts_import.import_contacts(self.app, path, skip_duplicates=skip, progress=report_progress)

        workers.run_in_background(self, "Importing contacts", job, self._imported, self._failed)

    def _imported(self, report: ContactsImportReport) -> None:
        self.imported = report
        self.summary.setText(report.summary())
        if report.ok:
            self.message.show_ok(report.summary())
            self.problems.setPlainText("\n".join(report.report_lines()[1:]) or "No problems found.")
        else:  # the store changed between the check and the import
            self.problems.setPlainText("\n".join(report.report_lines()[1:]))
            self.message.show_error(report.summary())
