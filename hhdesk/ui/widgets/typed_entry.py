"""What the window's typed fields (a date, a time of day) share: a line edit read as a whole.

A sectioned spin box (QDateEdit, QTimeEdit) edits one section at a time, so a whole value typed over a
selection lands in the wrong sections and gives another value with no warning. These fields are line
edits instead: the text is read as a whole by a pure parser of hhdesk.domain when the user leaves the
field or presses Enter. What the parser refuses stays as typed; the field turns red, says why (its
tooltip, and `problem()`), and the form's Save shows that sentence and stores nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QLineEdit, QToolTip, QWidget

_KEYBOARD_REASONS = (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason,
                     Qt.FocusReason.ShortcutFocusReason, Qt.FocusReason.OtherFocusReason)


class TypedEntryField(QLineEdit):
    """A line edit whose text is one value; subclasses read it and call `_set_problem` with the refusal."""

    def __init__(self, parent: QWidget | None = None, *, name: str = "", hint: str = "") -> None:
        super().__init__(parent)
        self._problem = ""
        self._usual_tooltip = ""
        self.setPlaceholderText(hint)
        if name:
            self.setAccessibleName(name)
        self.setProperty("invalid", False)
        self.textEdited.connect(self._edited)

    def problem(self) -> str:
        """Why the text is not a value, as the user reads it; "" when it is one."""
        return self._problem

    def set_usual_tooltip(self, text: str) -> None:
        self._usual_tooltip = text
        if not self._problem:
            self.setToolTip(text)

    def _with_name(self, message: str) -> str:
        name = self.accessibleName()
        return f"{name}: {message}" if name else message

    def _set_problem(self, text: str) -> None:
        self._problem = text
        self.setToolTip(text or self._usual_tooltip)
        if bool(self.property("invalid")) != bool(text):
            self.setProperty("invalid", bool(text))
            self.style().unpolish(self)
            self.style().polish(self)

    def _refuse(self, message: str) -> None:
        """Flag the text as not a value; said at once when the user has just left the field."""
        self._set_problem(self._with_name(message))
        if self.isVisible() and self.hasFocus() is False:
            QToolTip.showText(self.mapToGlobal(QPoint(0, self.height())), self._problem, self)

    def _edited(self, _text: str) -> None:
        if self._problem:  # typing again: the red stays until the field is left, but the tip goes
            QToolTip.hideText()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if event.reason() in _KEYBOARD_REASONS:
            # Typing replaces the whole value, as when a spreadsheet cell is typed over.
            self.selectAll()
