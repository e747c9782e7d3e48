"""The one date field of the window: a date typed the way people type dates, or picked from a calendar.

`DateEdit` is a line edit (a `TypedEntryField`), not a sectioned spin box: a whole date typed over a selection (Ctrl+A, or the
selection the field gets when the cursor enters it by keyboard), pasted, typed with or without leading
zeros or with a two-digit year, is read as a whole by `hhdesk.domain.date_entry.parse_date_entry` when the
user leaves the field or presses Enter. Nothing is corrected: what is not a date (or is out of the
field's range) stays as typed, the field turns red and says why, and `value()` refuses it with that
sentence so the form's Save shows it and stores nothing.

Keys: Up/Down step the day, month or year under the cursor; Alt+Down or F4 opens the calendar.
`DateTimeEdit` pairs the field with the shared time field (`TimeEdit`) for the moments of a transition of care.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtCore import QDate, QPoint, Qt, Signal
from PySide6.QtGui import QIcon, QKeyEvent
from PySide6.QtWidgets import QCalendarWidget, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from hhdesk.domain.date_entry import (
    DATE_HINT,
    DateEntryError,
    add_months,
    check_range,
    format_entry,
    parse_date_entry,
)
from hhdesk.errors import ValidationFailed
from hhdesk.resources_path import resource_path
from hhdesk.ui.widgets.time_edit import TimeEdit
from hhdesk.ui.widgets.typed_entry import TypedEntryField


class DateEdit(TypedEntryField):
    """A date field. `value()` is the date typed (or None when left blank in an optional field)."""

    date_changed = Signal(object)
    """A different date was entered (Enter, leaving the field, the calendar, or `set_value`)."""

    def __init__(self, value: date | None = None, parent: QWidget | None = None, *,
                 earliest: date | None = None, latest: date | None = None, optional: bool = False,
                 today: date, name: str = "") -> None:
        super().__init__(parent, name=name, hint=DATE_HINT)
        self._today = today
        self._earliest = earliest
        self._latest = latest
        self._optional = optional
        self._committed: date | None = None
        self.limit_reasons = ("", "")
        self.set_usual_tooltip(f"A date, as {DATE_HINT} (or pick from the calendar)")
        self.setMaxLength(24)
        self.setMinimumWidth(120)
        self.setMaximumWidth(170)
        self._calendar_action = self.addAction(_calendar_icon(), QLineEdit.ActionPosition.TrailingPosition)
        self._calendar_action.setToolTip("Pick from a calendar (Alt+Down)")
        self._calendar_action.triggered.connect(self.open_calendar)
        self._calendar: _CalendarPopup | None = None
        self.editingFinished.connect(self.commit)
        self.set_value(value)

    # ---- the value ----------------------------------------------------------------------------------
    @property
    def today(self) -> date:
        return self._today

    def value(self) -> date | None:
        """The date in the field as typed now; raises ValidationFailed (one sentence) if it is not one."""
        try:
            return self._parse(self.text())
        except DateEntryError as exc:
            raise ValidationFailed(self._with_name(str(exc))) from None

    def is_valid(self) -> bool:
        try:
            self._parse(self.text())
        except DateEntryError:
            return False
        return True

    def set_value(self, value: date | None) -> None:
        """Show `value` (blank for None) as the field's date, without asking anything."""
        self.setText(format_entry(value) if value else "")
        self._set_problem("")
        if value != self._committed:
            self._committed = value
            self.date_changed.emit(value)

    def committed(self) -> date | None:
        """The last date entered in full (what `date_changed` last said)."""
        return self._committed

    # ---- the range ----------------------------------------------------------------------------------
    def set_range(self, earliest: date | None, latest: date | None) -> None:
        self._earliest, self._latest = earliest, latest
        if self.text().strip():
            self.commit()

    def set_earliest(self, earliest: date | None) -> None:
        self.set_range(earliest, self._latest)

    def set_latest(self, latest: date | None) -> None:
        self.set_range(self._earliest, latest)

    def earliest(self) -> date | None:
        return self._earliest

    def latest(self) -> date | None:
        return self._latest

    # ---- entering -----------------------------------------------------------------------------------
    def commit(self) -> bool:
        """Read what was typed: a date is shown as MM/DD/YYYY and announced; anything else is flagged."""
        try:
            value = self._parse(self.text())
        except DateEntryError as exc:
            self._refuse(str(exc))
            return False
        self._set_problem("")
        shown = format_entry(value) if value else ""
        if self.text() != shown:
            self.setText(shown)
        if value != self._committed:
            self._committed = value
            self.date_changed.emit(value)
        return True

    def _parse(self, text: str) -> date | None:
        if not text.strip() and self._optional:
            return None
        value = parse_date_entry(text, self.today)
        earliest_reason, latest_reason = self.limit_reasons
        check_range(value, self._earliest, self._latest, earliest_reason=earliest_reason,
                    latest_reason=latest_reason)
        return value

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt's name
        key = event.key()
        alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        if key == Qt.Key.Key_F4 or (key == Qt.Key.Key_Down and alt):
            self.open_calendar()
            return
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and not alt:
            self._step(1 if key == Qt.Key.Key_Up else -1)
            return
        super().keyPressEvent(event)

    def _step(self, direction: int) -> None:
        """Up/Down: one day, month or year more or less, by where the cursor is in MM/DD/YYYY."""
        try:
            current = parse_date_entry(self.text(), self.today)
        except DateEntryError:
            return
        position = self.cursorPosition()
        if position <= 2:
            stepped = add_months(current, direction)
        elif position <= 5:
            stepped = current + timedelta(days=direction)
        else:
            stepped = add_months(current, 12 * direction)
        self.setText(format_entry(stepped))
        self.setCursorPosition(position)
        self.commit()

    # ---- the calendar -------------------------------------------------------------------------------
    def open_calendar(self) -> None:
        if self._calendar is None:
            self._calendar = _CalendarPopup(self)
            self._calendar.picked.connect(self._picked)
        try:
            shown = self._parse(self.text()) or self.today
        except DateEntryError:
            shown = self._committed or self.today
        self._calendar.show_for(shown, self._earliest, self._latest)

    def _picked(self, value: date) -> None:
        self.setText(format_entry(value))
        self.commit()
        self.setFocus()


