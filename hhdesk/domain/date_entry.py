"""A date as a person types it into a form: the one rule every date field in the window follows.

Accepted (US order, as the agencies' staff write dates):

- month/day/year with `/`, `-` or `.` between the parts, with or without leading zeros:
  `11/30/2026`, `1/5/2026`, `01-05-2026`, `1.5.26`;
- a two-digit year: `11/30/26`; it means the year in the hundred years that end twenty years from today
  (in 2026: `26` is 2026, `46` is 2046, `47` is 1947), so a date of birth and a plan target both read
  as meant;
- the digits alone: `11302026` or `113026` (two digits each for month and day);
- ISO `2026-11-30`, as spreadsheets and other programs write it.

Anything else is refused with one sentence that says what to type; a date is never guessed or corrected
(no "nearest valid day", no rolling 31 into the next month). Ranges (not before, not after) are checked
here too so that every field words them the same way.
"""

from __future__ import annotations

import re
from datetime import date

from hhdesk.domain.errors import DomainError

DATE_HINT = "MM/DD/YYYY"
TWO_DIGIT_YEAR_LOOKAHEAD = 20
"""A two-digit year is the one within the 100 years ending this many years after today."""

_SEPARATED = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DIGITS = re.compile(r"(\d{2})(\d{2})(\d{4}|\d{2})")


class DateEntryError(DomainError):
    """What was typed is not a date (or not an allowed one); the message is for the user as it is."""


def format_entry(value: date) -> str:
    """How a date field shows a date: MM/DD/YYYY."""
    return value.strftime("%m/%d/%Y")


def full_year(two_digits: int, today: date) -> int:
    """The four-digit year a two-digit year means, today (see the module's rule)."""
    latest = today.year + TWO_DIGIT_YEAR_LOOKAHEAD
    year = latest - (latest - two_digits) % 100
    return year


def parse_date_entry(text: str, today: date) -> date:
    """The date `text` names; `DateEntryError` (one sentence, with the text) when it names none."""
    cleaned = text.strip()
    if not cleaned:
        raise DateEntryError(f"Type a date as {DATE_HINT}.")
    shown = cleaned if len(cleaned) <= 20 else cleaned[:20] + "…"
    parts = _parts(cleaned, today)
    if parts is None:
        raise DateEntryError(f"“{shown}” is not a date: type it as {DATE_HINT}.")
    year, month, day = parts
    if not 1 <= month <= 12:
        raise DateEntryError(f"“{shown}” is not a date: there is no month {month}.")
    try:
        return date(year, month, day)
    except ValueError:
        raise DateEntryError(f"“{shown}” is not a date: that month has no day {day}.") from None


def _parts(text: str, today: date) -> tuple[int, int, int] | None:
    """(year, month, day) as typed, before checking they make a date."""
    if match := _ISO.fullmatch(text):
        year, month, day = (int(group) for group in match.groups())
        return year, month, day
    match = _SEPARATED.fullmatch(text) or _DIGITS.fullmatch(text)
    if match is None:
        return None
    month_text, day_text, year_text = match.groups()
    year = int(year_text) if len(year_text) == 4 else full_year(int(year_text), today)
    if year < 1:
        return None
    return year, int(month_text), int(day_text)


def check_range(value: date, earliest: date | None = None, latest: date | None = None, *,
                earliest_reason: str = "", latest_reason: str = "") -> None:
    """Refuse a date outside [earliest, latest] with a sentence naming the limit (and why, when given)."""
    if earliest is not None and value < earliest:
        why = f" ({earliest_reason})" if earliest_reason else ""
        raise DateEntryError(f"{format_entry(value)} is too early: the earliest allowed is "
                             f"{format_entry(earliest)}{why}.")
    if latest is not None and value > latest:
        why = f" ({latest_reason})" if latest_reason else ""
        raise DateEntryError(f"{format_entry(value)} is too late: the latest allowed is "
                             f"{format_entry(latest)}{why}.")


def add_months(day: date, months: int) -> date:
    """The same day `months` later or earlier; the month's last day when that month is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - date.resolution).day
    return date(year, month, min(day.day, last))
