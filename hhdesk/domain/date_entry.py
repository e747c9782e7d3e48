"""Dates as people type them into a form, read exactly as typed or refused with a sentence.

A date field never "corrects" what was typed: a wrong date on a contact becomes a wrong bill. So a typed
date is either read as the day the user meant or refused with a message that says what to type.

Accepted (US staff type month first):
- 11/30/2026, 1/5/2026, 11-30-2026, 11.30.2026 (month, day, four-digit year);
- 11/30/26, 1/5/26 (a two-digit year: the century that puts the year no more than 20 years after today,
  so a birth year "61" is 1961 and a review date "27" is 2027, as spreadsheets read them);
- 11302026 and 113026 (all digits, with leading zeros);
- 2026-11-30 (ISO, as exports and the CLI write dates).
Only the ASCII digits 0-9 count: a fullwidth or Arabic-Indic digit is refused rather than guessed at.
"""

from __future__ import annotations

import re
from datetime import date

from hhdesk.domain.errors import DomainError

EARLIEST_YEAR = 1900
LATEST_YEAR = 2099
TWO_DIGIT_YEAR_LEAD = 20  # years after today that a two-digit year may still mean this century
HINT = "Type the date as MM/DD/YYYY, for example 11/30/2026."

_MONTH_FIRST = re.compile(r"([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{2}|[0-9]{4})")
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DIGITS_ONLY = re.compile(r"[0-9]{6}|[0-9]{8}")


class DateEntryError(DomainError):
    """What was typed is not a date; the message says why and what to type."""


def full_year(two_digits: int, today: date) -> int:
    """The year a two-digit year means: the one in the 100 years that end 20 years after today."""
    century = today.year - today.year % 100
    year = century + two_digits
    if year > today.year + TWO_DIGIT_YEAR_LEAD:
        year -= 100
    elif year <= today.year + TWO_DIGIT_YEAR_LEAD - 100:
        year += 100
    return year


def parse_entered_date(text: str, *, today: date) -> date:
    """The date `text` means, or DateEntryError. `today` decides the century of a two-digit year."""
    cleaned = text.strip()
    if not cleaned:
        raise DateEntryError(f"The date is empty. {HINT}")
    if match := _ISO.fullmatch(cleaned):
        year, month, day = (int(part) for part in match.groups())
    elif match := _MONTH_FIRST.fullmatch(cleaned):
        month, day = int(match.group(1)), int(match.group(3))
        year_text = match.group(4)
        year = full_year(int(year_text), today) if len(year_text) == 2 else int(year_text)
    elif _DIGITS_ONLY.fullmatch(cleaned):
        month, day = int(cleaned[:2]), int(cleaned[2:4])
        year = full_year(int(cleaned[4:]), today) if len(cleaned) == 6 else int(cleaned[4:])
    else:
        raise DateEntryError(f"“{_shown(cleaned)}” is not a date. {HINT}")
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise DateEntryError(f"The year {year} is outside {EARLIEST_YEAR}–{LATEST_YEAR}. {HINT}")
    if not 1 <= month <= 12:
        raise DateEntryError(f"There is no month {month}. {HINT}")
    try:
        return date(year, month, day)
    except ValueError:
        raise DateEntryError(f"{_month_name(month)} {year} has no day {day}.") from None


def check_date_range(value: date, *, earliest: date | None = None, latest: date | None = None,
                     too_early: str = "", too_late: str = "") -> None:
    """DateEntryError when `value` is outside [earliest, latest], with the caller's words for why."""
    if earliest is not None and value < earliest:
        raise DateEntryError(too_early or f"The date cannot be before {us_date(earliest)}.")
    if latest is not None and value > latest:
        raise DateEntryError(too_late or f"The date cannot be after {us_date(latest)}.")


def us_date(value: date) -> str:
    return f"{value.month:02d}/{value.day:02d}/{value.year:04d}"


MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")


def _month_name(month: int) -> str:
    return MONTH_NAMES[month - 1]


def _shown(text: str) -> str:
    # What the user typed, shortened: a message is one line, whatever was pasted.
    return text if len(text) <= 24 else text[:21] + "…"
