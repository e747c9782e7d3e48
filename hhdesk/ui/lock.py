"""Locking after inactivity: a watch on user input, and the screen that asks for the password again.

The watch compares both the monotonic and the wall clock with the last input, so that a laptop that slept
for an hour locks at once when it wakes (the monotonic clock stands still during sleep on some systems).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hhdesk.clock import seconds_since_epoch
from hhdesk.services.context import Actor
from hhdesk.ui.widgets.labels import MessageLabel, role_label

_ACTIVITY = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
    QEvent.Type.MouseMove, QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TabletPress,
})


class InactivityWatch(QObject):
    """Emits `idle` once no key, click, wheel or mouse move has come for `seconds`; then waits for `reset`."""

    idle = Signal()

    def __init__(self, seconds: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._seconds = seconds
        self._paused = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self.set_seconds(seconds)
        self.reset()
        application = QApplication.instance()
        if application is not None:
            application.installEventFilter(self)
        self._timer.start()

    @property
    def seconds(self) -> float:
        return self._seconds

    def set_seconds(self, seconds: float) -> None:
        self._seconds = max(seconds, 0.05)
        # Check a few times within the limit, and at least every 15 s.
        self._timer.setInterval(int(max(50, min(15_000, self._seconds * 1000 / 4))))

    def reset(self) -> None:
        self._last_monotonic = time.monotonic()
        self._last_wall = seconds_since_epoch()

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        self._paused = False
        self.reset()

    def stop(self) -> None:
        self._timer.stop()
        application = QApplication.instance()
        if application is not None:
            application.removeEventFilter(self)

    def idle_seconds(self) -> float:
        return max(time.monotonic() - self._last_monotonic, seconds_since_epoch() - self._last_wall)

    def check(self) -> None:
        if not self._paused and self.idle_seconds() >= self._seconds:
            self._paused = True
            self.idle.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if event.type() in _ACTIVITY:
            self._last_monotonic = time.monotonic()
            self._last_wall = seconds_since_epoch()
        return False


class LockScreen(QWidget):
    """Shown instead of everything else while the window is locked. Nothing about members is on it."""

    unlock_requested = Signal(str)
    log_out_requested = Signal()

    def __init__(self, actor: Actor, agency_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        card = QFrame()
        card.setObjectName("lockCard")
        card.setFixedWidth(440)
        self.reason = role_label("", "muted")
        self.unsaved = role_label("", "muted")
        self.unsaved.setAccessibleName("Unsaved work")
        self.unsaved.hide()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Password")
        self.password.setAccessibleName("Password")
        self.password.returnPressed.connect(self._submit)
        self.message = MessageLabel()
        self.unlock_button = QPushButton("Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self._submit)
        self.log_out_button = QPushButton("Log out")
        self.log_out_button.setToolTip("Someone else needs the computer: end this session without unlocking")
        self.log_out_button.clicked.connect(self.log_out_requested)

        buttons = QHBoxLayout()
        buttons.addWidget(self.log_out_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)

        inner = QVBoxLayout(card)
        inner.setContentsMargins(28, 24, 28, 22)
        inner.setSpacing(10)
        if agency_name:
            inner.addWidget(role_label(agency_name, "muted"))
        inner.addWidget(role_label("hhdesk is locked", "heading"))
        inner.addWidget(self.reason)
        inner.addWidget(self.unsaved)
        who = f"{actor.full_name} ({actor.username})" if actor.full_name != actor.username else actor.username
        inner.addWidget(role_label(f"Type the password for {who} to continue."))
        inner.addWidget(self.password)
        inner.addWidget(self.message)
        inner.addSpacing(4)
        inner.addLayout(buttons)

        outer = QVBoxLayout(self)
        outer.addStretch(2)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(3)

    def prepare(self, reason: str, unsaved_note: str = "") -> None:
        self.reason.setText(reason)
        self.unsaved.setText(unsaved_note)
        self.unsaved.setVisible(bool(unsaved_note))
        self.password.clear()
        self.message.clear_message()
        self.password.setFocus()

    def show_error(self, text: str) -> None:
        self.message.show_error(text)
        self.password.clear()
        self.password.setFocus()

    def _submit(self) -> None:
        if not self.password.text():
            self.show_error("Type your password.")
            return
        self.unlock_requested.emit(self.password.text())
