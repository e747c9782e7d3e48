"""Set payer…: from a date on, the member's months are billed to one Medicaid plan or to fee-for-service."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from hhdesk.services import payers
from hhdesk.services.context import AppSession
from hhdesk.ui.errors import user_errors
from hhdesk.ui.widgets.fields import date_picker
from hhdesk.ui.widgets.labels import MessageLabel, role_label


class PayerDialog(QDialog):
    def __init__(self, app: AppSession, member_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.member_id = member_id
        self.setWindowTitle("Set Medicaid payer")
        self.payer = QComboBox()
        self.payer.setAccessibleName("Payer")
        for payer in payers.list_payers(app):
            if payer.active:
                kind = "fee-for-service" if payer.fee_for_service else "managed-care plan"
                self.payer.addItem(f"{payer.name} ({payer.code}, {kind})", payer.code)
        self.effective = date_picker(today=self.app.clock.today())
        self.note = QLineEdit()
        self.note.setPlaceholderText("e.g. from the eligibility check of 03/02")
        form = QFormLayout()
        form.addRow("Payer:", self.payer)
        form.addRow("From:", self.effective)
        form.addRow("Note:", self.note)
        self.message = MessageLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(role_label(
            "Billing sends each month's claim to the payer in effect on the month's last day. A payer missing "
            "from the list is added by an administrator under Billing settings.", "muted"))
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton("Set payer", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if self.payer.count() == 0:
            self.message.show_error("The payer table is empty: an administrator adds the payers under Billing "
                                    "settings first.")

    def save(self) -> bool:
        if self.payer.currentData() is None:
            self.message.show_error("Choose a payer.")
            return False
        with user_errors(self.message.show_error, "setting a payer") as attempt:  # one sentence in the dialog
            payers.add_member_payer(self.app, self.member_id, self.payer.currentData(),
                                    self.effective.value(), self.note.text())
        if attempt.failed:
            return False
        self.accept()
        return True
