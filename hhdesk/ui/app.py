"""The application: its look, and the path from first run or login to the main window and back.

`run_gui(store_path, username)` is what `hhdesk gui` and `hhdesk demo` call. `Shell` holds the flow
(setup wizard if there is no store yet, else login; main window; back to login after log out or a restore)
without blocking, so that tests drive it with pytest-qt.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QFont, QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from hhdesk import __version__
from hhdesk.clock import AgencyClock, seconds_since_epoch
from hhdesk.config import keyslots_path
from hhdesk.errors import UserError
from hhdesk.resources_path import resource_path
from hhdesk.services import agency, workstation_join
from hhdesk.services.connection_file import is_connection_file, read_connection_file
from hhdesk.services.context import AppSession
from hhdesk.services.join_file import SUFFIX as JOIN_FILE_SUFFIX
from hhdesk.services.workstation_join import JoinedHost
from hhdesk.ui import window_placement, workers
from hhdesk.ui.dialogs.login import LoginDialog
from hhdesk.ui.dialogs.setup_wizard import SetupWizard
from hhdesk.ui.errors import install_excepthook
from hhdesk.ui.logs import configure_logging
from hhdesk.ui.main_window import MainWindow

log = logging.getLogger("hhdesk.ui")

MIN_POINT_SIZE = 10


def make_application() -> QApplication:
    """The process's QApplication (reused if one exists, as under pytest-qt), named and styled."""
    application = QApplication.instance()
    if application is None:
        application = QApplication([sys.argv[0] if sys.argv else "hhdesk"])
    assert isinstance(application, QApplication)
    application.setApplicationName("hhdesk")
    application.setOrganizationName("hhdesk")
    application.setApplicationVersion(__version__)
    apply_look(application)
    window_placement.install(application)
    return application


def apply_look(application: QApplication) -> None:
    """Fusion, a light scheme whatever the desktop's, a readable font size, and the small style sheet."""
    application.setStyle("Fusion")
    application.styleHints().setColorScheme(Qt.ColorScheme.Light)
    font = QFont(application.font())
    if 0 < font.pointSizeF() < MIN_POINT_SIZE:
        font.setPointSizeF(MIN_POINT_SIZE)
        application.setFont(font)
    qss = resource_path("qss/hhdesk.qss")
    if qss.exists():
        application.setStyleSheet(qss.read_text(encoding="utf-8"))
    icon = resource_path("icons/hhdesk.svg")
    if icon.exists():
        application.setWindowIcon(QIcon(str(icon)))


