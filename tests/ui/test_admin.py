"""The Admin section: users, agency settings, backups and restore, the audit log and Verify."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from hhdesk.config import backups_dir
from hhdesk.services import settings, users
from hhdesk.ui.views.admin import AdminView
from tests.ui.conftest import ADMIN, ADMIN_PASSWORD, Answers, UiStore


def _admin(window: Any) -> AdminView:
    view = window.show_section("admin")
    assert isinstance(view, AdminView)
    return view


def test_change_role_reset_password_disable_and_enable(qtbot: Any, ui_store: UiStore, login_as: Any,
                                                       main_window: Any, answers: Answers) -> None:
    window = main_window(login_as(ADMIN))
    tab = _admin(window).tab("Users and roles")
    tab.table.select_key("cm2")
    assert tab.disable_button.text() == "&Disable"

    tab.edit_user()
    tab.dialog.role.setCurrentIndex(tab.dialog.role.findData("supervisor"))
    tab.dialog.full_name.setText("Marcus A. Hall")
    qtbot.mouseClick(tab.dialog.ok_button, Qt.MouseButton.LeftButton)
    changed = {u.username: u for u in users.list_users(window.app)}["cm2"]
    assert changed.role == "supervisor" and changed.full_name == "Marcus A. Hall"

    tab.reset_password()
    tab.dialog.passwords.first.setText("brand new passphrase")
    tab.dialog.passwords.second.setText("brand new passphrase")
    qtbot.mouseClick(tab.dialog.ok_button, Qt.MouseButton.LeftButton)
    users.login(ui_store.path, "cm2", "brand new passphrase").close()

    qtbot.mouseClick(tab.disable_button, Qt.MouseButton.LeftButton)
    assert "Disable Marcus A. Hall?" in answers.asked[-1]
    assert tab.selected_user().disabled
    assert tab.disable_button.text() == "&Enable…"
    qtbot.mouseClick(tab.disable_button, Qt.MouseButton.LeftButton)
    tab.dialog.passwords.first.setText("welcome back passphrase")
    tab.dialog.passwords.second.setText("welcome back passphrase")
    qtbot.mouseClick(tab.dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not tab.selected_user().disabled
    users.login(ui_store.path, "cm2", "welcome back passphrase").close()

    tab.table.select_key(ADMIN)
    assert not tab.disable_button.isEnabled(), "nobody disables their own account"


def test_agency_settings_save_and_apply(qtbot: Any, ui_store: UiStore, login_as: Any, main_window: Any) -> None:
    window = main_window(login_as(ADMIN))
    tab = _admin(window).tab("Agency settings")
    assert tab.agency_form.name.text() == "Hudson Valley Health Home"
    assert tab.editors["lock_minutes"].value() == 15

    tab.agency_form.npi.setText("1234567890")
    assert not tab.save()
    assert "NPI" in tab.message.text()
    tab.agency_form.npi.setText("1234567893")
    tab.agency_form.name.setText("Hudson Valley Care Coordination")
    tab.editors["lock_minutes"].setValue(5)
    tab.editors["paper_size"].setCurrentIndex(tab.editors["paper_size"].findData("a4"))
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.message.text() == "Saved."
    stored = settings.get_settings(window.app)
    assert stored.lock_minutes == 5 and stored.paper_size == "a4"
    assert settings.get_agency(window.app).npi == "1234567893"
    assert window.inactivity.seconds == 300
    assert window.windowTitle() == "hhdesk — Hudson Valley Care Coordination"

    tab.agency_form.phone.setText("(518) 555-0199")
    _admin(window).tab("Users and roles")
    _admin(window).tab("Agency settings")
    assert tab.agency_form.phone.text() == "(518) 555-0199", "unsaved edits survive a tab switch"
    tab.reload()
    assert tab.agency_form.phone.text() == ""


def test_backup_now_to_a_chosen_file(qtbot: Any, ui_store: UiStore, login_as: Any, main_window: Any,
                                     answers: Answers, tmp_path: Path) -> None:
    window = main_window(login_as(ADMIN))
    tab = _admin(window).tab("Backups")
    assert tab.table.rowCount() == 0
    answers.save_path = tmp_path / "elsewhere" / "friday"
    answers.save_path.parent.mkdir()
    qtbot.mouseClick(tab.backup_button, Qt.MouseButton.LeftButton)
    written = tmp_path / "elsewhere" / "friday.hhbak"
    assert written.exists()
    assert "friday.hhbak" in answers.informed[-1]

    answers.save_path = None  # the user cancels the file dialog
    window.backup_action.trigger()
    assert len(answers.informed) == 1


def test_restore_replaces_the_store_and_returns_to_login(qtbot: Any, ui_store: UiStore, login_as: Any,
                                                         main_window: Any, answers: Answers,
                                                         message_boxes: list) -> None:
    window = main_window(login_as(ADMIN))
    tab = _admin(window).tab("Backups")
    answers.save_path = backups_dir(ui_store.path) / "before-hiring.hhbak"
    tab.backup_now()
    assert tab.table.rowCount() == 1 and tab.table.item(0, 1).text() == "Made by hand"
    users.add_user(window.app, "newhire", "care_manager", "first day passphrase")

    tab.table.selectRow(0)
    answers.password = "not the password!"
    qtbot.mouseClick(tab.restore_button, Qt.MouseButton.LeftButton)
    assert message_boxes[-1][0] == "warning" and "Wrong password" in message_boxes[-1][2]
    assert window.isVisible(), "a failed restore keeps the session"
    assert "newhire" in [u.username for u in users.list_users(window.app)]

    answers.password = ADMIN_PASSWORD
    with qtbot.waitSignal(window.session_ended, timeout=5000) as ended:
        qtbot.mouseClick(tab.restore_button, Qt.MouseButton.LeftButton)
    assert "restored from before-hiring.hhbak" in ended.args[0]
    assert not window.isVisible()
    again = users.login(ui_store.path, ADMIN, ADMIN_PASSWORD)
    try:
        assert "newhire" not in [u.username for u in users.list_users(again)]
    finally:
        again.close()
    assert list(backups_dir(ui_store.path).glob("replaced-*.hhdesk")), "the replaced store is kept aside"


def test_audit_log_filters_and_verify(qtbot: Any, ui_store_with_members: UiStore, login_as: Any,
                                      main_window: Any) -> None:
    window = main_window(login_as(ADMIN))
    tab = _admin(window).tab("Audit log")
    actions = [tab.table.item(row, 2).text() for row in range(tab.table.rowCount())]
    assert actions[0] == "login" and "store created" in actions

    tab.medicaid_id.setText("ZZ99999Z")
    qtbot.mouseClick(tab.show_button, Qt.MouseButton.LeftButton)
    assert tab.message.text() == "No member has that Medicaid ID."
    tab.medicaid_id.setText("ab12345c")
    qtbot.mouseClick(tab.show_button, Qt.MouseButton.LeftButton)
    assert not tab.message.isVisibleTo(tab)
    assert tab.count_label.text() == "0 events."

    tab.medicaid_id.clear()
    tab.since_enabled.setChecked(True)
    tab.refresh()
    assert tab.table.rowCount() > 0

    qtbot.mouseClick(tab.verify_button, Qt.MouseButton.LeftButton)
    assert tab.message.text().startswith("The store passed every check")
    assert "Proved: events 1 to" in tab.message.text()
    assert tab.table.item(0, 2).text() == "verify"


def test_audit_screen_shows_the_last_seal_and_seals_now(qtbot: Any, ui_store: UiStore, login_as: Any,
                                                        main_window: Any) -> None:
    window = main_window(login_as(ADMIN))
    tab = _admin(window).tab("Audit log")
    tab.refresh()
    assert tab.seal_label.text().startswith("Last seal: events 1 to")
    assert f"by {ADMIN} (login), kept in the key file. Sealing key " in tab.seal_label.text()
    before = tab.seal_label.text()

    qtbot.mouseClick(tab.seal_button, Qt.MouseButton.LeftButton)
    assert tab.message.text().startswith("Sealed: events 1 to")
    assert "(seal by hand)" in tab.seal_label.text() and tab.seal_label.text() != before


def test_audit_screen_has_no_seal_button_without_the_sealing_key(qtbot: Any, ui_store: UiStore, login_as: Any,
                                                                 main_window: Any) -> None:
    app = login_as(ADMIN)
    app.sealing_key = None  # as an administrator whose slot was not given the key
    window = main_window(app)
    tab = _admin(window).tab("Audit log")
    tab.refresh()
    assert not tab.seal_button.isVisibleTo(tab)


def test_add_user_says_each_problem_once_and_shows_the_whole_role_help(qtbot: Any, ui_store: UiStore,
                                                                       login_as: Any) -> None:
    from hhdesk.domain.enums import Role
    from hhdesk.ui.dialogs.users import AddUserDialog

    dialog = AddUserDialog(login_as(ADMIN))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.username.setText("newhire")
    dialog.passwords.first.setText("first day passphrase")
    dialog.passwords.second.setText("first day passphrasf")
    dialog._submit()  # what the Add user button runs
    shown = [label.text() for label in dialog.findChildren(QLabel) if label.isVisible() and label.text()]
    assert shown.count("The two passwords differ.") == 1, shown
    assert dialog.isVisible() and dialog.added is None

    dialog.role.setCurrentIndex(dialog.role.findData(Role.SUPERVISOR))
    qtbot.wait(10)
    help_label = dialog.role_help
    assert help_label.height() >= help_label.heightForWidth(help_label.width()), "the role's help is not cut"
