"""A window whose account an administrator disables goes back to the login at its next call."""

from __future__ import annotations

from typing import Any

from hhdesk.services import users
from hhdesk.ui.app import Shell
from tests.ui.conftest import ADMIN, ADMIN_PASSWORD, UiStore


def _open_window_as(shell: Shell, username: str, password: str) -> Any:
    shell.start()
    login = shell.login
    assert login is not None
    login.username.setText(username)
    login.password.setText(password)
    assert login.try_login()
    assert shell.window is not None
    return shell.window


def test_the_lock_screen_of_a_disabled_account_goes_back_to_the_login(qtbot: Any, ui_store: UiStore,
                                                                       message_boxes: list[Any]) -> None:
    shell = Shell(ui_store.path, quit=lambda: None)
    window = _open_window_as(shell, "cm1", ui_store.passwords["cm1"])
    window.lock("Locked by hand.")

    admin = users.login(ui_store.path, ADMIN, ADMIN_PASSWORD)
    try:
        users.set_disabled(admin, "cm1", True)
    finally:
        admin.close()

    with qtbot.waitSignal(window.session_ended, timeout=3000) as ended:
        assert not window.try_unlock(ui_store.passwords["cm1"]), "the password that opened the window no longer does"
    assert "disabled your account" in ended.args[0]
    qtbot.waitUntil(lambda: shell.window is None and shell.login is not None)
    assert shell.login is not None and "disabled your account" in shell.login.notice.text()
    assert not window.isVisible()
    assert message_boxes == [], "the login says it; no message box over a closing window"
    shell.login.reject()


def test_a_window_of_another_account_is_not_closed(qtbot: Any, ui_store: UiStore, login_as: Any,
                                                   main_window: Any) -> None:
    from hhdesk.errors import SessionEnded
    from hhdesk.ui.errors import report

    window = main_window(login_as("cm2"))
    admin = users.login(ui_store.path, ADMIN, ADMIN_PASSWORD)
    try:
        users.set_disabled(admin, "cm1", True)
    finally:
        admin.close()
    report(SessionEnded("An administrator has disabled your account."))  # as cm1's window would
    qtbot.wait(50)
    assert window.isVisible()
    window.app.ensure_active()
