"""A new password typed twice, with the rule shown and checked as the user types."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFormLayout, QLineEdit

from hhdesk.domain.passwords import MIN_LENGTH, password_problems
from hhdesk.ui.widgets.labels import MessageLabel, role_label

RULE_TEXT = (f"At least {MIN_LENGTH} characters, not containing the username, and hard to guess. "
             "A short sentence of four or more ordinary words works well.")


class NewPasswordFields(QObject):
    """Two password fields under one rule; `problems()` is empty when the password may be used.

    `add_to(form)` puts the fields into the caller's form, so that their labels line up with the rest.
    """

    changed = Signal()

    def __init__(self, username: Callable[[], str], first_label: str = "&Password:",
                 second_label: str = "&Again:") -> None:
        super().__init__()
        self._username = username
        self._labels = (first_label, second_label)
        self.first = QLineEdit()
        self.first.setEchoMode(QLineEdit.EchoMode.Password)
        self.second = QLineEdit()
        self.second.setEchoMode(QLineEdit.EchoMode.Password)
        self.rule = role_label(RULE_TEXT, "muted")
        self.message = MessageLabel()
        self.first.textChanged.connect(self.refresh)
        self.second.textChanged.connect(self.refresh)

    def add_to(self, form: QFormLayout) -> None:
        form.addRow(self._labels[0], self.first)
        form.addRow(self._labels[1], self.second)
        form.addRow("", self.rule)
        form.addRow("", self.message)

    def password(self) -> str:
        return self.first.text()

    def problems(self) -> list[str]:
        problems = password_problems(self._username(), self.first.text())
        if self.first.text() != self.second.text():
            problems.append("The two passwords differ.")
        return problems

    def show_first_problem(self) -> bool:
        """On submit: say the first problem under the fields (even before the second is typed); True if any."""
        problems = self.problems()
        if problems:
            self.message.show_error(problems[0])
            self.first.setFocus()
        return bool(problems)

    def refresh(self) -> None:
        """Show the first problem once the user has typed something; call it when the username changes."""
        problems = self.problems()
        if not self.first.text():
            self.message.clear_message()
        elif problems and not (problems == ["The two passwords differ."] and not self.second.text()):
            self.message.show_error(problems[0])
        elif not problems:
            self.message.show_ok("This password can be used.")
        else:
            self.message.clear_message()
        self.changed.emit()

    def clear(self) -> None:
        self.first.clear()
        self.second.clear()
