"""Form fields the member screens share: the date field's factory, QDate conversions, and a warning/info chip."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QLabel, QTableWidget, QWidget

from hhdesk.ui.widgets.date_edit import DateEdit

WARNING_STYLE = ("QLabel { background: #fdecc8; color: #7a3e00; border: 1px solid #e8b55a; border-radius: 9px;"
                 " padding: 2px 9px; font-weight: 600; }")
INFO_STYLE = ("QLabel { background: #e6eef3; color: #24414f; border: 1px solid #c3d3dc; border-radius: 9px;"
              " padding: 2px 9px; }")
OK_STYLE = ("QLabel { background: #e3f1e6; color: #1e5b32; border: 1px solid #b6d9bf; border-radius: 9px;"
            " padding: 2px 9px; font-weight: 600; }")


def date_picker(value: date | None = None, parent: QWidget | None = None, *, today: date,
                minimum: date | None = None, maximum: date | None = None, name: str = "") -> DateEdit:
    """The shared date field (`hhdesk.ui.widgets.date_edit.DateEdit`), holding `value` or today."""
    return DateEdit(value or today, parent, earliest=minimum, latest=maximum, today=today, name=name)


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
