"""The Quality section: follow-up after a psychiatric stay (7 and 30 days) and 30-day readmissions over a
date range, with the discharges behind each number so the agency can see which follow-ups were missed."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hhdesk.exports.tables import Table, Workbook
from hhdesk.services import measures
from hhdesk.services.list_exports import ListFilter, ListKind
from hhdesk.services.measures import QualityReport
from hhdesk.ui import list_export
from hhdesk.ui.errors import user_errors
from hhdesk.ui.sections import SectionHost
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.date_edit import DateEdit
from hhdesk.ui.widgets.labels import MessageLabel, role_label
from hhdesk.ui.widgets.text import format_date

EXPLANATION = (
    "Counted from hhdesk's own records (transition episodes, checklists and contacts), not from claims, so the "
    "rates are for the agency's own quality work. Follow-up counts from the day after discharge; a stay "
    "followed within 30 days by another admission is left out of the follow-up measure, as in HEDIS FUH. "
    "Evidence of a follow-up: the behavioural-health follow-up checklist item marked done, or a contact with "
    "a provider carrying transitional care (TC)."
)
FOLLOWUP_COLUMNS = ("Discharged", "Member", "Medicaid ID", "Follow-up on", "Evidence", "7 days", "30 days", "Left out because")
FOLLOWUP_WIDTHS = (105, 200, 110, 115, 110, 70, 75)
READMISSION_COLUMNS = ("Discharged", "Member", "Medicaid ID", "Readmitted on", "Days")
READMISSION_WIDTHS = (105, 200, 110, 125)


def default_period(today: date) -> tuple[date, date]:
    """The last three whole months whose 30 follow-up days have all passed."""
    end = (today - timedelta(days=30)).replace(day=1) - timedelta(days=1)
    start = end.replace(day=1)
    for _ in range(2):
        start = (start - timedelta(days=1)).replace(day=1)
    return start, end


def _figure(title: str) -> tuple[QFrame, QLabel, QLabel]:
    frame = QFrame()
    frame.setObjectName("measureCard")
    frame.setFrameShape(QFrame.Shape.StyledPanel)
    rate = role_label("—", "heading", wrap=False)
    rate.setAlignment(Qt.AlignmentFlag.AlignLeft)
    counts = role_label("", "muted")
    layout = QVBoxLayout(frame)
    layout.addWidget(role_label(title, "subheading"))
    layout.addWidget(rate)
    layout.addWidget(counts)
    return frame, rate, counts


class QualityView(QWidget):
    """The section widget; nothing is computed until the user presses Show (or the section opens)."""

    def __init__(self, host: SectionHost, today: date | None = None) -> None:
        super().__init__()
        self.host = host
        self.app = host.app
        self.today = today or self.app.clock.today()
        self.report: QualityReport | None = None
        start, end = default_period(self.today)
        self.start = DateEdit(start, today=self.today, name="From")
        self.end = DateEdit(end, today=self.today, name="To")
        self.checklist_only = QCheckBox("Count only checklist items as follow-up evidence (stricter)")
        self.show_button = QPushButton("Show")
        self.show_button.setDefault(True)
        self.show_button.clicked.connect(self.compute)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the figures and both lists of discharges as an Excel workbook "
                                      "(.xlsx); a CSV file holds the list of discharges on the tab shown")
        self.export_button.clicked.connect(self.export)
        self.status = role_label("", "muted")
        self.message = MessageLabel()

        fuh7, self.fuh7_rate, self.fuh7_counts = _figure("Follow-up within 7 days after a psychiatric stay")
        fuh30, self.fuh30_rate, self.fuh30_counts = _figure("Follow-up within 30 days after a psychiatric stay")
        pcr, self.pcr_rate, self.pcr_counts = _figure("Readmitted within 30 days after an inpatient stay")
        figures = QGridLayout()
        for column, frame in enumerate((fuh7, fuh30, pcr)):
            figures.addWidget(frame, 0, column)

        self.followup_table = ListTable(FOLLOWUP_COLUMNS, FOLLOWUP_WIDTHS)
        self.followup_table.setAccessibleName("Psychiatric discharges")
        self.readmission_table = ListTable(READMISSION_COLUMNS, READMISSION_WIDTHS)
        self.readmission_table.setAccessibleName("Inpatient discharges")
        self.details = QTabWidget()
        self.details.addTab(self.followup_table, "Psychiatric discharges")
        self.details.addTab(self.readmission_table, "Inpatient discharges")

        bar = QHBoxLayout()
        bar.addWidget(role_label("Quality measures", "heading", wrap=False))
        bar.addSpacing(16)
        for caption, edit in (("&From", self.start), ("&To", self.end)):
            label = QLabel(caption)
            label.setBuddy(edit)
            bar.addWidget(label)
            bar.addWidget(edit)
            bar.addSpacing(10)
        bar.addWidget(self.show_button)
        bar.addStretch(1)
        bar.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(bar)
        layout.addWidget(self.checklist_only)
        layout.addWidget(role_label(EXPLANATION, "muted"))
        layout.addLayout(figures)
        layout.addWidget(self.status)
        layout.addWidget(self.message)
        layout.addWidget(role_label("Discharges in the period", "subheading"))
        layout.addWidget(self.details, 1)
        self.compute()

    def compute(self) -> None:
        with user_errors(self.message.show_error, "computing quality measures") as attempt:
            result = measures.quality_report(self.app, self.start.value(), self.end.value(),  # type: ignore[arg-type]
                                             checklist_evidence_only=self.checklist_only.isChecked(),
                                             today=self.today)
        if attempt.failed:
            return
        self.message.clear_message()
        self.report = result
        fuh, pcr = result.followup, result.readmissions
        self.fuh7_rate.setText(measures.rate_text(fuh.rate_7))
        self.fuh7_counts.setText(f"{fuh.numerator_7} of {fuh.denominator} discharges")
        self.fuh30_rate.setText(measures.rate_text(fuh.rate_30))
        self.fuh30_counts.setText(f"{fuh.numerator_30} of {fuh.denominator} discharges"
                                  + (f"; {fuh.excluded} left out (admitted again)" if fuh.excluded else ""))
        self.pcr_rate.setText(measures.rate_text(pcr.rate))
        self.pcr_counts.setText(f"{pcr.numerator} of {pcr.denominator} discharges")
        notes = []
        if not result.complete:
            notes.append("The 30 days after the end of the period have not all passed: follow-up rates may still rise.")
        if result.followups_from_contacts:
            notes.append(f"{result.followups_from_contacts} follow-up(s) rest on TC contacts with a provider.")
        self.status.setText(" ".join(notes))
        rows = []
        for d in fuh.details:
            who = result.member_label(d.member_key)
            rows.append([format_date(d.discharged_on), who.name, who.medicaid_id,
                         format_date(d.followed_up_on) if d.followed_up_on else "",
                         {"checklist_item": "Checklist", "contact": "TC contact"}.get(str(d.followed_up_by or ""), ""),
                         "" if d.excluded_because else ("Yes" if d.within_7_days else "No"),
                         "" if d.excluded_because else ("Yes" if d.within_30_days else "No"),
                         d.excluded_because or ""])
        self.followup_table.set_rows(rows, muted=[bool(d.excluded_because) for d in fuh.details])
        for number, d in enumerate(fuh.details):
            if d.excluded_because:
                self.followup_table.item(number, 7).setToolTip(d.excluded_because)
        rows = []
        for d in pcr.details:
            who = result.member_label(d.member_key)
            rows.append([format_date(d.discharged_on), who.name, who.medicaid_id,
                         format_date(d.readmitted_on) if d.readmitted_on else "",
                         str((d.readmitted_on - d.discharged_on).days) if d.readmitted_on else ""])
        self.readmission_table.set_rows(rows)

    def export(self) -> None:
        result = self.report
        if result is None:
            return
        fuh, pcr = result.followup, result.readmissions
        measures_table = Table("Measures", ["Measure", "Rate", "Numerator", "Denominator", "Left out"], [
            ["Follow-up within 7 days after a psychiatric stay", measures.rate_text(fuh.rate_7), fuh.numerator_7,
             fuh.denominator, fuh.excluded],
            ["Follow-up within 30 days after a psychiatric stay", measures.rate_text(fuh.rate_30),
             fuh.numerator_30, fuh.denominator, fuh.excluded],
            ["Readmitted within 30 days after an inpatient stay", measures.rate_text(pcr.rate), pcr.numerator,
             pcr.denominator, 0],
        ])
        shown = self.details.currentIndex()
        filters = [ListFilter("From", self.start.text()), ListFilter("To", self.end.text())]
        if self.checklist_only.isChecked():
            filters.append(ListFilter("Follow-up evidence", "checklist items only"))

        def book() -> Workbook:
            return Workbook([measures_table,
                             list_export.table_from_view(self.followup_table, "Psychiatric discharges"),
                             list_export.table_from_view(self.readmission_table, "Inpatient discharges")],
                            csv_table=1 + shown)

        list_export.export_list(self, self.app, ListKind.QUALITY, "Quality measures", book, filters,
                                status=self.host.show_status)

    def refresh(self) -> None:
        """Sections are refreshed when shown; the figures stay as computed until Show is pressed."""

    def clear_for_lock(self) -> None:
        self.followup_table.setRowCount(0)
        self.readmission_table.setRowCount(0)
