"""The Qt half of `hhdesk --smoke-test` (see `hhdesk.cli.smoke`, which calls these in order).

Each function raises with a sentence saying what went wrong, and returns a short detail for the step's
line. They exercise what a frozen build most often gets wrong: the platform plugin, the PDF module, the
style sheet and icon from resources/, section modules imported by name (invisible to the bundler's import
scan), the licence files of the About dialog, and the daily backup and log out that run when the window
closes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import PySide6
from PySide6.QtCore import QEventLoop, QObject, QSize, QTimer, qVersion
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QApplication, QMessageBox

from hhdesk.services.context import AppSession

PDF_RENDER_SIZE = QSize(612, 792)  # a US Letter page at 72 dpi: enough to prove the renderer draws
MODAL_POLL_MS = 100


class QtSmokeFailed(Exception):
    """A Qt step ran but its result was wrong; the message is the whole reason."""

    is_check_failure = True  # hhdesk.cli.smoke prints the message alone, without the type


@dataclass(frozen=True)
class QtInfo:
    qt_version: str
    platform: str


def start_qt() -> QtInfo:
    """The application, made as the real program makes it (style, style sheet, window icon)."""
    from hhdesk.ui.app import make_application

    application = make_application()
    return QtInfo(qVersion(), application.platformName())


def check_pdf(path: Path) -> int:
    """Load the PDF with QtPdf (the window's preview), draw its first page; returns the page count."""
    document = QPdfDocument()
    try:
        error = document.load(str(path))
        if error != QPdfDocument.Error.None_:
            raise QtSmokeFailed(f"QPdfDocument could not load the packet ({error.name})")
        if document.status() != QPdfDocument.Status.Ready:
            raise QtSmokeFailed(f"QPdfDocument status is {document.status().name}, expected Ready")
        pages = document.pageCount()
        if pages <= 0:
            raise QtSmokeFailed("QPdfDocument found no pages in the packet")
        if document.render(0, PDF_RENDER_SIZE).isNull():
            raise QtSmokeFailed("QPdfDocument could not draw the packet's first page")
        return pages
    finally:
        document.close()


def check_bindings(calls: int = 1000) -> str:
    """Fail if the Qt bindings lose a reference to None on each Qt call that returns nothing.

    PySide6/Shiboken 6.12.0 does this on CPython 3.11 (where None is not yet immortal): every such call
    takes one reference away, and once they add up to None's real count the interpreter aborts with
    "deallocating None", hours into a session. Python 3.12 and later are immune.
    """
    if sys.version_info >= (3, 12):
        return "None is immortal on this Python"
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(calls):
        probe.setObjectName("probe")  # returns nothing
    lost = before - sys.getrefcount(None)
    if lost >= calls // 2:
        raise QtSmokeFailed(
            f"PySide6 {PySide6.__version__} on Python {sys.version_info.major}.{sys.version_info.minor} loses "
            f"a reference to None on every Qt call that returns nothing ({lost} in {calls} calls): the program "
            "would abort after a long session. Build with Python 3.12 or later, or another PySide6 version."
        )
    return f"{lost} references lost in {calls} calls"


def open_and_close_main_window(session: AppSession, timeout_s: float = 60.0) -> str:
    """Open the main window, show every section the user may see and the About dialog, then close the
    window as the user would (daily backup, log out) and wait for that to finish."""
    from hhdesk.services import maintenance
    from hhdesk.ui import workers
    from hhdesk.ui.dialogs.about import AboutDialog
    from hhdesk.ui.main_window import MainWindow

    assert isinstance(QApplication.instance(), QApplication), "start_qt() first"
    # Events are pumped through a QEventLoop of our own: its processEvents() returns a value, and so does
    # not trip the reference bug check_bindings() looks for.
    loop = QEventLoop()
    with _watch_for_trouble() as trouble:
        window = MainWindow(session)
        window.show()
        loop.processEvents()
        keys = window.section_keys()
        for key in keys:
            try:
                window.show_section(key)
            except KeyError:  # the section's widget was not built; the reason is in trouble.problems
                trouble.problems.append(f"the {key} section could not be opened")
            loop.processEvents()
        about = AboutDialog(window, store_path=session.store.path)
        about.show()
        loop.processEvents()
        missing = about.missing_licence_files()
        about.close()
        if window.grab().isNull():
            trouble.problems.append("the main window could not be drawn")
        if missing:
            trouble.problems.append("licence files missing from the bundle: " + ", ".join(missing))
        closed: list[bool] = []
        window.quit_requested.connect(lambda: (closed.append(True), loop.quit()))
        deadline = QTimer()
        deadline.setSingleShot(True)
        deadline.timeout.connect(loop.quit)
        window.close()  # the daily backup runs on a worker thread, then the log out, then quit_requested
        if not closed:
            deadline.start(int(timeout_s * 1000))
            loop.exec()
            deadline.stop()
        workers.wait_for_all()
        loop.processEvents()
        window.deleteLater()
        loop.processEvents()
        if not closed:
            trouble.problems.append(f"the window did not finish closing within {timeout_s:.0f} s")
        elif not maintenance.list_backups(session.store.path):
            trouble.problems.append("closing the window made no daily backup")
    if trouble.problems:
        raise QtSmokeFailed("; ".join(trouble.problems))
    return f"{len(keys)} sections, About, closed with daily backup and log out"


@dataclass
class _Trouble:
    problems: list[str] = field(default_factory=list)


@contextmanager
def _watch_for_trouble() -> Iterator[_Trouble]:
    """Collect what would otherwise only reach a person: exceptions escaping Qt slots (they go to
    sys.excepthook, not to the caller) and message boxes (modal: offscreen, nobody would answer them)."""
    trouble = _Trouble()
    previous_hook = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        trouble.problems.append(f"{kind.__name__} in a Qt slot: {exc}")

    def answer_message_boxes() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.isVisible():
                trouble.problems.append(f"a message box appeared: {widget.text()}")
                widget.reject()

    timer = QTimer()
    timer.setInterval(MODAL_POLL_MS)
    timer.timeout.connect(answer_message_boxes)
    sys.excepthook = hook
    timer.start()
    try:
        yield trouble
    finally:
        timer.stop()
        sys.excepthook = previous_hook
