"""The date field: a date typed in any of the usual ways is kept exactly; anything else is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from hhdesk.domain.date_entry import DateEntryError, parse_entered_date
from hhdesk.ui.widgets.date_field import DateField

TODAY = date(2026, 12, 4)
EARLIEST = date(2000, 1, 1)
IN_RANGE = st.dates(min_value=EARLIEST, max_value=TODAY)
WAYS_OF_WRITING = st.sampled_from(["%m/%d/%Y", "short", "short year", "%m%d%Y", "%Y-%m-%d"])
WAYS_OF_REPLACING = st.sampled_from(["focus", "ctrl+a", "home shift+end", "paste"])
FUNCTION_FIXTURE = settings(max_examples=60, deadline=None,
                            suppress_health_check=[HealthCheck.function_scoped_fixture])


def written(day: date, way: str) -> str:
    if way == "short":
        return f"{day.month}/{day.day}/{day.year}"
    if way == "short year":
        return f"{day.month}/{day.day}/{day.year % 100:02d}"
    return day.strftime(way)


@pytest.fixture
def field(qtbot: Any) -> Iterator[DateField]:
    form = QWidget()  # a form: Tab leaves the date for the next field
    widget = DateField(TODAY, today=TODAY, earliest=EARLIEST, latest=TODAY,
                       too_late="A contact cannot be dated after today.")
    layout = QVBoxLayout(form)
    layout.addWidget(widget)
    layout.addWidget(QLineEdit())
    qtbot.addWidget(form)
    form.show()
    with qtbot.waitActive(form):
        form.activateWindow()
    yield widget
    form.close()


def replace_text(qtbot: Any, field: DateField, text: str, way: str) -> None:
    field.clearFocus()
    field.setFocus()  # arriving selects the whole date
    if way == "ctrl+a":
        qtbot.keyClick(field, Qt.Key.Key_End)
        qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    elif way == "home shift+end":
        qtbot.keyClick(field, Qt.Key.Key_Home)
        qtbot.keyClick(field, Qt.Key.Key_End, Qt.KeyboardModifier.ShiftModifier)
    if way == "paste":
        QApplication.clipboard().setText(text)
        qtbot.keyClick(field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    else:
        qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Tab)


@FUNCTION_FIXTURE
@given(start=IN_RANGE, day=IN_RANGE, way=WAYS_OF_WRITING, replacing=WAYS_OF_REPLACING)
def test_a_typed_date_is_kept_exactly(qtbot: Any, field: DateField, start: date, day: date, way: str,
                                      replacing: str) -> None:
    field.set_value(start)
    replace_text(qtbot, field, written(day, way), replacing)
    assert field.value() == day
    assert field.problem() is None
    assert field.text() == day.strftime("%m/%d/%Y")  # written out the one way once the cursor leaves


@FUNCTION_FIXTURE
@given(start=IN_RANGE, keys=st.text(alphabet="0123456789/-. ", max_size=12))
def test_any_keys_give_the_date_they_spell_or_a_sentence(qtbot: Any, field: DateField, start: date,
                                                          keys: str) -> None:
    field.set_value(start)
    replace_text(qtbot, field, keys, "focus")
    if not keys:
        assert field.value() == start  # nothing typed: the date stays
        return
    try:
        meant: date | None = parse_entered_date(keys, today=TODAY)
    except DateEntryError:
        meant = None
    if meant is not None and EARLIEST <= meant <= TODAY:
        assert field.value() == meant
    else:
        assert field.value() is None
        assert field.problem()  # the sentence the form shows when saving is refused


def test_the_month_start_case_that_saved_01_01_2000(qtbot: Any, field: DateField) -> None:
    field.set_value(date(2026, 12, 3))
    replace_text(qtbot, field, "11/30/2026", "ctrl+a")
    assert field.value() == date(2026, 11, 30)


def test_a_future_date_is_refused_with_the_forms_words(qtbot: Any, field: DateField) -> None:
    replace_text(qtbot, field, "12/05/2026", "focus")
    assert field.value() is None and field.problem() == "A contact cannot be dated after today."
    assert field.property("invalid") is True


def test_arrow_keys_step_a_day_and_page_keys_a_month(qtbot: Any, field: DateField) -> None:
    field.set_value(date(2026, 3, 31))
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_Up)
    assert field.value() == date(2026, 4, 1)
    qtbot.keyClick(field, Qt.Key.Key_PageDown)
    assert field.value() == date(2026, 3, 1)
    field.set_value(TODAY)
    qtbot.keyClick(field, Qt.Key.Key_Up)  # not past the latest date
    assert field.value() == TODAY


def test_the_calendar_sets_the_day_clicked(qtbot: Any, field: DateField) -> None:
    from PySide6.QtCore import QDate

    field.open_calendar()
    calendar = field._calendar
    assert calendar is not None and calendar.maximumDate() == QDate(2026, 12, 4)
    calendar.clicked.emit(QDate(2026, 11, 30))
    assert field.value() == date(2026, 11, 30)