class Shell(QObject):
    """First run or login → main window → (log out) → login …; `quit` is called when the user is done."""

    def __init__(self, store_path: Path | str | JoinedHost, username: str | None = None,
                 quit: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.store_path: Path | str | JoinedHost = location(store_path)
        self.username = username
        self._quit = quit or (lambda: None)
        self.clock = AgencyClock()  # the window's one clock, handed to every session it logs in
        self.wizard: SetupWizard | None = None
        self.login: LoginDialog | None = None
        self.window: MainWindow | None = None

    def start(self) -> None:
        if isinstance(self.store_path, JoinedHost):
            self.reach_host()
        elif isinstance(self.store_path, str) or self.store_path.exists() or keyslots_path(self.store_path).exists():
            self.show_login()
        else:
            self.show_wizard()

    def reach_host(self, username: str | None = None, message: str = "") -> None:
        """Find the agency's host where it answers now, then the login (which says if it moved); if it cannot
        be found, say why and offer to try again."""
        host = self.store_path
        assert isinstance(host, JoinedHost)
        said: list[str] = []
        while True:
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                url = workstation_join.reach(host, said.append)
            except UserError as exc:
                QGuiApplication.restoreOverrideCursor()
                again = QMessageBox.warning(None, "hhdesk", str(exc),
                                            QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Close,
                                            QMessageBox.StandardButton.Retry)
                if again == QMessageBox.StandardButton.Retry:
                    continue
                self._quit()
                return
            QGuiApplication.restoreOverrideCursor()
            break
        self.store_path = url
        self.show_login(username, " ".join([*said, message]).strip())

    def show_wizard(self) -> None:
        assert isinstance(self.store_path, Path)
        self.wizard = SetupWizard(self.store_path, clock=self.clock)
        self.wizard.finished.connect(self._wizard_finished)
        self.wizard.show()

    def _wizard_finished(self, _result: int) -> None:
        wizard, self.wizard = self.wizard, None
        assert wizard is not None
        wizard.deleteLater()
        if wizard.joined_host is not None:
            log.info("Joined the agency's host")
            self.store_path = wizard.joined_host
            self.reach_host(wizard.admin_username or None, "This computer now works on the agency's host. Log in "
                                                         "with your own user name and password.")
            return
        if wizard.recovery_key is None:
            self._quit()
            return
        log.info("Store created")
        self.show_login(wizard.admin_username, "The store is ready. Log in with the password you just chose.")

    def show_login(self, username: str | None = None, message: str = "") -> None:
        assert not isinstance(self.store_path, JoinedHost), "reach_host gives the login the URL where it answers"
        self.login = LoginDialog(self.store_path, username or self.username, message, clock=self.clock)
        self.login.finished.connect(self._login_finished)
        self.login.show()
        self.login.raise_()
        self.login.activateWindow()

    def _login_finished(self, _result: int) -> None:
        dialog, self.login = self.login, None
        assert dialog is not None
        dialog.deleteLater()
        if dialog.session is None:
            self._quit()
            return
        self.open_window(dialog.session)

    def open_window(self, session: AppSession) -> None:
        log.info("Logged in (role %s)", session.actor.role.value)
        self.window = MainWindow(session)
        self.window.session_ended.connect(self._session_ended)
        self.window.quit_requested.connect(self._window_quit)
        self.window.show()

    def _session_ended(self, message: str) -> None:
        window, self.window = self.window, None
        if window is not None:
            window.deleteLater()
        log.info("Session ended")
        self.show_login(message=message)

    def _window_quit(self) -> None:
        window, self.window = self.window, None
        if window is not None:
            window.deleteLater()
        log.info("Window closed")
        self._quit()


# For `hhdesk bench` only: once the first window (login or setup) has been shown and the pending events
# (layout, first paint) handled, print "shown <seconds since the epoch>" on stdout and quit, so that a benchmark can time
# a cold start from process spawn to the window shown.
EXIT_WHEN_SHOWN_ENV = "HHDESK_EXIT_WHEN_SHOWN"


def _report_shown_and_quit(application: QApplication) -> None:
    print(f"shown {seconds_since_epoch():.6f}", flush=True)
    application.quit()


def location(store_path: Path | str | JoinedHost) -> Path | str | JoinedHost:
    """Where the window's data is: a store file, or an agency server's URL (given as such, or by a connection
    file, ``NAME.hhserver``, that names it), or an agency's host (joined, or named by a join file)."""
    if isinstance(store_path, JoinedHost):
        return store_path
    if is_connection_file(store_path):
        return read_connection_file(Path(store_path).expanduser())
    if str(store_path).lower().endswith(JOIN_FILE_SUFFIX):
        return workstation_join.host_from_join_file(Path(store_path).expanduser())
    if isinstance(store_path, str) and not agency.is_server_url(store_path):
        return Path(store_path)
    return store_path


def run_gui(store_path: Path | str | JoinedHost, username: str | None = None) -> int:
    """Open the window on `store_path`: a store file (the setup wizard first if there is no store there yet),
    an agency server's URL or a connection file naming one (the login, whose password logs in to the server)."""
    configure_logging()
    log.info("hhdesk %s starting", __version__)
    application = make_application()
    install_excepthook()
    # The shell decides when to quit: between the window closing and the login showing, no window is open.
    application.setQuitOnLastWindowClosed(False)
    try:
        shell = Shell(store_path, username, quit=application.quit)
    except UserError as exc:  # an unreadable connection file: said once, in a box, before anything opens
        QMessageBox.warning(None, "hhdesk", str(exc))
        return 1
    shell.start()
    if os.environ.get(EXIT_WHEN_SHOWN_ENV) == "1":
        QTimer.singleShot(0, lambda: _report_shown_and_quit(application))
    code = application.exec()
    workers.wait_for_all()
    log.info("hhdesk stopped")
    return code
