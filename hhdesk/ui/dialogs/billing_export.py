"""Export…: choose the file format for a month, and say why when the month was exported in it before."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.service_month import ServiceMonth
from hhdesk.services.billing import FORMAT_LABELS, BillingRunInfo, ExportFormat
from hhdesk.ui.widgets.labels import role_label

FORMAT_HELP: dict[ExportFormat, str] = {
    ExportFormat.CSV: "Every member-month, billable or not, with the reason: for checking and for records.",
    ExportFormat.BILLING_SUPPORT: "One row per member-month with a segment: outreach or enrolled, core service "
                                  "provided, tier, consent and care-plan dates.",
    ExportFormat.X12_837I: "One claim per billable member-month, for the payer or clearinghouse.",
    ExportFormat.X12_837P: "One claim per billable member-month, for the payer or clearinghouse.",
}


class ExportDialog(QDialog):
    """Emits `chosen(format value, reason, late reason)` when the user goes on.

    The reason is '' unless the month was exported in that format before; the late reason is '' unless a
    claim format is chosen and some of the month's claims are past their payer's filing limit.
    """

    chosen = Signal(str, str, str)

    def __init__(self, month: ServiceMonth, claim_format: ExportFormat, runs: list[BillingRunInfo],
                 parent: QWidget | None = None, *, late_warnings: list[str] | None = None) -> None:
        super().__init__(parent)
        self.month = month
        self.runs = runs
        self.late_warnings = list(late_warnings or [])
        self.setWindowTitle(f"Export {month.first_day:%B %Y}")
        self.setMinimumWidth(560)
        self.group = QButtonGroup(self)
        self.buttons: dict[ExportFormat, QRadioButton] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(role_label(f"Which file for {month.first_day:%B %Y}?", "subheading"))
        other_claim = ExportFormat.X12_837P if claim_format is ExportFormat.X12_837I else ExportFormat.X12_837I
        for export_format in (ExportFormat.CSV, ExportFormat.BILLING_SUPPORT, claim_format, other_claim):
            button = QRadioButton(FORMAT_LABELS[export_format])
            self.buttons[export_format] = button
            self.group.addButton(button)
            layout.addWidget(button)
            if export_format is other_claim:
                button.setEnabled(False)
                help_text = (f"Not for this agency: the billing profile bills on the {claim_format.value.upper()}. "
                             "An administrator changes the profile under Billing settings.")
            else:
                help_text = FORMAT_HELP[export_format]
            note = role_label(help_text, "muted")
            note.setContentsMargins(24, 0, 0, 6)
            layout.addWidget(note)
            button.toggled.connect(self._format_changed)

        self.repeat_label = role_label("", "error")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why it is exported again, e.g. the clearinghouse rejected the first file")
        self.reason.setAccessibleName("Reason for exporting again")
        self.reason.textChanged.connect(self._update_ok)
        layout.addSpacing(6)
        layout.addWidget(self.repeat_label)
        layout.addWidget(self.reason)
        self.late_label = role_label(
            "Past the filing limit: " + "; ".join(self.late_warnings)
            + ". The payer may deny these claims; say why they are sent late (it is kept with the export).",
            "error")
        self.late_reason = QLineEdit()
        self.late_reason.setPlaceholderText("Why the claims are late, e.g. retroactive eligibility decided 06/25")
        self.late_reason.setAccessibleName("Reason for sending claims past the filing limit")
        self.late_reason.textChanged.connect(self._update_ok)
        layout.addWidget(self.late_label)
        layout.addWidget(self.late_reason)

        self.button_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button: QPushButton = self.button_box.addButton("Choose the file and export…",
                                                                QDialogButtonBox.ButtonRole.AcceptRole)
        self.button_box.accepted.connect(self.accept)
        self.button_box.rejected.connect(self.reject)
        layout.addStretch(1)
        layout.addWidget(self.button_box)
        self.buttons[claim_format].setChecked(True)

    def selected_format(self) -> ExportFormat:
        for export_format, button in self.buttons.items():
            if button.isChecked():
                return export_format
        return ExportFormat.CSV

    def choose(self, export_format: ExportFormat) -> None:
        self.buttons[export_format].setChecked(True)

    def earlier_runs(self) -> list[BillingRunInfo]:
        chosen = self.selected_format().value
        return [run for run in self.runs if run.format == chosen]

    def needs_reason(self) -> bool:
        return bool(self.earlier_runs())

    def needs_late_reason(self) -> bool:
        return bool(self.late_warnings) and self.selected_format().claim_type is not None

    def _format_changed(self, _checked: bool = False) -> None:
        earlier = self.earlier_runs()
        if earlier:
            last = earlier[0]
            times = "once" if len(earlier) == 1 else f"{len(earlier)} times"
            self.repeat_label.setText(
                f"This month was already exported in this format {times}, last on "
                f"{last.created_local:%m/%d/%Y at %H:%M} by {last.created_by}. Exporting it again could bill "
                "the month twice: say why you are exporting it again (it is kept with the export).")
        self.repeat_label.setVisible(bool(earlier))
        self.reason.setVisible(bool(earlier))
        late = self.needs_late_reason()
        if hasattr(self, "late_label"):
            self.late_label.setVisible(late)
            self.late_reason.setVisible(late)
        self._update_ok()

    def _update_ok(self) -> None:
        if not hasattr(self, "ok_button"):
            return
        ok = ((not self.needs_reason() or bool(self.reason.text().strip()))
              and (not self.needs_late_reason() or bool(self.late_reason.text().strip())))
        self.ok_button.setEnabled(ok)

    def accept(self) -> None:
        if self.needs_reason() and not self.reason.text().strip():
            self.reason.setFocus()
            return
        if self.needs_late_reason() and not self.late_reason.text().strip():
            self.late_reason.setFocus()
            return
        super().accept()
        self.chosen.emit(self.selected_format().value, self.reason.text().strip() if self.needs_reason() else "",
                         self.late_reason.text().strip() if self.needs_late_reason() else "")
