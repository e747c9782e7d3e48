"""How a person puts a value into one of the window's typed fields (a date, a time), for the key-sequence tests:
each way starts from the value already in the field."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

WAYS = ["tab in", "ctrl+a", "paste", "backspace"]


def type_into(qtbot: Any, before: QLineEdit, field: QLineEdit, text: str, how: str) -> None:
    """`how`: Tab in from `before` (the field selects its text) and type; click in, Ctrl+A and type; paste over
    a Ctrl+A selection (with spaces around, as copied text often has); or erase with Backspace and type."""
    if how == "tab in":
        before.setFocus()
        qtbot.keyClick(before, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is field and field.selectedText() == field.text()
        qtbot.keyClicks(field, text)
    elif how == "ctrl+a":
        field.setFocus(Qt.FocusReason.MouseFocusReason)
        field.setCursorPosition(2)
        qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(field, text)
    elif how == "paste":
        field.setFocus(Qt.FocusReason.MouseFocusReason)
        QApplication.clipboard().setText(f" {text} ")
        qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    else:
        field.setFocus(Qt.FocusReason.MouseFocusReason)
        field.end(False)
        for _ in range(len(field.text())):
            qtbot.keyClick(field, Qt.Key.Key_Backspace)
        qtbot.keyClicks(field, text)


class FieldForm(QWidget):
    """A field with one line edit before it and one after, so that Tab goes in and out as in a real form;
    `announced` collects what the field's change signal says."""

    def __init__(self, field: QLineEdit, changed: Any) -> None:
        super().__init__()
        self.before = QLineEdit()
        self.field = field
        self.after = QLineEdit()
        layout = QVBoxLayout(self)
        for widget in (self.before, field, self.after):
            layout.addWidget(widget)
        self.announced: list[Any] = []
        changed.connect(self.announced.append)


def shown_form(qtbot: Any, form: FieldForm) -> FieldForm:
    qtbot.addWidget(form)
    form.show()
    with qtbot.waitActive(form):
        form.activateWindow()
    return form
