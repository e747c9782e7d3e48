"""Form fields the member screens share: typed dates, date pickers, and a warning/info chip."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDateEdit, QLabel, QLineEdit, QTableWidget, QWidget

from hhdesk.domain import entered_dates
from hhdesk.ui.widgets.text import format_date

WARNING_STYLE = ("QLabel { background: #fdecc8; color: #7a3e00; border: 1px solid #e8b55a; border-radius: 9px;"
                 " padding: 2px 9px; font-weight: 600; }")
INFO_STYLE = ("QLabel { background: #e6eef3; color: #24414f; border: 1px solid #c3d3dc; border-radius: 9px;"
              " padding: 2px 9px; }")
OK_STYLE = ("QLabel { background: #e3f1e6; color: #1e5b32; border: 1px solid #b6d9bf; border-radius: 9px;"
            " padding: 2px 9px; font-weight: 600; }")


def parse_date(text: str) -> date | None:
    """MM/DD/YYYY (as US staff type it) or YYYY-MM-DD in the digits 0-9, 1900 to 2099; None for anything else."""
    return entered_dates.parse_date(text)


class DateField(QLineEdit):
    """A date typed as MM/DD/YYYY: quicker than a calendar for a date of birth."""

    def __init__(self, value: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("MM/DD/YYYY")
        self.setMaximumWidth(130)
        self.set_value(value)

    def value(self) -> date | None:
        return parse_date(self.text())

    def set_value(self, value: date | None) -> None:
        self.setText(format_date(value))


def date_picker(value: date | None = None, parent: QWidget | None = None, *,
                minimum: date | None = None, maximum: date | None = None) -> QDateEdit:
    """A date with a calendar drop-down, for the day something happens (enrolment, signing, a referral)."""
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("MM/dd/yyyy")
    edit.setMinimumDate(QDate(1900, 1, 1))
    edit.setDate(to_qdate(value or date.today()))
    if minimum is not None:
        edit.setMinimumDate(to_qdate(minimum))
    if maximum is not None:
        edit.setMaximumDate(to_qdate(maximum))
    edit.setMinimumWidth(130)
    edit.setMaximumWidth(170)
    return edit


def to_qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def from_qdate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def chip(text: str, severity: str = "warning", parent: QWidget | None = None) -> QLabel:
    """A small rounded label: amber for what needs action, blue-grey for information, green for good."""
    label = QLabel(text, parent)
    label.setStyleSheet({"warning": WARNING_STYLE, "ok": OK_STYLE}.get(severity, INFO_STYLE))
    label.setProperty("severity", severity)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def fit_rows(table: QTableWidget, min_rows: int = 2, max_rows: int = 8) -> None:
    """Size a short table to its rows (between min_rows and max_rows), so a form needs no inner scrolling."""
    rows = min(max(table.rowCount(), min_rows), max_rows)
    height = table.horizontalHeader().height() + rows * table.verticalHeader().defaultSectionSize()
    scroll = table.horizontalScrollBar()
    table.setFixedHeight(height + 2 * table.frameWidth() + (scroll.sizeHint().height() if scroll.isVisible() else 0) + 2)
