"""A time of day as a person types it into a form: the one rule every time field in the window follows.

Accepted:

- hours and minutes with `:` or `.` between them, with or without a leading zero: `9:30`, `09:30`, `21:30`;
- the digits alone, three or four of them: `930`, `0930`, `2130`;
- either of those, or an hour alone, followed by AM or PM (`am`, `pm`, `a`, `p`, `a.m.`, `p.m.`, with or
  without a space): `9:30 pm`, `930pm`, `9 PM`.

Without AM or PM the clock is the 24-hour one (`9:30` is morning, `21:30` evening); an hour alone without
AM or PM is refused, because `9` could be either. Anything else is refused with one sentence that says
what to type; a time is never guessed or corrected (no minute 75 rolling into the next hour, no `21:30 pm`).
"""

from __future__ import annotations

import re
from datetime import time

from hhdesk.domain.errors import DomainError

TIME_HINT = "9:30 AM or 21:30"

_TYPED = re.compile(
    r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2})|(?P<packed>\d{2}))?"
    r"\s*(?:(?P<half>[ap])\.?\s*(?:m\.?)?)?",
    re.IGNORECASE,
)


class TimeEntryError(DomainError):
    """What was typed is not a time of day; the message is for the user as it is."""


def format_time_entry(value: time) -> str:
    """How a time field shows a time: 9:30 AM (the way the agencies' staff say it)."""
    half = "AM" if value.hour < 12 else "PM"
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {half}"


def parse_time_entry(text: str) -> time:
    """The time of day `text` names; `TimeEntryError` (one sentence, with the text) when it names none."""
    cleaned = text.strip()
    if not cleaned:
        raise TimeEntryError(f"Type a time, as {TIME_HINT}.")
    shown = cleaned if len(cleaned) <= 20 else cleaned[:20] + "…"
    match = _TYPED.fullmatch(cleaned)
    if match is None:
        raise TimeEntryError(f"“{shown}” is not a time: type it as {TIME_HINT}.")
    hour = int(match["hour"])
    minutes_text = match["minute"] or match["packed"]
    half = (match["half"] or "").lower()
    if minutes_text is None and not half:
        raise TimeEntryError(f"“{shown}” could be morning or evening: type the minutes too ({hour}:00), "
                             "or AM or PM.")
    minute = int(minutes_text or 0)
    if minute > 59:
        raise TimeEntryError(f"“{shown}” is not a time: an hour has no minute {minute}.")
    if half:
        if not 1 <= hour <= 12:
            raise TimeEntryError(f"“{shown}” is not a time: with AM or PM the hour is 1 to 12.")
        hour = hour % 12 + (12 if half == "p" else 0)
    elif hour > 23:
        raise TimeEntryError(f"“{shown}” is not a time: a day has no hour {hour}.")
    return time(hour, minute)
