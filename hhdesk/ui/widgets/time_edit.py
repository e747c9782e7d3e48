"""The one time-of-day field of the window: a time typed the way people type times.

Like the date field it is a line edit read as a whole (`TypedEntryField`), by
`hhdesk.domain.time_entry.parse_time_entry`, when the user leaves it or presses Enter: `9:30`, `930`,
`9:30 pm`, `21:30` typed over a selection or pasted give that time, shown back as `9:30 PM`. What is not
a time stays as typed, the field turns red and says why, and `value()` refuses it with that sentence.

Keys: Up/Down step the hour (cursor on the hour) or the minutes (cursor after the colon).
"""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

from hhdesk.domain.time_entry import TIME_HINT, TimeEntryError, format_time_entry, parse_time_entry
from hhdesk.errors import ValidationFailed
from hhdesk.ui.widgets.typed_entry import TypedEntryField

MINUTES_A_DAY = 24 * 60


class TimeEdit(TypedEntryField):
    """A time-of-day field. `value()` is the time typed, to the minute."""

    time_changed = Signal(object)
    """A different time was entered (Enter, leaving the field, Up/Down, or `set_value`)."""

    def __init__(self, value: time, parent: QWidget | None = None, *, name: str = "") -> None:
        super().__init__(parent, name=name, hint=TIME_HINT)
        self._committed: time | None = None
        self.set_usual_tooltip(f"A time of day, as {TIME_HINT}")
        self.setMaxLength(16)
        self.setMinimumWidth(90)
        self.setMaximumWidth(120)
        self.editingFinished.connect(self.commit)
        self.set_value(value)

    def value(self) -> time:
        """The time in the field as typed now; raises ValidationFailed (one sentence) if it is not one."""
        try:
            return parse_time_entry(self.text())
        except TimeEntryError as exc:
            raise ValidationFailed(self._with_name(str(exc))) from None

    def set_value(self, value: time) -> None:
        """Show `value` (to the minute) as the field's time, without asking anything."""
        value = value.replace(second=0, microsecond=0)
        self.setText(format_time_entry(value))
        self._set_problem("")
        self._announce(value)

    def committed(self) -> time | None:
        """The last time entered in full (what `time_changed` last said)."""
        return self._committed

    def commit(self) -> bool:
        """Read what was typed: a time is shown as 9:30 PM and announced; anything else is flagged."""
        try:
            value = parse_time_entry(self.text())
        except TimeEntryError as exc:
            self._refuse(str(exc))
            return False
        self._set_problem("")
        shown = format_time_entry(value)
        if self.text() != shown:
            self.setText(shown)
        self._announce(value)
        return True

    def _announce(self, value: time) -> None:
        if value != self._committed:
            self._committed = value
            self.time_changed.emit(value)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) and not event.modifiers():
            self._step(1 if event.key() == Qt.Key.Key_Up else -1)
            return
        super().keyPressEvent(event)

    def _step(self, direction: int) -> None:
        try:
            current = parse_time_entry(self.text())
        except TimeEntryError:
            return
        position = self.cursorPosition()
        colon = self.text().find(":")
        on_hour = colon < 0 or position <= colon
        minutes = (current.hour * 60 + current.minute + (60 if on_hour else 1) * direction) % MINUTES_A_DAY
        self.setText(format_time_entry(time(*divmod(minutes, 60))))
        self.setCursorPosition(min(position, len(self.text())))
        self.commit()
