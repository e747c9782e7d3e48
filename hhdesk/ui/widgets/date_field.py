"""A date field that stores exactly the date typed, or says why what was typed is not one.

Qt's QDateEdit edits a date section by section and silently "corrects" what does not fit its range: typing
11/30/2026 over a December date with today as the maximum gives 12/03/0000 on screen and 01/01/2000 when
saved. This field is a line edit read by `hhdesk.domain.date_entry`, so what the user typed is either
the date kept or refused with a sentence, never changed.

Keyboard: arriving in the field selects its text, so typing replaces the date; Up/Down step a day and
Page Up/Page Down a month; Alt+Down (or the calendar button) opens a calendar.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QCalendarWidget, QLineEdit, QStyle, QWidget

from hhdesk.domain.date_entry import DateEntryError, check_date_range, parse_entered_date, us_date

INVALID_STYLE = "QLineEdit { border: 1px solid #b3261e; background: #fdf0ef; }"
_SELECTING_REASONS = (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason,
                      Qt.FocusReason.ShortcutFocusReason, Qt.FocusReason.OtherFocusReason,
                      Qt.FocusReason.ActiveWindowFocusReason)
_STEPS = {  # key -> (days, months)
    Qt.Key.Key_Up: (1, 0), Qt.Key.Key_Down: (-1, 0), Qt.Key.Key_PageUp: (0, 1), Qt.Key.Key_PageDown: (0, -1),
}


class DateField(QLineEdit):
    """`value()` is the typed date or None; `problem()` says why it is not a date (or not in range).

    `date_changed` is emitted with the new date whenever the text becomes a different valid date.
    """

    date_changed = Signal(object)

    def __init__(self, value: date | None = None, parent: QWidget | None = None, *, today: date | None = None,
                 earliest: date | None = None, latest: date | None = None,
                 too_early: str = "", too_late: str = "") -> None:
        super().__init__(parent)
        self._today = today or date.today()
        self.earliest, self.latest = earliest, latest
        self.too_early, self.too_late = too_early, too_late
        self._last_valid: date | None = None
        self.setPlaceholderText("MM/DD/YYYY")
        self.setMinimumWidth(110)
        self.setMaximumWidth(150)
        self.setToolTip("Type the date (11/30/2026, 11/30/26, 1/5/2026) or press Alt+Down for a calendar")
        calendar_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogDetailedView)
        self.calendar_action = self.addAction(calendar_icon, QLineEdit.ActionPosition.TrailingPosition)
        self.calendar_action.setToolTip("Choose from a calendar (Alt+Down)")
        self.calendar_action.triggered.connect(self.open_calendar)
        self._calendar: QCalendarWidget | None = None
        self.textChanged.connect(self._text_changed)
        self.editingFinished.connect(self._tidy)
        self.set_value(value)

    # ---- the value ----------------------------------------------------------------------------------
    def set_today(self, today: date) -> None:
        self._today = today

    def set_range(self, earliest: date | None, latest: date | None) -> None:
        self.earliest, self.latest = earliest, latest
        self._show_state()

    def set_value(self, value: date | None) -> None:
        self.setText(us_date(value) if value else "")

    def value(self) -> date | None:
        """The typed date when it is a date within range, else None."""
        try:
            return self.checked_value()
        except DateEntryError:
            return None

    def checked_value(self) -> date:
        """The typed date, or DateEntryError with the sentence to show the user."""
        typed = parse_entered_date(self.text(), today=self._today)
        check_date_range(typed, earliest=self.earliest, latest=self.latest,
                         too_early=self.too_early, too_late=self.too_late)
        return typed

    def problem(self) -> str | None:
        try:
            self.checked_value()
        except DateEntryError as exc:
            return str(exc)
        return None

    # ---- behaviour ----------------------------------------------------------------------------------
    def _text_changed(self, _text: str) -> None:
        self._show_state()
        current = self.value()
        if current is not None and current != self._last_valid:
            self._last_valid = current
            self.date_changed.emit(current)

    def _show_state(self) -> None:
        # Red only once something was typed that cannot become a date by typing more.
        finished_typing = not self.hasFocus() or len(self.text().strip()) >= 8
        invalid = bool(self.text().strip()) and self.problem() is not None and finished_typing
        self.setStyleSheet(INVALID_STYLE if invalid else "")
        self.setProperty("invalid", invalid)

    def _tidy(self) -> None:
        """Show a typed date in the one format (1/5/26 becomes 01/05/2026): the same day, written out."""
        current = self.value()
        if current is not None and self.text() != us_date(current):
            self.setText(us_date(current))
        self._show_state()

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt's name
        super().focusInEvent(event)
        if event.reason() in _SELECTING_REASONS:
            self.selectAll()  # typing then replaces the whole date (a click still places the cursor)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt's name
        super().focusOutEvent(event)
        self._show_state()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        key, modifiers = event.key(), event.modifiers()
        if key == Qt.Key.Key_Down and modifiers & Qt.KeyboardModifier.AltModifier:
            self.open_calendar()
            return
        if key in _STEPS and not modifiers & ~Qt.KeyboardModifier.KeypadModifier:
            self._step(*_STEPS[key])
            return
        super().keyPressEvent(event)

    def _step(self, days: int, months: int) -> None:
        current = self.value()
        if current is None:
            return
        stepped = _add_months(current, months) + timedelta(days=days)
        try:
            check_date_range(stepped, earliest=self.earliest, latest=self.latest)
        except DateEntryError:
            return
        self.set_value(stepped)
        self.selectAll()

    # ---- the calendar -------------------------------------------------------------------------------
    def open_calendar(self) -> None:
        calendar = QCalendarWidget(self)
        calendar.setWindowFlags(Qt.WindowType.Popup)
        calendar.setGridVisible(True)
        if self.earliest is not None:
            calendar.setMinimumDate(QDate(self.earliest.year, self.earliest.month, self.earliest.day))
        if self.latest is not None:
            calendar.setMaximumDate(QDate(self.latest.year, self.latest.month, self.latest.day))
        shown = self.value() or self._today
        calendar.setSelectedDate(QDate(shown.year, shown.month, shown.day))
        calendar.activated.connect(lambda chosen: self._chosen(calendar, chosen))
        calendar.clicked.connect(lambda chosen: self._chosen(calendar, chosen))
        calendar.move(self.mapToGlobal(self.rect().bottomLeft()))
        calendar.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._calendar = calendar
        calendar.show()
        calendar.setFocus()

    def _chosen(self, calendar: QCalendarWidget, chosen: QDate) -> None:
        self.set_value(date(chosen.year(), chosen.month(), chosen.day()))
        calendar.close()
        self._calendar = None
        self.setFocus()


def _add_months(value: date, months: int) -> date:
    month_index = value.year * 12 + value.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    for day in (value.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")
