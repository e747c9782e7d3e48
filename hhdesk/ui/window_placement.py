"""Every window opens inside the screen it is on, at the size and place its user last left it.

Clinics run hhdesk on 1366×768 laptops, often at 125 or 150 % scaling, where a window of a fixed size
(a PDF preview 920 pixels high) puts its buttons under the taskbar. So no window here has a fixed size:

- ``preferred_size(window, width, height)`` is what a window asks for at first: the size it would like,
  cut down to the available part of its screen.
- ``WindowPlacement`` (one per application, installed by ``install``) watches every top-level window. When
  one is shown it puts back the size and position its user left it at (per user, per kind of window, in
  this computer's window preferences, ``hhdesk.ui.prefs``; a dialog gets its size back but still opens over
  the window it belongs to), then fits it into the available geometry of its
  screen: smaller if needed, moved inside. A dialog whose content cannot shrink that far gets a scroll bar
  around its content, while its buttons stay in view below it. When a window is hidden its geometry is
  remembered for next time.

Only sizes and positions are kept, never anything a window shows.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLayout,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    QWizard,
)

from hhdesk.ui.prefs import prefs

PREFS_GROUP = "windows"
SCROLLED_PROPERTY = "hhdesk_scrolled"
PLACED_PROPERTY = "hhdesk_placed"
# A window manager's title bar is not known before the window is first mapped; keep room for one.
TITLE_BAR_ALLOWANCE = 32


def available_geometry(widget: QWidget) -> QRect:
    """The part of the widget's screen that taskbars and docks leave free (tests replace this function)."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1024, 700)


def preferred_size(widget: QWidget, width: int, height: int, share: float = 0.92) -> None:
    """Resize ``widget`` to the size it would like, but never beyond ``share`` of the available screen."""
    area = available_geometry(widget)
    widget.resize(min(width, int(area.width() * share)), min(height, int(area.height() * share)))


def _frame_margins(widget: QWidget) -> QSize:
    frame, inner = widget.frameGeometry(), widget.geometry()
    extra_width, extra_height = frame.width() - inner.width(), frame.height() - inner.height()
    if extra_height <= 0:
        extra_height = TITLE_BAR_ALLOWANCE
    return QSize(max(extra_width, 0), extra_height)


def _button_row(layout: QLayout) -> QWidget | QLayout | None:
    """The last thing in a dialog's top-level layout if it holds its buttons (a button box, or a row of push
    buttons), so that it can stay outside the scrolled part."""
    if layout.count() == 0:
        return None
    last = layout.itemAt(layout.count() - 1)
    widget, inner = last.widget(), last.layout()
    if isinstance(widget, QDialogButtonBox):
        return widget
    if isinstance(inner, QBoxLayout) and any(
            isinstance(inner.itemAt(i).widget(), (QPushButton, QDialogButtonBox)) for i in range(inner.count())):
        return inner
    return None


def make_scrollable(dialog: QDialog) -> bool:
    """Put the dialog's content in a scroll area, keeping its row of buttons below it. False if the dialog
    has no layout to move (or is already scrollable)."""
    layout = dialog.layout()
    if layout is None or dialog.property(SCROLLED_PROPERTY) or isinstance(dialog, (QMessageBox, QWizard)):
        return False
    buttons = _button_row(layout)
    if isinstance(buttons, QWidget):
        layout.removeWidget(buttons)
    elif buttons is not None:
        layout.takeAt(layout.count() - 1)
        buttons.setParent(None)
    margins = layout.contentsMargins()
    content = QWidget()
    content.setLayout(layout)  # takes the layout, and its widgets, from the dialog
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(content)
    outer = QVBoxLayout(dialog)
    outer.setContentsMargins(0, 0, margins.right(), margins.bottom())
    outer.addWidget(scroll, 1)
    if isinstance(buttons, QWidget):
        outer.addWidget(buttons)
    elif buttons is not None:
        outer.addLayout(buttons)
    dialog.setProperty(SCROLLED_PROPERTY, True)
    return True


