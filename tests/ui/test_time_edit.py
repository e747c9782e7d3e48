"""The shared time field under the keys people press: 9:30, 930, 9:30 pm, 21:30 typed over a selection or
pasted give that time; what is not a time is refused with a sentence and no other time is ever stored."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from hhdesk.domain.time_entry import TimeEntryError, format_time_entry, parse_time_entry
from hhdesk.errors import ValidationFailed
from hhdesk.services import members, transitions
from hhdesk.ui.dialogs.transition_dialogs import OpenEpisodeDialog
from hhdesk.ui.widgets.date_edit import DateTimeEdit
from hhdesk.ui.widgets.time_edit import TimeEdit
from tests.ui.conftest import UiStore
from tests.ui.typed_keys import WAYS, FieldForm, shown_form, type_into

START = time(14, 5)
NO_DEADLINE = settings(max_examples=40, deadline=None,
                       suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


class Form(FieldForm):
    def __init__(self) -> None:
        field = TimeEdit(START, name="Time")
        super().__init__(field, field.time_changed)
        self.time = field


@pytest.fixture
def form(qtbot: Any) -> Form:
    shown = shown_form(qtbot, Form())
    assert isinstance(shown, Form)
    return shown


def _enter(qtbot: Any, form: Form, text: str, how: str) -> None:
    type_into(qtbot, form.before, form.time, text, how)


def _written(moment: time, style: str) -> str:
    twelve = f"{moment.hour % 12 or 12}"
    half = "pm" if moment.hour >= 12 else "am"
    return {
        "24h": f"{moment.hour}:{moment.minute:02d}",
        "24h zero": f"{moment.hour:02d}:{moment.minute:02d}",
        "digits": f"{moment.hour}{moment.minute:02d}",
        "12h": f"{twelve}:{moment.minute:02d} {half}",
        "12h packed": f"{twelve}{moment.minute:02d}{half.upper()}",
    }[style]


@NO_DEADLINE
@given(moment=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
       style=st.sampled_from(["24h", "24h zero", "digits", "12h", "12h packed"]),
       how=st.sampled_from(WAYS), leave=st.sampled_from(["tab", "enter"]))
def test_a_time_typed_any_usual_way_is_the_time_stored(qtbot: Any, form: Form, moment: time, style: str, how: str,
                                                       leave: str) -> None:
    form.time.set_value(START)
    form.announced.clear()
    _enter(qtbot, form, _written(moment, style), how)
    qtbot.keyClick(form.time, Qt.Key.Key_Tab if leave == "tab" else Qt.Key.Key_Return)
    assert form.time.value() == moment and form.time.text() == format_time_entry(moment)
    assert form.time.committed() == moment and not form.time.problem()
    assert form.announced == ([] if moment == START else [moment])


@NO_DEADLINE
@given(text=st.text(alphabet="0123456789:. apmAPMx", min_size=1, max_size=10),
       how=st.sampled_from(WAYS))
def test_any_keys_give_the_time_typed_or_a_refusal_never_another_time(qtbot: Any, form: Form, text: str,
                                                                     how: str) -> None:
    form.time.set_value(START)
    form.announced.clear()
    _enter(qtbot, form, text, how)
    qtbot.keyClick(form.time, Qt.Key.Key_Tab)
    try:
        meant = parse_time_entry(text)
    except TimeEntryError as refusal:
        with pytest.raises(ValidationFailed) as raised:
            form.time.value()
        assert str(raised.value) == f"Time: {refusal}"
        assert form.time.problem() == str(raised.value) and form.time.property("invalid") is True
        assert form.time.text().strip() == text.strip(), "what was typed stays, to be corrected"
        assert form.announced == [] and form.time.committed() == START
    else:
        assert form.time.value() == meant and form.time.committed() == meant


def test_the_old_section_defect_is_gone(qtbot: Any, form: Form) -> None:
    """A QTimeEdit given 09:30 typed over a selected 02:05 PM kept sections of both."""
    _enter(qtbot, form, "09:30", "ctrl+a")
    qtbot.keyClick(form.time, Qt.Key.Key_Tab)
    assert form.time.value() == time(9, 30) and form.time.text() == "9:30 AM"


def test_arrow_keys_step_the_hour_or_the_minutes(qtbot: Any, form: Form) -> None:
    field = form.time
    field.set_value(time(23, 59))
    field.setFocus(Qt.FocusReason.MouseFocusReason)
    field.setCursorPosition(4)
    qtbot.keyClick(field, Qt.Key.Key_Up)
    assert field.value() == time(0, 0)
    field.setCursorPosition(0)
    qtbot.keyClick(field, Qt.Key.Key_Down)
    assert field.value() == time(23, 0)


def test_a_moment_with_a_time_that_is_not_one_is_refused(qtbot: Any) -> None:
    moment = DateTimeEdit(datetime(2026, 11, 20, 10, 0), latest=datetime(2026, 11, 20, 23, 0), name="Discharged")
    qtbot.addWidget(moment)
    moment.time_edit.setText("9:75")
    with pytest.raises(ValidationFailed, match="^Discharged time: “9:75” is not a time: an hour has no minute 75"):
        moment.value()
    moment.time_edit.setText("9:30 pm")
    assert moment.value() == datetime(2026, 11, 20, 21, 30)
    moment.time_edit.setText("11:30 pm")
    with pytest.raises(ValidationFailed, match="still to come"):
        moment.value()


def test_when_the_agency_heard_is_stored_as_typed(qtbot: Any, ui_store_with_members: UiStore, login_as: Any) -> None:
    app = login_as("cm1")
    member_id = members.find_by_medicaid_id(app, "AB12345C")
    assert member_id is not None
    now = datetime(2026, 11, 20, 22, 0)
    dialog = OpenEpisodeDialog(app, member_id, now=now)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.facility_box.setEditText("Albany Medical Center")
    dialog.admitted.set_value(date(2026, 11, 19))
    heard = dialog.notified.time_edit
    heard.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.keyClick(heard, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(heard, "930 pm")
    qtbot.keyClick(heard, Qt.Key.Key_Tab)
    assert dialog.apply(), dialog.message.text()
    [episode] = transitions.member_episodes(app, member_id, now=now)
    assert episode.notified_at == datetime(2026, 11, 20, 21, 30)
