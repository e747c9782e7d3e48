"""The main window: navigation on the left, the chosen section on the right, and the lock.

Sections come from `hhdesk.ui.sections.SECTIONS`; a member opens through `MEMBER_VIEW_FACTORY`
(see `hhdesk.ui.member_view`). The window ends its session with `session_ended(message)` (back to the login)
or `quit_requested()`; the application shell decides what follows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QScrollArea,
    QStackedWidget,
    QWidget,
)
from shiboken6 import isValid as shiboken_valid

from hhdesk.domain.enums import label
from hhdesk.domain.permissions import Permission
from hhdesk.domain.service_month import ServiceMonth
from hhdesk.errors import SessionEnded
from hhdesk.services import changes, maintenance, settings, users, workstation_join
from hhdesk.services.context import AppSession
from hhdesk.ui import window_placement, workers
from hhdesk.ui.errors import report, session_events, user_errors
from hhdesk.ui.lock import InactivityWatch, LockScreen
from hhdesk.ui.member_view import MemberViewFactory, MemberViewRequest, RecordFocus
from hhdesk.ui.sections import SECTIONS, SectionSpec
from hhdesk.ui.shortcuts import bind_action, bind_shortcut
from hhdesk.ui.unsaved import discard_all, forms_with_unsaved_edits, settle_unsaved
from hhdesk.ui.views.member_chart import open_member_chart
from hhdesk.ui.widgets.labels import role_label

log = logging.getLogger("hhdesk.ui")

MEMBER_VIEW_FACTORY: MemberViewFactory = open_member_chart
"""What `MainWindow.open_member` builds: the member chart."""


def _scrolling(section: QWidget) -> QScrollArea:
    """A section in a scroll area, so that a wide section (Referrals and its filters) scrolls on a small
    screen instead of widening the window past it, and the window keeps the size its user gave it."""
    holder = QScrollArea()
    holder.setWidgetResizable(True)
    holder.setFrameShape(QFrame.Shape.NoFrame)
    holder.setWidget(section)
    return holder


class MainWindow(QMainWindow):
    """One logged-in session. Everything it shows comes from service calls with `self.app`."""

    session_ended = Signal(str)  # back to the login; the message is shown there
    quit_requested = Signal()
    # The agency's host was found at a new address; emitted on whichever thread connected, shown on the UI's.
    host_moved = Signal(str)
    CHANGE_POLL_MS = 5_000  # how soon a list shows what someone else saved
    # The look runs on the window's thread: while the host cannot be reached each look waits for its
    # connection to time out, so failed looks come less and less often, up to this.
    CHANGE_POLL_MAX_MS = 120_000
    HOST_NOTICE_MS = 120_000  # how long the status bar says so (past any "Saved" that follows)

    def __init__(self, app: AppSession, sections: Sequence[SectionSpec] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.store_path: Path | None = app.store.path  # None on an agency's server
        self.settings: settings.Settings = settings.get_settings(app)
        self.agency_name = settings.get_agency(app).name
        self.is_locked = False
        self._disabled_by_lock: list[QAction] = []
        self._session_open = True
        self._closing = False
        self._specs = [spec for spec in (SECTIONS if sections is None else sections)
                       if spec.allowed_for(app.actor)]
        self._section_widgets: dict[str, QWidget] = {}
        self._member_views: dict[int, QWidget] = {}
        self._hidden_by_lock: list[QWidget] = []  # checked with shiboken_valid before use
        self._records_changed = QTimer(self)
        self._records_changed.setSingleShot(True)
        self._records_changed.setInterval(150)
        self._records_changed.timeout.connect(self._refresh_current_section)
        # Other people's changes (another workstation, or another window on the same store file): the lists
        # read them again without a restart (hhdesk.services.changes says why this polls).
        self._last_change: int | None = None
        self._change_poll = QTimer(self)
        self._change_poll.setInterval(self.CHANGE_POLL_MS)
        self._change_poll.timeout.connect(self.check_for_changes)
        self._change_poll.start()
        self.check_for_changes()  # where "since" starts

        self.setWindowTitle(f"hhdesk — {self.agency_name}" if self.agency_name else "hhdesk")
        self._build_shell()
        self._build_menus()
        self._build_status_bar()
        self.host_moved.connect(self._say_host_moved)
        workstation_join.tell_when_host_moves(app, self._host_moved_elsewhere)

        self.inactivity = InactivityWatch(self._lock_seconds(), self)
        self.inactivity.idle.connect(self._idle)
        session_events().account_ended.connect(self._account_ended)
        self._restore_geometry()
        if self._specs:
            self.navigation.setCurrentRow(0)
        if app.seal_findings:
            self._warn_about_audit_log(app.seal_findings)

    def _warn_about_audit_log(self, findings: list[str]) -> None:
        """What the login found wrong with the audit log: said at once, without stopping the window."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Audit log",
                          "Your login checked the audit log against its last seal and found:\n\n"
                          + "\n".join(f"• {finding}" for finding in findings)
                          + "\n\nSee Admin → Audit log → Verify.", parent=self)
        box.setModal(False)
        box.open()

    # ---- building ---------------------------------------------------------------------------------
    def _build_shell(self) -> None:
        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setFixedWidth(190)
        self.navigation.setAccessibleName("Sections")
        for spec in self._specs:
            item = QListWidgetItem(spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            if spec.tooltip:
                item.setToolTip(spec.tooltip)
            self.navigation.addItem(item)
        self.sections = QStackedWidget()
        if not self._specs:
            self.sections.addWidget(role_label("Your role has no sections in this version of hhdesk.", "muted"))
        self.navigation.currentRowChanged.connect(self._show_row)

        self.shell = QWidget()
        layout = QHBoxLayout(self.shell)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.navigation)
        layout.addWidget(self.sections, 1)

        self.lock_screen = LockScreen(self.app.actor, self.agency_name)
        self.lock_screen.unlock_requested.connect(self.try_unlock)
        self.lock_screen.log_out_requested.connect(self.log_out)

        self.pages = QStackedWidget()
        self.pages.addWidget(self.shell)
        self.pages.addWidget(self.lock_screen)
        self.setCentralWidget(self.pages)

        for number, spec in enumerate(self._specs[:9], start=1):
            bind_shortcut("window.section", self,
                          lambda key=spec.key: None if self.is_locked else self.show_section(key),
                          keys=f"Ctrl+{number}")

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.backup_action = QAction("&Backup now…", self)
        self.backup_action.setToolTip("Save an encrypted copy of the store to a file you choose")
        self.backup_action.triggered.connect(self.backup_now)
        self.backup_action.setEnabled(self.app.actor.can(Permission.BACKUP))
        self.import_contacts_action = QAction("Import &contacts…", self)
        self.import_contacts_action.setToolTip("Bring contacts kept in a spreadsheet (CSV) into the store")
        self.import_contacts_action.triggered.connect(self.import_contacts)
        self.import_contacts_action.setVisible(self.app.actor.can(Permission.IMPORT_DATA)
                                               and self.app.actor.can(Permission.EDIT_CLINICAL))
        self.password_action = QAction("Change my &password…", self)
        self.password_action.triggered.connect(self.change_password)
        self.lock_action = QAction("&Lock", self)
        bind_action("window.lock", self.lock_action)
        self.lock_action.triggered.connect(lambda: self.lock("Locked by hand."))
        self.logout_action = QAction("Log &out", self)
        self.logout_action.triggered.connect(self.log_out)
        self.quit_action = QAction("&Quit", self)
        bind_action("window.quit", self.quit_action)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        for action in (self.import_contacts_action, None, self.backup_action, self.password_action, None,
                       self.lock_action,
                       self.logout_action, None, self.quit_action):
            if action is None:
                file_menu.addSeparator()
            else:
                file_menu.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        self.shortcuts_action = QAction("&Keyboard shortcuts", self)
        bind_action("help.shortcuts", self.shortcuts_action)
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        help_menu.addAction(self.shortcuts_action)
        about = QAction("&About hhdesk", self)
        about.setMenuRole(QAction.MenuRole.AboutRole)
        about.triggered.connect(self.about)
        help_menu.addAction(about)

    def _build_status_bar(self) -> None:
        actor = self.app.actor
        who = actor.full_name if actor.full_name and actor.full_name != actor.username else actor.username
        self.user_label = QLabel(f"{who} ({actor.username})" if who != actor.username else who)
        self.role_label = QLabel(label(actor.role))
        server = getattr(self.app.store, "address", None)
        self.store_label = QLabel(f"Server: {server.display}" if server is not None
                                  else f"Store: {self.store_path.name}")
        self.store_label.setToolTip(server.display if server is not None else str(self.store_path))
        # A lasting line of the status bar, not a passing message: "Member added." at once after the save that
        # found the host at its new address covers this sentence for its own few seconds, then it shows again.
        self.host_notice = QLabel()
        self.host_notice.setObjectName("hostNotice")
        self.host_notice.hide()
        self._host_notice_timer = QTimer(self)
        self._host_notice_timer.setSingleShot(True)
        self._host_notice_timer.setInterval(self.HOST_NOTICE_MS)
        self._host_notice_timer.timeout.connect(self.host_notice.hide)
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        bar.addWidget(self.host_notice, 1)
        for widget in (self.user_label, self.role_label, self.store_label):
            bar.addPermanentWidget(widget)

    def _restore_geometry(self) -> None:
        """A size that fits the screen; the placement filter puts back this user's own when it shows."""
        placement = window_placement.placement()
        if placement is not None:
            placement.set_user(self.app.actor.username)
        if placement is None or not placement.restore(self):
            window_placement.preferred_size(self, 1200, 760)

    # ---- sections ---------------------------------------------------------------------------------
    def section_keys(self) -> list[str]:
        return [spec.key for spec in self._specs]

    def section(self, key: str) -> QWidget | None:
        """The section's widget if it has been opened (sections are built the first time they show)."""
        return self._section_widgets.get(key)

    def show_section(self, key: str) -> QWidget:
        row = self.section_keys().index(key)
        self.navigation.setCurrentRow(row)
        return self._section_widgets[key]

    def _show_row(self, row: int) -> None:
        if row < 0 or row >= len(self._specs) or self.is_locked:
            return
        spec = self._specs[row]
        widget = self._section_widgets.get(spec.key)
        if widget is None:
            widget = spec.create(self)
            self._section_widgets[spec.key] = widget
            self.sections.addWidget(_scrolling(widget))
        elif hasattr(widget, "refresh"):
            widget.refresh()
        self.sections.setCurrentWidget(widget.parentWidget().parentWidget())

    # ---- members ----------------------------------------------------------------------------------
    def open_member(self, member_id: int, tab: str | None = None, *, row: Any = None,
                    focus: RecordFocus | None = None, billing_month: ServiceMonth | None = None) -> None:
        """Show a member (one window per member); `tab` names the part of the chart to show first, `focus`
        the record in it to select; `billing_month` when opened from the billing preview to fix that month."""
        if self.is_locked:
            return
        existing = self._member_views.get(member_id)
        if existing is not None:
            if hasattr(existing, "set_billing_month"):
                existing.set_billing_month(billing_month)
            if tab and hasattr(existing, "show_tab"):
                if focus is None:
                    existing.show_tab(tab)
                else:
                    existing.show_tab(tab, focus)
            existing.show()
            existing.raise_()
            existing.activateWindow()
            return
        view = MEMBER_VIEW_FACTORY(MemberViewRequest(self, self.app, member_id, tab, row, focus, billing_month))
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        if view.parent() is not None and not view.isWindow():
            view.setWindowFlag(Qt.WindowType.Window, True)
        self._member_views[member_id] = view
        view.destroyed.connect(lambda _=None, key=member_id: self._member_views.pop(key, None))
        view.show()

    def member_views(self) -> list[QWidget]:
        return list(self._member_views.values())

    def member_records_changed(self, _member_id: int) -> None:
        """A chart changed a member (a contact logged, a consent recorded): the section on show reads its data
        again, once the burst of changes is over; the others do when they are next shown."""
        self._records_changed.start()

    def check_for_changes(self) -> bool:
        """Read the section on show again if anyone's change committed since the last look; whether one did."""
        if self.is_locked or not self._session_open or self._closing:
            return False
        try:
            latest = changes.last_change(self.app)
        except Exception as exc:
            wait = min(self._change_poll.interval() * 2, self.CHANGE_POLL_MAX_MS)
            self._change_poll.setInterval(wait)
            self.show_status(report(exc, "checking for other people's changes"), wait)
            return False
        self._change_poll.setInterval(self.CHANGE_POLL_MS)
        moved = self._last_change is not None and latest != self._last_change
        self._last_change = latest
        if moved:
            self._records_changed.start()
        return moved

    def _refresh_current_section(self) -> None:
        if self.is_locked or not self._specs:
            return
        widget = self._section_widgets.get(self._specs[self.navigation.currentRow()].key)
        if widget is not None and hasattr(widget, "refresh"):
            widget.refresh()

    # ---- settings ---------------------------------------------------------------------------------
    def _lock_seconds(self) -> float:
        minutes = self.settings.lock_minutes
        return float(minutes) * 60

    def settings_changed(self) -> None:
        self.settings = settings.get_settings(self.app)
        self.agency_name = settings.get_agency(self.app).name
        self.setWindowTitle(f"hhdesk — {self.agency_name}" if self.agency_name else "hhdesk")
        self.inactivity.set_seconds(self._lock_seconds())

    def show_status(self, text: str, timeout_ms: int = 5000) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def _host_moved_elsewhere(self, sentence: str) -> None:
        if shiboken_valid(self):  # a worker's connection may outlive a window already closed
            self.host_moved.emit(sentence)

    def _say_host_moved(self, sentence: str) -> None:
        log.info("The agency's host was found at a new address during the session")
        self.statusBar().clearMessage()  # e.g. that the last look for other people's changes failed
        self.host_notice.setText(sentence)
        self.host_notice.show()
        self._host_notice_timer.start()

    # ---- lock -------------------------------------------------------------------------------------
    def _idle(self) -> None:
        if workers.active_jobs():
            # A backup or export is running under its progress dialog; lock once it is done.
            self.inactivity.resume()
            return
        minutes = round(self.inactivity.seconds / 60)
        self.lock(f"Locked after {minutes} minute{'s' if minutes != 1 else ''} without activity."
                  if minutes >= 1 else "Locked after a while without activity.")

    def lock(self, reason: str = "") -> None:
        """Hide every member's data and ask for the same user's password again."""
        if self.is_locked or not self._session_open:
            return
        self.is_locked = True
        self.inactivity.pause()
        self._hide_other_windows()
        for widget in self._section_widgets.values():
            if hasattr(widget, "clear_for_lock"):
                widget.clear_for_lock()
        self.pages.setCurrentWidget(self.lock_screen)
        # Every menu action (features add their own) waits for the unlock, except leaving, About and Help.
        keep = {id(self.logout_action), id(self.quit_action), id(self.shortcuts_action)}
        self._disabled_by_lock = [action for action in self._menu_actions()
                                  if action.isEnabled() and id(action) not in keep
                                  and action.menuRole() != QAction.MenuRole.AboutRole]
        for action in self._disabled_by_lock:
            action.setEnabled(False)
        self.lock_screen.prepare(reason, self._unsaved_note())
        with user_errors(None, "recording a lock"):  # the lock holds even if the audit write fails
            users.record_lock(self.app)
        log.info("Window locked")

    def try_unlock(self, password: str) -> bool:
        with user_errors(self.lock_screen.show_error, "unlock") as attempt:
            users.unlock(self.app, password)
        if attempt.failed:
            return False
        self.is_locked = False
        self.pages.setCurrentWidget(self.shell)
        for action in self._disabled_by_lock:
            action.setEnabled(True)
        self._disabled_by_lock = []
        self._show_row(self.navigation.currentRow())  # shows the section again and refreshes it
        self._show_hidden_windows()
        self.inactivity.resume()
        log.info("Window unlocked")
        return True

    def _menu_actions(self) -> list[QAction]:
        found: list[QAction] = []
        pending = list(self.menuBar().actions())
        while pending:
            action = pending.pop(0)
            menu = action.menu()
            if menu is not None:
                pending.extend(menu.actions())
            elif not action.isSeparator():
                found.append(action)
        return found

    def _hide_other_windows(self) -> None:
        """Hide member charts and open dialogs just as they are (typed work included) until the unlock."""
        self._hidden_by_lock = []
        for widget in QApplication.topLevelWidgets():
            if widget is self or not widget.isVisible() or isinstance(widget, QProgressDialog):
                continue
            if widget.windowType() == Qt.WindowType.Popup:
                widget.close()  # a calendar or a menu left open: nothing to keep
                continue
            widget.hide()
            self._hidden_by_lock.append(widget)

    def _show_hidden_windows(self) -> None:
        for widget in self._hidden_by_lock:
            if shiboken_valid(widget):
                widget.show()
                widget.raise_()
        self._hidden_by_lock = []

    def _unsaved_note(self) -> str:
        forms = [form for view in self._member_views.values()
                 for form in (view.unsaved_forms() if hasattr(view, "unsaved_forms")
                              else forms_with_unsaved_edits(view))]
        forms += [form for widget in self._hidden_by_lock
                  if shiboken_valid(widget) and widget not in self._member_views.values()
                  for form in forms_with_unsaved_edits(widget)]
        forms = list({id(form): form for form in forms}.values())  # a chart's dialog is found twice
        if not forms:
            return ""
        return (f"Your unsaved work ({len(forms)} form{'s' if len(forms) != 1 else ''}) is kept, hidden, until you "
                "unlock. Logging out discards it.")

    def _discard_hidden_work(self) -> None:
        """The session ends from the lock screen: nothing typed is shown to the next user."""
        for widget in self._hidden_by_lock:
            if not shiboken_valid(widget):
                continue
            discard_all(widget)
            if isinstance(widget, QDialog):
                widget.done(QDialog.DialogCode.Rejected)
        self._hidden_by_lock = []
        for view in list(self._member_views.values()):
            if hasattr(view, "discard_and_close"):
                view.discard_and_close()
            else:
                view.close()

    # ---- menu actions -----------------------------------------------------------------------------
    def backup_now(self) -> None:
        from hhdesk.ui.dialogs.backup import ask_and_backup

        ask_and_backup(self, self.app, lambda path: self.show_status(f"Backup saved: {path.name}"))

    def import_contacts(self) -> QWidget | None:
        if self.is_locked:
            return None
        from hhdesk.ui.dialogs.import_contacts import ImportContactsDialog

        dialog = ImportContactsDialog(self.app, self)
        dialog.open()
        return dialog

    def change_password(self) -> None:
        from hhdesk.ui.dialogs.change_password import ChangePasswordDialog

        dialog = ChangePasswordDialog(self.app, self)
        dialog.accepted.connect(lambda: self.show_status("Your password is changed."))
        dialog.open()

    def show_shortcuts(self) -> QWidget:
        from hhdesk.ui.dialogs.shortcuts_help import ShortcutsDialog

        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.open()
        return dialog

    def about(self) -> None:
        from hhdesk.ui.dialogs.about import AboutDialog

        dialog = AboutDialog(self, store_path=self.store_path)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.open()

    # ---- ending -----------------------------------------------------------------------------------
    def log_out(self) -> None:
        if not self.is_locked and not self._settle_member_views("logging out"):
            return
        self.end_session("You are logged out.")

    def _account_ended(self, message: str) -> None:
        """An administrator disabled this account or changed its role: back to the login at once.

        No daily backup and no logout event: the store refuses every call of this session now.
        """
        if self._closing or not self._session_open:
            return
        try:
            self.app.ensure_active()
            return  # another window's account, not this one's
        except SessionEnded:
            pass
        log.info("Session ended: the account changed")
        # _finish closes the charts and dialogs without asking: nothing can be saved under this account now.
        self._session_open = False
        self.app.close()
        self._finish(lambda: self.session_ended.emit(message))

    def _settle_member_views(self, doing: str) -> bool:
        """Ask about unsaved edits in the open charts, and in the sections' forms and dialogs, before the session
        ends; False if the user stays."""
        views = list(self._member_views.values())
        forms = [form for view in views
                 for form in (view.unsaved_forms() if hasattr(view, "unsaved_forms")
                              else forms_with_unsaved_edits(view))]
        forms += [form for form in forms_with_unsaved_edits(self)
                  if isinstance(form, QWidget) and not any(_within(view, form) for view in views)]
        if not settle_unsaved(self, forms, doing):
            return False
        for form in forms:
            form.mark_clean()  # saved or discarded: closing the charts now asks nothing more
        return True

    def end_session(self, message: str = "", *, log_out: bool = True) -> None:
        """Close the window and go back to the login. `log_out=False` when the session is already closed
        (after a restore replaced the store)."""
        if not log_out:
            self._session_open = False
        self._finish(lambda: self.session_ended.emit(message))

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt's name
        if self._closing:
            event.accept()
            return
        event.ignore()
        if not self.is_locked and not self._settle_member_views("quitting"):
            return
        self._finish(self.quit_requested.emit)

    def _finish(self, then: Any) -> None:
        """Daily backup (first close of the day), log out, close; then `then()`. Runs once."""
        if self._closing:
            return
        self._closing = True
        placement = window_placement.placement()
        if placement is not None:
            placement.remember(self)
        self.inactivity.stop()
        if self.is_locked:
            self._discard_hidden_work()
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible() and not isinstance(dialog, QProgressDialog):
                # The user has answered for their work already (or the session ended locked).
                QDialog.done(dialog, QDialog.DialogCode.Rejected)
        for view in list(self._member_views.values()):
            if hasattr(view, "discard_and_close"):
                view.discard_and_close()  # the user answered for them already, or the session ended locked
            else:
                view.close()

        def done(_result: object = None) -> None:
            if self._session_open:
                self._session_open = False
                with user_errors(None, "logout") as attempt:  # logging out must not keep the window open
                    users.logout(self.app)
                if attempt.failed:
                    self.app.close()
            self.close()
            then()

        def backup_failed(exc: BaseException) -> None:
            QMessageBox.warning(self, "Daily backup", "The daily automatic backup could not be made: "
                                + report(exc, "automatic backup"))
            done()

        if self._session_open:
            workers.run_in_background(self, "Making the daily backup",
                                      lambda _progress: maintenance.auto_backup(self.app), done, backup_failed,
                                      cancellable=False)
        else:
            done()


def _within(ancestor: QWidget, widget: QWidget) -> bool:
    """`widget` is `ancestor` or lies under it, its own windows (dialogs) included."""
    current: QWidget | None = widget
    while current is not None:
        if current is ancestor:
            return True
        current = current.parentWidget()
    return False
