"""Dates and whole numbers as people type them into the window, a command or a CSV file.

Only ASCII digits count: Python's ``int()`` and regular expressions' ``\\d`` also take fullwidth (２０２６)
and Arabic-Indic (٢٠٢٦) digits, which no spreadsheet of a US agency means, and which would be stored as a
value nobody typed on their keyboard. Only dates from 1900 to 2099 are dates: ``0001-01-01`` is what an empty
spreadsheet cell becomes in some exports, never a contact or a birth date.
"""

from __future__ import annotations

import re
from datetime import date

EARLIEST = date(1900, 1, 1)
LATEST = date(2099, 12, 31)
DATE_FORMS = "YYYY-MM-DD (or M/D/YYYY)"
OUT_OF_RANGE = f"must be a date from {EARLIEST.year} to {LATEST.year}."

_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
_US = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})", re.ASCII)
_WHOLE = re.compile(r"[0-9]+", re.ASCII)


def parse_date(text: str, *, us_form: bool = True) -> date | None:
    """YYYY-MM-DD (and M/D/YYYY if ``us_form``) in ASCII digits, a real day from 1900 to 2099; else None."""
    value = _read(text.strip(), us_form)
    return value if value is not None and EARLIEST <= value <= LATEST else None


def date_problem(text: str, *, us_form: bool = True) -> str | None:
    """Why ``text`` is not a date (a sentence fragment for 'Line 4, date: ...'), or None if it is one."""
    forms = DATE_FORMS if us_form else "YYYY-MM-DD"
    stripped = text.strip()
    if not stripped.isascii():
        return f"must be written with the digits 0-9 as {forms}."
    value = _read(stripped, us_form)
    if value is None:
        return f"must be a real date written {forms}."
    if not in_range(value):
        return OUT_OF_RANGE
    return None


def _read(text: str, us_form: bool) -> date | None:
    if match := _ISO.fullmatch(text):
        year, month, day = match.groups()
    elif us_form and (match := _US.fullmatch(text)):
        month, day, year = match.groups()
    else:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_whole_number(text: str, max_digits: int) -> int | None:
    """A whole number of at most ``max_digits`` ASCII digits, else None."""
    text = text.strip()
    if len(text) > max_digits or not _WHOLE.fullmatch(text):
        return None
    return int(text)


def in_range(day: date) -> bool:
    return EARLIEST <= day <= LATEST
