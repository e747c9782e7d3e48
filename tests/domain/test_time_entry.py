"""The time-of-day rule: every usual way of typing a time gives that time; nothing else gives any time."""

from __future__ import annotations

from datetime import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.domain.time_entry import TimeEntryError, format_time_entry, parse_time_entry


@pytest.mark.parametrize(("typed", "meant"), [
    ("9:30", time(9, 30)), ("09:30", time(9, 30)), ("930", time(9, 30)), ("0930", time(9, 30)),
    ("9:30 pm", time(21, 30)), ("9:30PM", time(21, 30)), ("9 pm", time(21)), ("21:30", time(21, 30)),
    ("12:00 am", time(0)), ("12:15 p.m.", time(12, 15)), ("0:05", time(0, 5)), (" 7.45 a ", time(7, 45)),
])
def test_the_usual_ways(typed: str, meant: time) -> None:
    assert parse_time_entry(typed) == meant


@pytest.mark.parametrize(("typed", "why"), [
    ("", "Type a time"), ("9", "morning or evening"), ("9:75", "no minute 75"), ("2530", "no hour 25"),
    ("21:30 pm", "the hour is 1 to 12"), ("0 am", "the hour is 1 to 12"), ("half past nine", "is not a time"),
    ("1:5", "is not a time"), ("12345", "is not a time"), ("9:30 xm", "is not a time"),
])
def test_nonsense_is_refused_with_a_sentence(typed: str, why: str) -> None:
    with pytest.raises(TimeEntryError, match=why) as refused:
        parse_time_entry(typed)
    assert str(refused.value).endswith(".") and "\n" not in str(refused.value)


@given(st.times().map(lambda t: t.replace(second=0, microsecond=0)), st.booleans(), st.sampled_from([":", ".", ""]),
       st.sampled_from(["", " ", "  "]))
def test_a_time_written_any_usual_way_reads_back(moment: time, twelve_hour: bool, separator: str, space: str) -> None:
    if twelve_hour:
        hour = moment.hour % 12 or 12
        half = space + ("pm" if moment.hour >= 12 else "am")
    else:
        hour, half = moment.hour, ""
    typed = f"{hour}{separator}{moment.minute:02d}{half}"
    assert parse_time_entry(typed) == moment
    assert parse_time_entry(format_time_entry(moment)) == moment


@given(st.text(alphabet="0123456789:. apmAPM", max_size=9))
def test_any_text_is_a_time_it_spells_or_a_refusal(text: str) -> None:
    try:
        value = parse_time_entry(text)
    except TimeEntryError as refusal:
        assert str(refusal).endswith(".")
        return
    digits = "".join(c for c in text if c.isdigit())
    # Whatever was accepted spells its own minutes (or none, for "9 pm"): nothing is rounded or rolled over.
    assert digits.endswith(f"{value.minute:02d}") or (value.minute == 0 and len(digits) <= 2)
