"""Locking: after inactivity or by hand, every member's data hidden, the same user's password to unlock."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from hhdesk.services import maintenance
from hhdesk.ui.lock import InactivityWatch
from hhdesk.ui.views.caseload import CaseloadView
from tests.ui.conftest import ADMIN, ADMIN_PASSWORD, UiStore


def test_the_window_locks_after_inactivity(qtbot: Any, ui_store_with_members: UiStore, login_as: Any,
                                           main_window: Any) -> None:
    window = main_window(login_as(ADMIN))
    assert window.inactivity.seconds == 15 * 60, "the default is 15 minutes"
    caseload = window.show_section("caseload")
    assert isinstance(caseload, CaseloadView) and caseload.model.rowCount() == 5
    window.inactivity.set_seconds(0.2)
    window.inactivity.reset()
    qtbot.waitUntil(lambda: window.is_locked, timeout=3000)
    assert caseload.model.rowCount() == 0 and not caseload.isVisible()
    assert "without activity" in window.lock_screen.reason.text()
    assert not window.backup_action.isEnabled()
    assert maintenance.audit_log(window.app)[0].action == "lock"

    assert window.try_unlock(ADMIN_PASSWORD)
    assert caseload.model.rowCount() == 5 and caseload.isVisible()


def test_input_keeps_the_window_open(qtbot: Any) -> None:
    watch = InactivityWatch(0.3)
    fired: list[bool] = []
    watch.idle.connect(lambda: fired.append(True))
    try:
        target = QApplication.activeWindow() or QApplication.instance()
        ends = time.monotonic() + 0.6
        while time.monotonic() < ends:
            watch.eventFilter(target, _key_event())
            qtbot.wait(50)
        assert fired == []
        qtbot.waitUntil(lambda: fired == [True], timeout=2000)
        qtbot.wait(200)
        assert fired == [True], "idle is said once, until the watch resumes"
    finally:
        watch.stop()


def _key_event() -> Any:
    from PySide6.QtGui import QKeyEvent

    return QKeyEvent(QKeyEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, "a")


def test_lock_closes_member_windows_and_open_dialogs(qtbot: Any, ui_store_with_members: UiStore,
                                                     login_as: Any, main_window: Any) -> None:
    from hhdesk.ui.dialogs.users import AddUserDialog

    window = main_window(login_as(ADMIN))
    caseload = window.show_section("caseload")
    window.open_member(caseload.model.rows[0].member_id, row=caseload.model.rows[0])
    admin = window.show_section("admin")
    users_tab = admin.tab("Users and roles")
    users_tab.add_user()
    dialog = users_tab.dialog
    assert isinstance(dialog, AddUserDialog) and dialog.isVisible()
    audit_tab = admin.tab("Audit log")
    assert audit_tab.table.rowCount() > 0

    window.lock("Locked by hand.")
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: not window.member_views(), timeout=2000)
    assert audit_tab.table.rowCount() == 0, "the audit log names members: cleared while locked"
    assert window.lock_screen.isVisible() and not window.shell.isVisible()
    window.open_member(caseload.model.rows[0].member_id if caseload.model.rows else 1)
    assert not window.member_views(), "nothing opens while locked"


def test_wrong_passwords_count_toward_the_lockout(qtbot: Any, ui_store: UiStore, login_as: Any,
                                                  main_window: Any) -> None:
    window = main_window(login_as("cm1"))
    window.lock_action.trigger()
    for _ in range(5):
        assert not window.try_unlock("not my password!")
        assert window.lock_screen.message.text().startswith("Wrong password")
    assert not window.try_unlock(ui_store.passwords["cm1"])
    assert "locked" in window.lock_screen.message.text().lower()
    assert window.is_locked


def test_log_out_from_the_lock_screen(qtbot: Any, ui_store: UiStore, login_as: Any, main_window: Any) -> None:
    window = main_window(login_as(ADMIN))
    window.lock()
    with qtbot.waitSignal(window.session_ended, timeout=2000) as ended:
        qtbot.mouseClick(window.lock_screen.log_out_button, Qt.MouseButton.LeftButton)
    assert ended.args == ["You are logged out."]
    assert not window.isVisible()


def test_lock_minutes_come_from_the_settings(qtbot: Any, ui_store: UiStore, login_as: Any,
                                             main_window: Any) -> None:
    from hhdesk.services import settings

    app = login_as(ADMIN)
    settings.update_settings(app, {"lock_minutes": 3})
    window = main_window(app)
    assert window.inactivity.seconds == 180
    settings.update_settings(app, {"lock_minutes": 7})
    window.settings_changed()
    assert window.inactivity.seconds == 420


def test_menus_wait_for_the_unlock(qtbot: Any, ui_store: UiStore, login_as: Any, main_window: Any) -> None:
    window = main_window(login_as(ADMIN))
    enabled_before = {action.text(): action.isEnabled() for action in window._menu_actions()}
    window.lock()
    still = sorted(a.text() for a in window._menu_actions() if a.isEnabled())
    assert still == sorted(["Log &out", "&Quit", "&About hhdesk"])
    window.navigation.setCurrentRow(window.section_keys().index("admin"))
    assert window.section("admin") is None, "no section is built while locked"
    assert window.try_unlock(ADMIN_PASSWORD)
    assert {action.text(): action.isEnabled() for action in window._menu_actions()} == enabled_before
    assert window.sections.currentWidget().widget() is window.section("admin")
