"""Locking: after inactivity or by hand, every member's data hidden, the same user's password to unlock."""

from __future__ import annotations

import time
from typing import Any

import pytest
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


def test_lock_hides_member_windows_and_open_dialogs_until_the_unlock(qtbot: Any, ui_store_with_members: UiStore,
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

    chart = window.member_views()[0]
    other_member = caseload.model.rows[1].member_id
    window.lock("Locked by hand.")
    assert not dialog.isVisible() and not chart.isVisible()
    assert audit_tab.table.rowCount() == 0, "the audit log names members: cleared while locked"
    assert window.lock_screen.isVisible() and not window.shell.isVisible()
    window.open_member(other_member)
    assert window.member_views() == [chart], "nothing opens while locked"
    assert window.try_unlock(ADMIN_PASSWORD)
    assert chart.isVisible() and dialog.isVisible(), "both come back as they were"


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
    assert still == sorted(["Log &out", "&Quit", "&About hhdesk", "&Keyboard shortcuts"])
    window.navigation.setCurrentRow(window.section_keys().index("admin"))
    assert window.section("admin") is None, "no section is built while locked"
    assert window.try_unlock(ADMIN_PASSWORD)
    assert {action.text(): action.isEnabled() for action in window._menu_actions()} == enabled_before
    assert window.sections.currentWidget().widget() is window.section("admin")


# ---- unsaved work and the lock ------------------------------------------------------------------------

def _chart_with_a_typed_note(qtbot: Any, window: Any) -> tuple[Any, Any]:
    from hhdesk.domain.enums import CoreService
    from hhdesk.services import members

    member_id = members.find_by_medicaid_id(window.app, "AB12345C")
    window.open_member(member_id, "contacts")
    chart = window.member_views()[0]
    with qtbot.waitActive(chart):
        chart.activateWindow()
    contacts_tab = chart.page("contacts")
    contacts_tab.service_boxes[CoreService.CM].setChecked(True)
    contacts_tab.note.setFocus()
    qtbot.keyClicks(contacts_tab.note, "Talked about the housing voucher")
    return chart, contacts_tab


def test_a_typed_note_survives_the_inactivity_lock(qtbot: Any, ui_store_with_members: UiStore, login_as: Any,
                                                   main_window: Any) -> None:
    from hhdesk.domain.enums import CoreService
    from hhdesk.services import contacts

    window = main_window(login_as("cm1"))
    chart, contacts_tab = _chart_with_a_typed_note(qtbot, window)
    window.inactivity.set_seconds(0.2)
    window.inactivity.reset()
    qtbot.waitUntil(lambda: window.is_locked, timeout=3000)
    assert not chart.isVisible(), "no member data on screen while locked"
    assert "unsaved work" in window.lock_screen.unsaved.text()
    assert window.try_unlock(ui_store_with_members.passwords["cm1"])
    assert chart.isVisible()
    assert contacts_tab.note.toPlainText() == "Talked about the housing voucher"
    assert contacts_tab.service_boxes[CoreService.CM].isChecked()
    assert contacts_tab.save()
    assert contacts.list_contacts(window.app, chart.member_id)[0].note == "Talked about the housing voucher"


def test_logging_out_from_the_lock_drops_the_typed_work_for_the_next_user(
        qtbot: Any, ui_store_with_members: UiStore, login_as: Any, main_window: Any, answers: Any) -> None:
    from hhdesk.services import contacts

    window = main_window(login_as("cm1"))
    chart, _tab = _chart_with_a_typed_note(qtbot, window)
    member_id = chart.member_id
    window.lock()
    with qtbot.waitSignal(window.session_ended, timeout=2000):
        window.lock_screen.log_out_requested.emit()
    assert answers.asked == [], "nobody is asked: the user at the keyboard may be someone else"
    qtbot.waitUntil(lambda: not window.member_views(), timeout=2000)
    assert contacts.list_contacts(login_as("cm1"), member_id) == [], "nothing was saved on their behalf"


@pytest.mark.parametrize(("answer", "saved", "still_open"), [("save", 1, False), ("discard", 0, False),
                                                             ("cancel", 0, True)])
def test_closing_a_chart_with_a_typed_note_asks_first(qtbot: Any, ui_store_with_members: UiStore,
                                                      login_as: Any, main_window: Any, answers: Any,
                                                      answer: str, saved: int, still_open: bool) -> None:
    from PySide6.QtGui import QKeySequence

    from hhdesk.services import contacts

    window = main_window(login_as("cm1"))
    chart, _tab = _chart_with_a_typed_note(qtbot, window)
    member_id = chart.member_id
    answers.save_discard_cancel = answer
    qtbot.keySequence(chart, QKeySequence("Ctrl+W"))
    assert len(answers.asked) == 1 and answers.asked[0].startswith("The contact form has changes")
    if still_open:
        assert window.member_views() == [chart] and chart.isVisible()
    else:
        qtbot.waitUntil(lambda: not window.member_views(), timeout=2000)
    assert len(contacts.list_contacts(window.app, member_id)) == saved


def test_an_edited_phone_number_asks_before_the_chart_closes(qtbot: Any, ui_store_with_members: UiStore,
                                                             login_as: Any, main_window: Any, answers: Any) -> None:
    from hhdesk.services import members

    window = main_window(login_as("cm1"))
    member_id = members.find_by_medicaid_id(window.app, "AB12345C")
    window.open_member(member_id, "profile")
    chart = window.member_views()[0]
    profile = chart.page("profile")
    profile.fields["phone"].setText("518-555-0199")
    answers.save_discard_cancel = "save"
    chart.close()
    assert answers.asked and answers.asked[0].startswith("The profile has changes")
    assert members.get_details(window.app, member_id).phone == "(518) 555-0199"


def test_ctrl_l_locks_from_a_chart(qtbot: Any, ui_store_with_members: UiStore, login_as: Any,
                                   main_window: Any) -> None:
    from PySide6.QtGui import QKeySequence

    window = main_window(login_as("cm1"))
    chart, _tab = _chart_with_a_typed_note(qtbot, window)
    qtbot.keySequence(chart, QKeySequence("Ctrl+L"))
    assert window.is_locked and not chart.isVisible()
