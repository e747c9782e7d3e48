"""File > Import roster…: choose a CSV, see what it would do (counts and every bad line), then import.

Checking is a dry run of the same import, so the preview is exactly what Import does. Both run off the UI
thread with a progress bar. A file with a bad line cannot be imported: the list says which lines to fix,
and nothing in the store changes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hhdesk.services import roster_import
from hhdesk.services.context import AppSession
from hhdesk.services.roster_import import RosterImportReport
from hhdesk.ui import workers
from hhdesk.ui.dialogs import common
from hhdesk.ui.errors import report as error_report
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.labels import MessageLabel, role_label
from hhdesk.ui.window_placement import preferred_size

_COUNTS = [("rows_read", "Rows read"), ("members_created", "New members"), ("members_updated", "Members updated"),
           ("members_unchanged", "Already up to date"), ("segments_added", "Outreach / enrolment segments"),
           ("consents_added", "Consent forms"), ("tiers_added", "Tiers"), ("conditions_added", "Conditions")]


class RosterImportDialog(QDialog):
    imported = Signal(object)  # the RosterImportReport of an import that changed the store

    def __init__(self, app: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.path: Path | None = None
        self.preview: RosterImportReport | None = None
        self.result: RosterImportReport | None = None
        self.setWindowTitle("Import roster")
        preferred_size(self, 760, 620)

        self.file_label = role_label("No file chosen", "muted", wrap=False)
        choose = QPushButton("Choose file…")
        choose.clicked.connect(self.choose_file)
        self.check_button = QPushButton("Check again")
        self.check_button.setEnabled(False)
        self.check_button.clicked.connect(self.check)
        file_row = QHBoxLayout()
        file_row.addWidget(role_label("File:", wrap=False))
        file_row.addWidget(self.file_label, 1)
        file_row.addWidget(choose)
        file_row.addWidget(self.check_button)
        columns = role_label("The first line must be the header: " + roster_import.EXPECTED_HEADER.replace(",", ", ")
                             + " (optionally followed by " + roster_import.OPTIONAL_HEADER.replace(",", ", ")
                             + ": the member's Medicaid plan or fee-for-service code and the date it pays from)"
                             + ". A Medicaid ID already in hhdesk updates that member.", "muted")

        self.summary = role_label("Choose the roster file (CSV) the state or plan sent. It is checked first; "
                                  "nothing changes until you press Import.")
        self.count_labels: dict[str, QLabel] = {}
        counts = QGroupBox("What the import does")
        grid = QGridLayout(counts)
        for number, (key, title) in enumerate(_COUNTS):
            value = QLabel("—")
            self.count_labels[key] = value
            row, column = divmod(number, 2)
            grid.addWidget(role_label(f"{title}:", "muted", wrap=False), row, column * 2)
            grid.addWidget(value, row, column * 2 + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

        self.problems_title = role_label("", "subheading")
        self.problems = ListTable(["Line", "Problem"], [60])
        self.problems.setMinimumHeight(180)
        self.message = MessageLabel()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.import_button = QPushButton("Import")
        self.import_button.setEnabled(False)
        self.import_button.setDefault(True)
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button.clicked.connect(self.run_import)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(file_row)
        layout.addWidget(columns)
        layout.addWidget(self.summary)
        layout.addWidget(counts)
        layout.addWidget(self.problems_title)
        layout.addWidget(self.problems, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._show_problems(None)

    # ---- steps --------------------------------------------------------------------------------------
    def choose_file(self) -> None:
        path = common.ask_open_path(self, "Choose the roster file", Path.home(), "CSV files (*.csv);;All files (*)")
        if path is not None:
            self.set_file(path)

    def set_file(self, path: Path) -> None:
        self.path = path
        self.file_label.setText(path.name)
        self.file_label.setToolTip(str(path))
        self.check_button.setEnabled(True)
        self.check()

    def check(self) -> None:
        """The dry run: counts and every bad line, nothing written."""
        if self.path is None:
            return
        self.preview = self.result = None
        self.import_button.setEnabled(False)
        self.message.clear_message()
        # Forget the previous file's results at once, so they are never read as this file's.
        self.summary.setText("Checking the file…")
        for label in self.count_labels.values():
            label.setText("—")
        self._show_problems(None)
        self._run(True, self._checked)

    def run_import(self) -> None:
        if self.path is None or self.preview is None or not self.preview.ok:
            return
        self.import_button.setEnabled(False)
        self._run(False, self._imported)

    def _run(self, dry_run: bool, on_done) -> None:  # a callback taking the report
        app, path = self.app, self.path
        assert path is not None

        def job(progress: workers.Progress) -> RosterImportReport:
            def step(done: int, total: int) -> None:
                progress.check()
                text = "Checking the roster" if dry_run or done * 2 < total else "Saving the members"
                progress.report(done, total, text)

            return roster_import.import_roster(app, path, dry_run=dry_run, progress=step)

        title = "Checking the roster" if dry_run else "Importing the roster"
        workers.run_in_background(self, title, job, on_done, self._failed)

    def _checked(self, report: RosterImportReport) -> None:
        self.preview = report
        self._show(report)
        self.import_button.setEnabled(report.ok and (report.members_created + report.members_updated) > 0)
        if report.ok and not self.import_button.isEnabled():
            self.summary.setText(report.summary().replace(" Nothing was changed (dry run).", "")
                                 + " There is nothing to import.")

    def _imported(self, report: RosterImportReport) -> None:
        self.result = report
        self._show(report)
        if report.applied:
            self.message.show_ok(f"Imported in {report.seconds:.1f} seconds.")
            self.imported.emit(report)
        self.import_button.setEnabled(False)

    def _failed(self, exc: BaseException) -> None:
        self.message.show_error(error_report(exc, "roster import"))

    # ---- showing ------------------------------------------------------------------------------------
    def _show(self, report: RosterImportReport) -> None:
        text = report.summary()
        if report.ok and report.dry_run:
            text = text.replace(" Nothing was changed (dry run).", " Nothing has changed yet: press Import.")
        self.summary.setText(text)
        for key, label in self.count_labels.items():
            label.setText(f"{getattr(report, key):,}" if report.ok or key == "rows_read" else "—")
        self._show_problems(report)

    def _show_problems(self, report: RosterImportReport | None) -> None:
        if report is None or (report.ok and not report.warnings):
            self.problems_title.setText("Problems")
            self.problems.set_rows([])
            self.problems_title.setVisible(report is not None)
            self.problems.setVisible(report is not None)
            if report is not None:
                self.problems_title.setText("No problems found")
            return
        self.problems_title.show()
        self.problems.show()
        if not report.ok:
            lines = {line for line, _ in report.errors}
            self.problems_title.setText(f"Lines to fix in the file ({len(lines)}); then choose Check again")
            rows = report.errors
        else:
            self.problems_title.setText(f"Worth a look ({len(report.warnings)}); these do not stop the import")
            rows = report.warnings
        self.problems.set_rows([[str(line) if line else "file", message] for line, message in rows])