class _CalendarPopup(QWidget):
    picked = Signal(object)

    def __init__(self, field: DateEdit) -> None:
        super().__init__(field, Qt.WindowType.Popup)
        self.field = field
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(True)
        self.calendar.clicked.connect(self._choose)
        self.calendar.activated.connect(self._choose)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.calendar)

    def show_for(self, value: date, earliest: date | None, latest: date | None) -> None:
        self.calendar.setMinimumDate(_qdate(earliest or date(1900, 1, 1)))
        self.calendar.setMaximumDate(_qdate(latest or date(2200, 12, 31)))
        self.calendar.setSelectedDate(_qdate(value))
        self.adjustSize()
        self.move(self.field.mapToGlobal(QPoint(0, self.field.height())))
        self.show()
        self.calendar.setFocus()

    def _choose(self, value: QDate) -> None:
        self.hide()
        self.picked.emit(date(value.year(), value.month(), value.day()))


class DateTimeEdit(QWidget):
    """A moment: the shared date field and a time beside it (a discharge, when the agency heard)."""

    def __init__(self, value: datetime, parent: QWidget | None = None, *, latest: datetime | None = None,
                 earliest: date | None = None, name: str = "") -> None:
        super().__init__(parent)
        self._latest = latest
        self.date_edit = DateEdit(value.date(), earliest=earliest,
                                  latest=latest.date() if latest else None, today=value.date(), name=name)
        self.time_edit = TimeEdit(value.time(), name=f"{name} time" if name else "Time")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.date_edit)
        layout.addWidget(self.time_edit)
        layout.addStretch(1)
        self.setFocusProxy(self.date_edit)

    def value(self) -> datetime:
        day = self.date_edit.value()
        assert day is not None  # the date is not optional here
        moment = datetime.combine(day, self.time_edit.value())
        if self._latest is not None and moment > self._latest:
            raise ValidationFailed(f"{self.date_edit.accessibleName() or 'The time'}: "
                                   "that moment is still to come; type when it happened.")
        return moment

    def set_value(self, value: datetime) -> None:
        self.date_edit.set_value(value.date())
        self.time_edit.set_value(value.time())


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _calendar_icon() -> QIcon:
    path = resource_path("icons/calendar.svg")
    return QIcon(str(path)) if path.exists() else QIcon()
