"""Dialogs for the facts billing reads beyond contacts: an AOT order, an outreach month billed elsewhere, and
the import of a file of such months (checked first, then stored all or nothing)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.service_month import ServiceMonth
from hhdesk.services import billing_facts
from hhdesk.services.billing_facts import AotOrderInfo, OutreachImportReport
from hhdesk.services.context import AppSession
from hhdesk.ui.dialogs import common
from hhdesk.ui.errors import user_errors
from hhdesk.ui.widgets.fields import date_picker
from hhdesk.ui.widgets.labels import MessageLabel, role_label

_buttons = common.ok_cancel_buttons


class AotOrderDialog(QDialog):
    """Record an Assisted Outpatient Treatment order, or the day an order ended."""

    def __init__(self, app: AppSession, member_id: int, order: AotOrderInfo | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.member_id = member_id
        self.order = order
        self.setWindowTitle("End AOT order" if order else "Record an AOT order")
        self.start = date_picker(order.start if order else None, today=self.app.clock.today())
        self.start.setEnabled(order is None)
        self.open_order = QCheckBox("Still in effect")
        self.open_order.setChecked(order is None or order.end is None)
        today = self.app.clock.today()
        self.end = date_picker(order.end if order and order.end else today, today=today)
        self.open_order.toggled.connect(lambda checked: self.end.setEnabled(not checked))
        self.end.setEnabled(not self.open_order.isChecked())
        if order is not None:
            self.open_order.setChecked(False)
        self.note = QLineEdit(order.note if order else "")
        self.note.setPlaceholderText("e.g. county court order number")
        self.note.setEnabled(order is None)
        form = QFormLayout()
        form.addRow("Order from:", self.start)
        form.addRow("", self.open_order)
        form.addRow("Order ended on:", self.end)
        form.addRow("Note:", self.note)
        self.message = MessageLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        minimum = billing_facts.aot_minimum(self.app)
        layout.addWidget(role_label(f"A Health Home Plus month covered by an AOT order needs {minimum.contacts} "
                                    f"contacts with a core service, {minimum.in_person} of them in person with the "
                                    "member (NY DOH, 2023-04-04).", "muted"))
        layout.addWidget(self.message)
        buttons = _buttons(self, "Save")
        buttons.accepted.connect(self.save)
        layout.addWidget(buttons)

    def save(self) -> bool:
        with user_errors(self.message.show_error, "saving an AOT order") as attempt:
            end = None if self.open_order.isChecked() else self.end.value()
            if self.order is None:
                billing_facts.add_aot_order(self.app, self.member_id, self.start.value(), end,
                                            self.note.text())
            else:
                billing_facts.set_aot_order_end(self.app, self.order.id, end)
        if attempt.failed:
            return False
        self.accept()
        return True


class OutreachElsewhereDialog(QDialog):
    """Record an outreach month another Health Home or care management agency billed for this member."""

    def __init__(self, app: AppSession, member_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.member_id = member_id
        self.setWindowTitle("Outreach month billed elsewhere")
        self.month = QLineEdit(str(ServiceMonth.of(self.app.clock.today()).previous()))
        self.month.setPlaceholderText("YYYY-MM")
        self.month.setMaximumWidth(110)
        self.agency = QLineEdit()
        self.agency.setPlaceholderText("the other Health Home or care management agency")
        form = QFormLayout()
        form.addRow("Month:", self.month)
        form.addRow("Billed by:", self.agency)
        self.message = MessageLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        limits = billing_facts.outreach_limits()
        layout.addWidget(role_label("Outreach follows the person: months another agency billed count in the limits "
                                    f"of {limits.in_a_row} in a row and {limits.in_rolling_months} in any "
                                    f"{limits.rolling_months} months (NY DOH, 2017-10-18).", "muted"))
        layout.addWidget(self.message)
        buttons = _buttons(self, "Record")
        buttons.accepted.connect(self.save)
        layout.addWidget(buttons)

    def save(self) -> bool:
        with user_errors(self.message.show_error, "recording an outreach month") as attempt:
            billing_facts.add_outreach_elsewhere(self.app, self.member_id, self.month.text(), self.agency.text())
        if attempt.failed:
            return False
        self.accept()
        return True


class OutreachImportDialog(QDialog):
    """Choose a CSV file of outreach months billed elsewhere, check it, then import it (all or nothing)."""

    def __init__(self, app: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.path: Path | None = None
        self.checked: OutreachImportReport | None = None
        self.setWindowTitle("Import outreach months billed elsewhere")
        self.resize(620, 420)
        self.file_label = role_label("No file chosen.", "muted")
        choose = QPushButton("Choose file…")
        choose.clicked.connect(self.choose)
        row = QHBoxLayout()
        row.addWidget(self.file_label, 1)
        row.addWidget(choose)
        self.report_text = QPlainTextEdit()
        self.report_text.setReadOnly(True)
        self.message = MessageLabel()
        self.import_button = QPushButton("&Import")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.run_import)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(close)
        buttons.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.addWidget(role_label(f"A CSV file with the header {billing_facts.HEADER_LINE} (month as YYYY-MM), "
                                    "for example from the lead Health Home. The file is checked first; one bad "
                                    "line stops the whole import.", "muted"))
        layout.addLayout(row)
        layout.addWidget(self.report_text, 1)
        layout.addLayout(buttons)

    def choose(self) -> None:
        path = common.ask_open_path(self, "Choose the file", Path.home(), "CSV files (*.csv);;All files (*)")
        if path is not None:
            self.check(path)

    def check(self, path: Path) -> OutreachImportReport | None:
        self.path = path
        self.file_label.setText(path.name)
        self.import_button.setEnabled(False)
        with user_errors(self.message.show_error, "checking the file") as attempt:
            result = billing_facts.import_outreach_elsewhere(self.app, path, dry_run=True)
        if attempt.failed:
            self.report_text.clear()
            return None
        self._show(result)
        self.checked = result
        self.import_button.setEnabled(result.ok and result.rows > result.already_on_file)
        return result

    def _show(self, result: OutreachImportReport) -> None:
        lines = [result.summary(), *(str(problem) for problem in result.errors)]
        self.report_text.setPlainText("\n".join(lines))
        if result.ok:
            self.message.show_ok("The file is ready to import." if result.dry_run else "Imported.")
        else:
            self.message.show_error(result.summary())

    def run_import(self) -> OutreachImportReport | None:
        if self.path is None:
            return None
        with user_errors(self.message.show_error, "importing the file") as attempt:
            result = billing_facts.import_outreach_elsewhere(self.app, self.path)
        if attempt.failed:
            return None
        self._show(result)
        self.import_button.setEnabled(False)
        return result