def fit_into_screen(widget: QWidget) -> None:
    """Shrink and move a top-level window so that all of it, frame included, lies in the available area."""
    if widget.isMaximized() or widget.isFullScreen():
        return  # the window system already holds it to the screen
    area = available_geometry(widget)
    margins = _frame_margins(widget)
    room = QSize(area.width() - margins.width(), area.height() - margins.height())
    if isinstance(widget, QDialog):
        needed = widget.minimumSizeHint().expandedTo(widget.minimumSize())
        if needed.height() > room.height() or needed.width() > room.width():
            make_scrollable(widget)
    # A window may ask for a minimum larger than the screen; the screen wins.
    minimum = widget.minimumSize()
    if minimum.width() > room.width() or minimum.height() > room.height():
        widget.setMinimumSize(minimum.boundedTo(room))
    size = widget.size().boundedTo(room)
    if size != widget.size():
        widget.resize(size)
    width, height = size.width() + margins.width(), size.height() + margins.height()
    frame = widget.frameGeometry()
    x = min(max(frame.x(), area.left()), area.left() + area.width() - width)
    y = min(max(frame.y(), area.top()), area.top() + area.height() - height)
    if (x, y) != (frame.x(), frame.y()):
        widget.move(x, y)


def _kind(widget: QWidget) -> str:
    return widget.objectName() or type(widget).__name__


def _remembers(widget: QWidget) -> bool:
    """Windows of ours that the user sizes (the main window, charts, our dialogs); not message boxes,
    file dialogs or progress dialogs, which size themselves."""
    return type(widget).__module__.startswith("hhdesk.")


class WindowPlacement(QObject):
    """The application-wide event filter described in the module docstring."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.username = ""

    def set_user(self, username: str) -> None:
        """Whose sizes to use: each user keeps their own (set at login)."""
        self.username = username

    def _key(self, widget: QWidget) -> str:
        return f"{PREFS_GROUP}/{self.username or '_'}/{_kind(widget)}"

    def restore(self, widget: QWidget) -> bool:
        """Put back the size, place and maximised state this user left this kind of window in; False if
        there is none. (Kept as plain numbers rather than Qt's geometry blob, which fits itself to whatever
        screen Qt sees, so that ``fit_into_screen`` alone decides.)"""
        saved = prefs().value(self._key(widget))
        if not isinstance(saved, str):
            return False
        try:
            x, y, width, height, maximised = (int(part) for part in saved.split(","))
        except ValueError:
            return False
        if width <= 0 or height <= 0:
            return False
        if isinstance(widget, QDialog):
            # A dialog keeps its size but opens where Qt puts it, over the window it belongs to.
            centre = widget.geometry().center()
            widget.resize(width, height)
            widget.move(centre.x() - width // 2, centre.y() - height // 2)
        else:
            widget.setGeometry(QRect(x, y, width, height))
        if maximised:
            widget.setWindowState(widget.windowState() | Qt.WindowState.WindowMaximized)
        return True

    def remember(self, widget: QWidget) -> None:
        maximised = widget.isMaximized()
        rect = widget.normalGeometry() if maximised and widget.normalGeometry().isValid() else widget.geometry()
        prefs().setValue(self._key(widget), f"{rect.x()},{rect.y()},{rect.width()},{rect.height()},{int(maximised)}")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        kind = event.type()
        if kind not in (QEvent.Type.Show, QEvent.Type.Hide) or not isinstance(watched, QWidget):
            return False
        if not watched.isWindow() or watched.windowType() in (Qt.WindowType.Popup, Qt.WindowType.ToolTip,
                                                              Qt.WindowType.SplashScreen):
            return False
        if kind == QEvent.Type.Show:
            if not watched.property(PLACED_PROPERTY):
                watched.setProperty(PLACED_PROPERTY, True)
                if _remembers(watched):
                    self.restore(watched)
            fit_into_screen(watched)
        elif _remembers(watched) and watched.property(PLACED_PROPERTY):
            self.remember(watched)
        return False


_placement: WindowPlacement | None = None


def install(application: QApplication | None = None) -> WindowPlacement:
    """Install the placement filter on the application once; returns it."""
    global _placement  # one filter per application
    application = application or QApplication.instance()
    if _placement is None:
        _placement = WindowPlacement(application)
        application.installEventFilter(_placement)
    return _placement


def uninstall() -> None:
    """Remove the filter again (tests that install it leave the application as they found it)."""
    global _placement  # one filter per application
    if _placement is not None:
        application = QApplication.instance()
        if application is not None:
            application.removeEventFilter(_placement)
        _placement = None


def placement() -> WindowPlacement | None:
    return _placement
