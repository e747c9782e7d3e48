"""The window end to end on real files: setup wizard, login, caseload search, lock and unlock, admin."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from hhdesk.config import backups_dir, keyslots_path
from hhdesk.services import maintenance, users
from hhdesk.ui.app import Shell
from hhdesk.ui.main_window import MainWindow
from hhdesk.ui.views.caseload import CaseloadView
from tests.factories import SAMPLE_MEMBERS, add_members
from tests.ui.conftest import ADMIN, ADMIN_PASSWORD, UiStore

PASSWORD = "correct horse battery staple"


def _finish_wizard(qtbot: Any, shell: Shell, path: Path) -> str:
    wizard = shell.wizard
    assert wizard is not None and wizard.isVisible()
    wizard.next()
    agency = wizard.agency_page
    assert not agency.isComplete(), "an agency needs a name"
    qtbot.keyClicks(agency.form.name, "Hudson Valley Health Home")
    agency.form.city.setText("Albany")
    agency.form.state.setText("NY")
    agency.form.npi.setText("1234567890")
    assert not agency.isComplete(), "a wrong NPI check digit blocks the wizard"
    assert "check digit" in agency.form.npi_message.text()
    agency.form.npi.setText("1234567893")
    assert agency.isComplete()
    wizard.next()

    admin = wizard.admin_page
    qtbot.keyClicks(admin.username, "director")
    admin.full_name.setText("Dana Director")
    admin.passwords.first.setText("director2026!!")
    assert not admin.isComplete()
    assert "must not contain the username" in admin.passwords.message.text()
    admin.passwords.first.setText(PASSWORD)
    admin.passwords.second.setText(PASSWORD + "x")
    assert not admin.isComplete()
    admin.passwords.second.setText(PASSWORD)
    assert admin.isComplete()
    assert not path.exists()
    wizard.next()  # the commit page: this creates the store

    assert path.exists() and keyslots_path(path).exists()
    assert wizard.currentPage() is wizard.key_page
    key = wizard.key_page.key_label.text().replace("\n", "-")
    assert key and key == wizard.recovery_key
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4})+", key)
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    wizard.reject()  # leaving before the key is written down is refused
    assert wizard.isVisible()
    wizard.key_page.confirm.setChecked(True)
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    return key


def test_wizard_login_search_lock_unlock(qtbot: Any, tmp_path: Path, message_boxes: list) -> None:
    path = tmp_path / "agency.hhdesk"
    quits: list[bool] = []
    shell = Shell(path, quit=lambda: quits.append(True))
    shell.start()
    assert shell.login is None, "no store yet: the wizard comes first"
    key = _finish_wizard(qtbot, shell, path)

    login = shell.login
    assert login is not None and login.isVisible()
    assert login.username.text() == "director"
    assert login.password.hasFocus() or not login.isActiveWindow()

    before = path.read_bytes()
    login.password.setText("not the password at all")
    qtbot.mouseClick(login.login_button, Qt.MouseButton.LeftButton)
    assert login.message.isVisible()
    assert login.message.text().startswith("Wrong user name or password")
    assert "Traceback" not in login.message.text()
    assert path.read_bytes() == before, "a failed login leaves the store file byte for byte"
    assert shell.window is None

    qtbot.keyClicks(login.password, PASSWORD)
    qtbot.keyClick(login.password, Qt.Key.Key_Return)  # Enter logs in
    window = shell.window
    assert isinstance(window, MainWindow)
    assert window.isVisible()
    assert window.app.actor.username == "director"
    assert window.section_keys()[0] == "caseload" and "admin" in window.section_keys()
    assert "director" in window.user_label.text() and window.role_label.text() == "Admin"

    app = window.app
    users.add_user(app, "cm1", "care_manager", PASSWORD, full_name="Carla Martinez")
    users.add_user(app, "cm2", "care_manager", PASSWORD, full_name="Marcus Hall")
    add_members(app.store, SAMPLE_MEMBERS)
    caseload = window.section("caseload")
    assert isinstance(caseload, CaseloadView)
    caseload.refresh()
    assert caseload.model.rowCount() == len(SAMPLE_MEMBERS)
    assert caseload.count_label.text() == f"Showing {len(SAMPLE_MEMBERS)} of {len(SAMPLE_MEMBERS)}"

    qtbot.keyClicks(caseload.search, "nun")
    qtbot.waitUntil(lambda: caseload.model.rowCount() == 1, timeout=2000)
    assert caseload.model.index(0, 0).data() == "Núñez, José (Pepe)"
    assert caseload.count_label.text() == f"Showing 1 of {len(SAMPLE_MEMBERS)}"

    caseload.table.setFocus()
    caseload.table.selectRow(0)
    qtbot.keyClick(caseload.table, Qt.Key.Key_Return)  # Enter opens the member
    assert len(window.member_views()) == 1
    summary = window.member_views()[0]
    assert summary.isVisible()

    window.lock_action.trigger()
    assert window.is_locked
    assert window.pages.currentWidget() is window.lock_screen
    assert not caseload.isVisible() and not window.navigation.isVisible()
    assert caseload.model.rowCount() == 0, "no member data is held by the list while locked"
    assert not summary.isVisible(), "the member's window hides until the unlock"

    window.lock_screen.password.setText("wrong wrong wrong")
    qtbot.mouseClick(window.lock_screen.unlock_button, Qt.MouseButton.LeftButton)
    assert window.is_locked
    assert window.lock_screen.message.text().startswith("Wrong password")

    qtbot.keyClicks(window.lock_screen.password, PASSWORD)
    qtbot.keyClick(window.lock_screen.password, Qt.Key.Key_Return)
    assert not window.is_locked
    assert window.pages.currentWidget() is window.shell and caseload.isVisible()
    assert caseload.model.rowCount() == 1, "the same search is back after unlocking"
    assert summary.isVisible()

    actions = [row.action for row in maintenance.audit_log(app)]
    assert {"lock", "unlock", "login"} <= set(actions)
    assert actions.index("unlock") < actions.index("lock"), "newest first: unlock after lock"

    window.close()
    assert quits == [True]
    assert shell.window is None
    assert list(backups_dir(path).glob("daily-*.hhbak")), "the first close of the day makes a backup"
    assert key not in path.read_bytes().decode("latin-1")


def test_login_prefills_username_and_logs_out_back_to_login(qtbot: Any, ui_store: UiStore) -> None:
    shell = Shell(ui_store.path, username=ADMIN, quit=lambda: None)
    shell.start()
    login = shell.login
    assert login is not None and login.username.text() == ADMIN
    login.password.setText(ADMIN_PASSWORD)
    assert login.try_login()
    window = shell.window
    assert window is not None
    window.logout_action.trigger()
    assert shell.window is None
    assert shell.login is not None and shell.login.isVisible()
    assert "logged out" in shell.login.notice.text()
    shell.login.reject()


def test_admin_adds_a_user(qtbot: Any, ui_store: UiStore, login_as: Any, main_window: Any) -> None:
    from hhdesk.ui.dialogs.users import AddUserDialog
    from hhdesk.ui.views.admin import AdminView
    from hhdesk.ui.views.admin_users import UsersTab

    window = main_window(login_as(ADMIN))
    admin = window.show_section("admin")
    assert isinstance(admin, AdminView)
    tab = admin.tab("Users and roles")
    assert isinstance(tab, UsersTab)
    assert [u.username for u in tab.users] == ["cm1", "cm2", ADMIN]

    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert isinstance(dialog, AddUserDialog) and dialog.isVisible()
    qtbot.keyClicks(dialog.username, "bclerk")
    dialog.full_name.setText("Bea Clerk")
    dialog.role.setCurrentIndex(dialog.role.findData("billing"))
    dialog.passwords.first.setText("short")
    dialog.passwords.second.setText("short")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible(), "a bad password keeps the dialog open"
    assert "at least 12 characters" in dialog.passwords.message.text()
    assert dialog.message.text() == "", "said once, under the password"

    dialog.passwords.first.setText("ledgers and ledgers")
    dialog.passwords.second.setText("ledgers and ledgers")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    added = {u.username: u for u in users.list_users(window.app)}["bclerk"]
    assert added.role == "billing" and added.full_name == "Bea Clerk"
    assert tab.table.rowCount() == 4
    assert tab.selected_user() is not None and tab.selected_user().username == "bclerk"
    users.login(ui_store.path, "bclerk", "ledgers and ledgers").close()
