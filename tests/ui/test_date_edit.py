"""The shared date field under the keys people press: whole dates typed over a selection, pasted, with or
without leading zeros, two-digit years; what is not a date is refused and nothing else is ever stored."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from hhdesk.domain.date_entry import DateEntryError, format_entry, parse_date_entry
from hhdesk.errors import ValidationFailed
from hhdesk.services import careplans, contacts, members
from hhdesk.ui.views.contacts_tab import ContactsTab
from hhdesk.ui.views.member_chart import MemberChartWindow
from hhdesk.ui.widgets.date_edit import DateEdit
from tests.ui.conftest import UiStore
from tests.ui.typed_keys import WAYS, FieldForm, shown_form, type_into

TODAY = date(2026, 12, 4)
START = date(2026, 6, 15)
NO_DEADLINE = settings(max_examples=40, deadline=None,
                       suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


class Form(FieldForm):
    def __init__(self) -> None:
        field = DateEdit(START, today=TODAY, name="Date")
        super().__init__(field, field.date_changed)
        self.date = field


@pytest.fixture
def form(qtbot: Any) -> Form:
    shown = shown_form(qtbot, Form())
    assert isinstance(shown, Form)
    return shown


def _written(day: date, zeros: bool, two_digit_year: bool, separator: str) -> str:
    month, dom = (f"{day.month:02d}", f"{day.day:02d}") if zeros else (str(day.month), str(day.day))
    year = f"{day.year % 100:02d}" if two_digit_year else str(day.year)
    return f"{month}{separator}{dom}{separator}{year}"


def _enter(qtbot: Any, form: Form, text: str, how: str) -> None:
    type_into(qtbot, form.before, form.date, text, how)


@NO_DEADLINE
@given(day=st.dates(min_value=date(1947, 1, 1), max_value=date(2046, 12, 31)), zeros=st.booleans(),
       two_digit_year=st.booleans(), separator=st.sampled_from(["/", "-", "."]),
       how=st.sampled_from(WAYS), leave=st.sampled_from(["tab", "enter"]))
def test_a_date_typed_any_usual_way_is_the_date_stored(qtbot: Any, form: Form, day: date, zeros: bool,
                                                       two_digit_year: bool, separator: str, how: str,
                                                       leave: str) -> None:
    form.date.set_value(START)
    form.announced.clear()
    _enter(qtbot, form, _written(day, zeros, two_digit_year, separator), how)
    qtbot.keyClick(form.date, Qt.Key.Key_Tab if leave == "tab" else Qt.Key.Key_Return)
    assert form.date.value() == day
    assert form.date.text() == format_entry(day)
    assert form.date.committed() == day and not form.date.problem()
    assert form.announced == ([] if day == START else [day])


@NO_DEADLINE
@given(text=st.text(alphabet="0123456789/-. xa", min_size=1, max_size=12),
       how=st.sampled_from(WAYS))
def test_any_keys_give_the_date_typed_or_a_refusal_never_another_date(qtbot: Any, form: Form, text: str,
                                                                     how: str) -> None:
    form.date.set_value(START)
    form.announced.clear()
    _enter(qtbot, form, text, how)
    qtbot.keyClick(form.date, Qt.Key.Key_Tab)
    try:
        meant = parse_date_entry(text, TODAY)
    except DateEntryError as refusal:
        with pytest.raises(ValidationFailed) as raised:
            form.date.value()
        assert str(raised.value) == f"Date: {refusal}"
        assert form.date.problem() == str(raised.value) and form.date.property("invalid") is True
        assert form.date.text().strip() == text.strip(), "what was typed stays, to be corrected"
        assert form.announced == [] and form.date.committed() == START
    else:
        assert form.date.value() == meant and form.date.committed() == meant


def test_arrow_keys_step_the_part_under_the_cursor(qtbot: Any, form: Form) -> None:
    field = form.date
    field.set_value(date(2026, 1, 31))
    field.setFocus(Qt.FocusReason.MouseFocusReason)
    field.setCursorPosition(1)
    qtbot.keyClick(field, Qt.Key.Key_Up)
    assert field.value() == date(2026, 2, 28)
    field.setCursorPosition(4)
    qtbot.keyClick(field, Qt.Key.Key_Down)
    assert field.value() == date(2026, 2, 27)
    field.setCursorPosition(8)
    qtbot.keyClick(field, Qt.Key.Key_Up)
    assert field.value() == date(2027, 2, 27)


def test_a_date_outside_the_range_is_refused_with_the_limit(qtbot: Any, form: Form) -> None:
    form.date.set_range(date(2000, 1, 1), TODAY)
    form.date.limit_reasons = ("", "a contact cannot be dated in the future")
    _enter(qtbot, form, "12/5/2026", "ctrl+a")
    qtbot.keyClick(form.date, Qt.Key.Key_Tab)
    with pytest.raises(ValidationFailed, match="too late: the latest allowed is 12/04/2026 .a contact cannot"):
        form.date.value()
    assert form.date.committed() == START


def test_the_calendar_picks_a_date(qtbot: Any, form: Form) -> None:
    from PySide6.QtCore import QDate

    form.date.open_calendar()
    popup = form.date._calendar  # the popup is private to the field
    assert popup is not None and popup.isVisible()
    assert popup.calendar.selectedDate() == QDate(2026, 6, 15)
    popup.calendar.activated.emit(QDate(2026, 7, 2))
    assert form.date.value() == date(2026, 7, 2) and not popup.isVisible()


# ---- the two dates the issue saw stored wrong ----------------------------------------------------------

def test_a_contact_dated_by_typing_over_the_date_is_saved_on_that_date(qtbot: Any, ui_store_with_members: UiStore,
                                                                      login_as: Any) -> None:
    app = login_as("cm1")
    member_id = members.find_by_medicaid_id(app, "AB12345C")
    assert member_id is not None
    tab = ContactsTab(app, member_id, "Núñez, José", today=TODAY)
    qtbot.addWidget(tab)
    tab.show()
    with qtbot.waitActive(tab):
        tab.activateWindow()
    tab.date_edit.setFocus()
    qtbot.keyClick(tab.date_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(tab.date_edit, "11/30/2026")
    assert tab.date_edit.text() == "11/30/2026", "no 3/0000/2026 while typing"
    qtbot.keyClick(tab.date_edit, Qt.Key.Key_Tab)
    tab.service_boxes[next(iter(tab.service_boxes))].setChecked(True)
    assert tab.save(), tab.message.text()
    assert [c.contact_date for c in contacts.list_contacts(app, member_id)] == [date(2026, 11, 30)]


def test_a_contact_with_a_date_that_is_not_one_is_not_saved(qtbot: Any, ui_store_with_members: UiStore,
                                                            login_as: Any) -> None:
    app = login_as("cm1")
    member_id = members.find_by_medicaid_id(app, "AB12345C")
    assert member_id is not None
    tab = ContactsTab(app, member_id, "Núñez, José", today=TODAY)
    qtbot.addWidget(tab)
    tab.date_edit.setText("11/31/2026")
    assert not tab.save()
    assert tab.message.text() == "Date: “11/31/2026” is not a date: that month has no day 31."
    assert contacts.list_contacts(app, member_id) == []


def test_a_care_plan_target_typed_over_is_the_target_kept(qtbot: Any, ui_store_with_members: UiStore,
                                                          login_as: Any) -> None:
    app = login_as("cm1")
    member_id = members.find_by_medicaid_id(app, "AB12345C")
    assert member_id is not None
    chart = MemberChartWindow(app, member_id, "care_plan")
    qtbot.addWidget(chart)
    chart.show()
    with qtbot.waitActive(chart):
        chart.activateWindow()
    tab = chart.page("care_plan")
    editor = tab.editor
    qtbot.mouseClick(tab.create_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(editor.add_goal_button, Qt.MouseButton.LeftButton)
    editor.goal_text.setFocus()
    qtbot.keyClicks(editor.goal_text, "Keep my apartment")
    editor.goal_has_target.setChecked(True)
    editor.goal_target.setFocus()
    qtbot.keyClick(editor.goal_target, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor.goal_target, "03/31/2027")
    qtbot.keyClick(editor.goal_target, Qt.Key.Key_Tab)
    assert editor.content().needs[0].goals[0].target_date == date(2027, 3, 31)
    assert tab.save_draft()
    draft = careplans.version_to_open(app, member_id)
    assert draft is not None and draft.content.needs[0].goals[0].target_date == date(2027, 3, 31)
