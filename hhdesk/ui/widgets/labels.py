"""Labels that take their look from the style sheet through a `role` property (heading, muted, error)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


def set_role(widget: QWidget, role: str) -> None:
    """Give a widget a style role and make the style sheet notice the change."""
    if widget.property("role") == role:
        return
    widget.setProperty("role", role)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def role_label(text: str = "", role: str = "", *, wrap: bool = True, parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(wrap)
    if role:
        label.setProperty("role", role)
    if role in ("error", "ok"):
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class MessageLabel(QLabel):
    """One line under a form that says what is wrong (red) or what went well (green); hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setProperty("role", "error")
        self.hide()

    def show_error(self, text: str) -> None:
        set_role(self, "error")
        self._show(text)

    def show_ok(self, text: str) -> None:
        set_role(self, "ok")
        self._show(text)

    def clear_message(self) -> None:
        self.setText("")
        self.hide()

    def _show(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))
