"""The contact log, transitions and worklist in the window: a week of contacts from the keyboard only, an
episode from admission to discharge with its checklist, and the worklist showing what is overdue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from hhdesk.clock import AgencyClock, local_naive
from hhdesk.domain.checklists import ItemState
from hhdesk.domain.contact_rules import ATTEMPT_ENROLLED
from hhdesk.domain.enums import ChecklistItemStatus, ContactMode, CoreService, TransitionSetting
from hhdesk.services import contacts, members, transitions
from hhdesk.services.context import AppSession
from hhdesk.ui.dialogs.transition_dialogs import (
    CloseEpisodeDialog,
    DischargeDialog,
    OpenEpisodeDialog,
)
from hhdesk.ui.views.contacts_tab import ContactsTab
from hhdesk.ui.views.member_chart import MemberChartWindow
from hhdesk.ui.views.quality import QualityView, default_period
from hhdesk.ui.views.transitions_tab import STATE_BACKGROUND, TransitionsTab
from hhdesk.ui.views.worklist import OVERDUE_GROUND, WorklistView
from tests.ui.conftest import UiStore


@dataclass
class FakeHost:
    app: AppSession
    store_path: Path = Path("unused")
    opened: list[tuple[int, str | None]] = field(default_factory=list)

    def open_member(self, member_id: int, tab: str | None = None, *, row: Any = None, focus: Any = None) -> None:
        self.opened.append((member_id, tab))

    def show_status(self, text: str, timeout_ms: int = 5000) -> None:
        pass


@pytest.fixture
def cm1(ui_store_with_members: UiStore, login_as: Any) -> AppSession:
    return login_as("cm1")


@pytest.fixture
def member_id(cm1: AppSession) -> int:
    found = members.find_by_medicaid_id(cm1, "AB12345C")  # Núñez, enrolled, cm1's member
    assert found is not None
    return found


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def press(qtbot: Any, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(focused(), key, modifier)


def test_a_week_of_contacts_from_the_keyboard_only(qtbot: Any, cm1: AppSession, member_id: int) -> None:
    tab = ContactsTab(cm1, member_id, "Núñez, José")
    qtbot.addWidget(tab)
    tab.show()
    with qtbot.waitActive(tab):
        tab.activateWindow()
    tab.date_edit.setFocus()  # where the chart puts the cursor when the tab opens
    today = AgencyClock().today()
    week = [today - timedelta(days=n) for n in range(6, -1, -1)]
    plan = {  # day -> (mode letter, services to tick by position, minutes, note)
        0: ("i", (0, 1), "45", "Home visit; reviewed the plan"),
        1: ("p", (1,), "15", "Pharmacy refill"),
        2: ("a", (), "5", "No answer"),  # an attempt: the boxes are off for an enrolled member
        3: ("p", (0,), "20", ""),
        4: ("v", (1, 3), "30", "Video with daughter present"),
        5: ("c", (4,), "10", "Called the food pantry"),
        6: ("p", (2,), "15", "Checked in"),
    }
    for number, day in enumerate(week):
        letter, ticks, minutes, note = plan[number]
        assert focused() is tab.date_edit
        # Ctrl+A, then the whole date over it, some days typed short. The week crosses a month edge on the
        # first six days of a month, where the old date box saved 01/01/2000.
        press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        typed = f"{day.month}/{day.day}/{day.year % 100:02d}" if number % 3 == 2 else day.strftime("%m/%d/%Y")
        qtbot.keyClicks(focused(), typed)
        press(qtbot, Qt.Key.Key_Tab)
        assert focused() is tab.mode_box
        # A combo box searches by what was typed within the keyboard interval: let the last letter expire.
        qtbot.wait(QApplication.keyboardInputInterval() + 50)
        qtbot.keyClicks(focused(), letter)
        press(qtbot, Qt.Key.Key_Tab)  # with whom: member
        press(qtbot, Qt.Key.Key_Tab)
        assert focused() is tab.minutes
        qtbot.keyClicks(focused(), minutes)
        press(qtbot, Qt.Key.Key_Tab)  # staff is fixed for a care manager: the cursor goes to the services
        if letter == "a":
            assert not tab.service_boxes[CoreService.CM].isEnabled()
            assert tab.block_reason.text() == ATTEMPT_ENROLLED and not tab.block_reason.isHidden()
            assert focused() is tab.note
        else:
            position = 0
            for target in ticks:
                while position < target:
                    press(qtbot, Qt.Key.Key_Tab)
                    position += 1
                press(qtbot, Qt.Key.Key_Space)
            while focused() is not tab.note:
                press(qtbot, Qt.Key.Key_Tab)
        qtbot.keyClicks(focused(), note)
        if number == 4:
            press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        else:
            press(qtbot, Qt.Key.Key_Return)
        assert tab.message.text().startswith("Contact saved"), tab.message.text()

    saved = contacts.list_contacts(cm1, member_id)
    assert [c.contact_date for c in saved] == list(reversed(week))
    by_day = {c.contact_date: c for c in saved}
    assert by_day[week[0]].mode is ContactMode.IN_PERSON and by_day[week[0]].minutes == 45
    assert by_day[week[0]].core_services == {CoreService.CM, CoreService.CC}
    assert by_day[week[2]].mode is ContactMode.ATTEMPT and not by_day[week[2]].core_services
    assert by_day[week[4]].core_services == {CoreService.CC, CoreService.FS}
    assert by_day[week[5]].mode is ContactMode.COLLATERAL and by_day[week[5]].core_services == {CoreService.RS}
    assert tab.list.rowCount() == 7
    assert tab.month_label.text()  # the month line is there

    # Edit from the keyboard: Enter on the newest row loads it, Escape leaves without saving.
    tab.list.setFocus()
    tab.list.selectRow(0)
    tab.edit_selected()
    assert tab.editing is not None and tab.save_button.text() == "Save changes"
    press(qtbot, Qt.Key.Key_Escape)
    assert tab.editing is None


def test_the_form_explains_why_services_are_off(qtbot: Any, cm1: AppSession, member_id: int) -> None:
    tab = ContactsTab(cm1, member_id)
    qtbot.addWidget(tab)
    tab.mode_box.setCurrentIndex(tab.mode_box.findData(ContactMode.MAIL))
    assert "mail contact cannot carry a core service" in tab.block_reason.text()
    assert not any(box.isEnabled() for box in tab.service_boxes.values())
    tab.mode_box.setCurrentIndex(tab.mode_box.findData(ContactMode.PHONE))
    assert all(box.isEnabled() for box in tab.service_boxes.values()) and tab.block_reason.isHidden()


def _open_episode(qtbot: Any, tab: TransitionsTab, notified: datetime) -> None:
    dialog = tab.open_episode()
    assert isinstance(dialog, OpenEpisodeDialog)
    dialog.setting_box.setCurrentIndex(dialog.setting_box.findData(TransitionSetting.INPATIENT_PSYCHIATRIC))
    dialog.facility_box.setEditText("Hudson River Psychiatric Center")
    dialog.admitted.set_value(notified.date())
    dialog.notified.set_value(notified)
    assert dialog.apply(), dialog.message.text()


def test_open_an_episode_discharge_and_work_the_checklist(qtbot: Any, cm1: AppSession, member_id: int) -> None:
    tab = TransitionsTab(cm1, member_id)
    qtbot.addWidget(tab)
    assert tab.episode_list.rowCount() == 0 and not tab.empty_label.isHidden()
    notified = local_naive(AgencyClock().now()).replace(second=0, microsecond=0) - timedelta(days=3)
    _open_episode(qtbot, tab, notified)
    episode = tab.selected_episode()
    assert episode is not None and tab.episode_list.rowCount() == 1
    assert episode.facility == "Hudson River Psychiatric Center"
    # The care plan was due 24 h after notification: overdue, on a red ground.
    row = next(n for n, i in enumerate(episode.items) if i.key == "care_plan_shared")
    assert episode.items[row].state is ItemState.OVERDUE
    assert tab.checklist.item(row, 0).background() == STATE_BACKGROUND[ItemState.OVERDUE]
    assert tab.checklist.item(row, 2).text().startswith("Overdue by")

    discharge = tab.record_discharge()
    assert isinstance(discharge, DischargeDialog)
    discharge.discharged.set_value(local_naive(AgencyClock().now()).replace(second=0, microsecond=0) - timedelta(hours=1))
    discharge.destination.setEditText("Home with family")
    assert discharge.apply(), discharge.message.text()
    episode = tab.selected_episode()
    contacted = next(i for i in episode.items if i.key == "member_contacted")
    assert contacted.due_at is not None and contacted.state is ItemState.OPEN
    assert "discharged" in tab.episode_detail.text()

    tab.checklist.selectRow(row)
    assert tab.done_button.isEnabled()
    qtbot.mouseClick(tab.done_button, Qt.MouseButton.LeftButton)
    episode = tab.selected_episode()
    assert episode.items[row].status is ChecklistItemStatus.DONE
    assert tab.checklist.item(row, 2).text().startswith("Done")

    close = tab.close_episode()
    assert isinstance(close, CloseEpisodeDialog)
    assert not close.apply()  # the care-plan question must be answered
    close.reviewed.setChecked(True)
    assert close.apply()
    assert not tab.selected_episode().is_open and not tab.close_button.isEnabled()


def test_reopen_an_episode_closed_by_mistake(qtbot: Any, cm1: AppSession, member_id: int, answers: Any) -> None:
    changes: list[int] = []
    tab = TransitionsTab(cm1, member_id, on_member_changed=lambda: changes.append(1))
    qtbot.addWidget(tab)
    notified = local_naive(AgencyClock().now()).replace(second=0, microsecond=0) - timedelta(days=3)
    _open_episode(qtbot, tab, notified)
    episode = tab.selected_episode()
    assert episode is not None
    assert tab.reopen_episode_button.isVisibleTo(tab) and not tab.reopen_episode_button.isEnabled()
    transitions.record_discharge(cm1, episode.episode_id, notified + timedelta(days=1), now=notified + timedelta(days=1))
    transitions.close_episode(cm1, episode.episode_id, care_plan_reviewed=True, now=notified + timedelta(days=2))
    tab.refresh()
    assert not tab.selected_episode().is_open
    assert tab.reopen_episode_button.isEnabled() and not tab.close_button.isEnabled()

    answers.confirm = False
    assert not tab.reopen_episode()
    assert not tab.selected_episode().is_open and "closed by mistake" in answers.asked[-1]

    answers.confirm = True
    before = len(changes)
    qtbot.mouseClick(tab.reopen_episode_button, Qt.MouseButton.LeftButton)
    assert tab.selected_episode().is_open and tab.episode_list.item(0, 6).text() == "Open"
    assert tab.close_button.isEnabled() and not tab.reopen_episode_button.isEnabled()
    assert "reopened" in tab.message.text() and len(changes) == before + 1


def test_the_worklist_shows_an_overdue_item_and_opens_the_member_there(qtbot: Any, cm1: AppSession,
                                                                         member_id: int) -> None:
    tab = TransitionsTab(cm1, member_id)
    qtbot.addWidget(tab)
    _open_episode(qtbot, tab, local_naive(AgencyClock().now()).replace(second=0, microsecond=0) - timedelta(days=2))
    host = FakeHost(cm1)
    view = WorklistView(host)
    qtbot.addWidget(view)
    first = view.items[0]
    assert first.overdue and first.member_id == member_id and first.tab == "transitions"
    assert view.table.item(0, 1).text().endswith("overdue")
    assert view.table.item(0, 1).background() == OVERDUE_GROUND
    assert view.table.item(0, 3).text() == "Care plan shared with the inpatient team"
    view.table.setFocus()
    view.table.selectRow(0)
    view.open_selected()
    assert host.opened == [(member_id, "transitions")]


def test_the_chart_has_the_contacts_and_transitions_tabs_and_the_month_line(qtbot: Any, cm1: AppSession,
                                                                            member_id: int) -> None:
    chart = MemberChartWindow(cm1, member_id, "contacts")
    qtbot.addWidget(chart)
    assert isinstance(chart.page("contacts"), ContactsTab)
    assert isinstance(chart.show_tab("transitions"), TransitionsTab)
    assert any("qualifying contact" in text for text in chart.header.alert_texts())


def test_quality_view_shows_the_two_measures(qtbot: Any, ui_store_with_members: UiStore, login_as: Any) -> None:
    view = QualityView(FakeHost(login_as("cm1")), today=date(2026, 6, 15))
    qtbot.addWidget(view)
    assert default_period(date(2026, 6, 15)) == (date(2026, 2, 1), date(2026, 4, 30))
    assert view.fuh7_rate.text() == "—" and view.fuh7_counts.text() == "0 of 0 discharges"


def test_import_contacts_previews_then_imports_with_progress(qtbot: Any, ui_store_with_members: UiStore,
                                                            login_as: Any, answers: Any, tmp_path: Path,
                                                            main_window: Any) -> None:
    from hhdesk.domain.contacts_csv import HEADER_LINE
    from hhdesk.ui.dialogs.import_contacts import ImportContactsDialog

    director = login_as("director")
    window = main_window(director)
    assert window.import_contacts_action.isVisible()
    dialog = window.import_contacts()
    assert isinstance(dialog, ImportContactsDialog)
    day = (AgencyClock().today() - timedelta(days=2)).isoformat()
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER_LINE}\nAB12345C,{day},phone,10,cm1,member,CM,\nAB12345C,{day},mail,5,cm1,member,CM,\n")
    answers.open_path = bad
    dialog.choose_file()
    assert not dialog.import_button.isEnabled()
    assert "Line 3, core_services:" in dialog.problems.toPlainText()
    good = tmp_path / "good.csv"
    good.write_text(f"{HEADER_LINE}\nAB12345C,{day},phone,10,cm1,member,CM,Called\n"
                    f"EF34567G,{day},in_person,30,cm2,family,CC;FS,Visit\n")
    answers.open_path = good
    dialog.choose_file()
    assert dialog.import_button.isEnabled() and dialog.preview.rowCount() == 2
    assert dialog.summary.text().startswith("Dry run: 2 contacts for 2 members")
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.imported is not None and dialog.imported.imported == 2
    assert dialog.message.text().startswith("Imported 2 contacts")
    member = members.find_by_medicaid_id(director, "EF34567G")
    assert [c.note for c in contacts.list_contacts(director, member)] == ["Visit"]
    dialog.reject()
    assert not main_window(login_as("cm1")).import_contacts_action.isVisible()  # care managers do not import


def test_an_overlapping_inpatient_stay_is_warned_about(qtbot: Any, cm1: AppSession, member_id: int,
                                                       answers: Any) -> None:
    tab = TransitionsTab(cm1, member_id)
    qtbot.addWidget(tab)
    notified = local_naive(AgencyClock().now()).replace(second=0, microsecond=0) - timedelta(days=3)
    _open_episode(qtbot, tab, notified)  # a psychiatric stay, not discharged yet
    assert answers.asked == []

    dialog = tab.open_episode()
    dialog.setting_box.setCurrentIndex(dialog.setting_box.findData(TransitionSetting.INPATIENT_MEDICAL))
    dialog.facility_box.setEditText("Albany Medical Center")
    dialog.admitted.set_value(notified.date() + timedelta(days=1))
    answers.confirm = False
    assert not dialog.apply()
    assert answers.asked[-1].startswith("This overlaps the inpatient (psychiatric) stay at Hudson River "
                                        "Psychiatric Center, admitted")
    assert "not discharged yet" in answers.asked[-1]
    assert dialog.message.text().startswith("Not saved: check the dates")
    assert len(transitions.member_episodes(cm1, member_id)) == 1

    answers.confirm = True
    assert dialog.apply(), dialog.message.text()
    assert len(transitions.member_episodes(cm1, member_id)) == 2

    emergency = tab.open_episode()  # an emergency-department visit during a stay is not warned about
    emergency.setting_box.setCurrentIndex(emergency.setting_box.findData(TransitionSetting.EMERGENCY_DEPARTMENT))
    emergency.facility_box.setEditText("Albany Medical Center")
    asked = len(answers.asked)
    assert emergency.apply(), emergency.message.text()
    assert len(answers.asked) == asked


def test_checklist_items_speak_the_users_words_and_keep_the_rule_in_a_tooltip(qtbot: Any, cm1: AppSession,
                                                                             member_id: int) -> None:
    tab = TransitionsTab(cm1, member_id)
    qtbot.addWidget(tab)
    _open_episode(qtbot, tab, local_naive(AgencyClock().now()).replace(second=0, microsecond=0) - timedelta(days=1))
    episode = tab.selected_episode()
    assert episode is not None
    row = next(n for n, i in enumerate(episode.items) if i.key == "member_contacted")
    tab.checklist.selectRow(row)
    shown = [tab.checklist.item(n, 0).text() for n in range(tab.checklist.rowCount())] + [tab.basis_label.text()]
    assert not any("22-A2508" in text or "HEDIS" in text or "recommendation" in text for text in shown), shown
    assert tab.basis_label.text().startswith("Due: Within 48 hours of discharge.")
    assert "DC rule 22-A2508" in tab.basis_label.toolTip()
    assert "DC rule 22-A2508" in tab.checklist.item(row, 0).toolTip()
