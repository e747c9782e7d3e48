"""The calendar month a Health Home bills for (docs/domain.md §10), written `YYYY-MM` in files and on screen."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

# ASCII digits only, and a year a bill can be for (see hhdesk.domain.entered_dates).
_SERVICE_MONTH_PATTERN = re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)
_FIRST_YEAR, _LAST_YEAR = 1900, 2099


@dataclass(frozen=True, order=True)
class ServiceMonth:
    """One calendar month. Ordered, hashable, and cheap to step forwards and backwards."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError("the month of a service month must be 1 to 12")
        if not 1 <= self.year <= 9999:
            raise ValueError("the year of a service month must be 1 to 9999")

    @classmethod
    def parse(cls, text: str) -> ServiceMonth:
        """Read `YYYY-MM` (e.g. `2024-03`); anything else is refused with a message saying so."""
        match = _SERVICE_MONTH_PATTERN.fullmatch(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise ValueError("a service month is written YYYY-MM with the digits 0-9, for example 2024-03")
        if not _FIRST_YEAR <= int(match.group(1)) <= _LAST_YEAR:
            raise ValueError(f"a service month is in the years {_FIRST_YEAR} to {_LAST_YEAR}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> ServiceMonth:
        return cls(day.year, day.month)

    @classmethod
    def from_index(cls, index: int) -> ServiceMonth:
        year, month_zero_based = divmod(index, 12)
        return cls(year, month_zero_based + 1)

    @property
    def index(self) -> int:
        """Months since year 0: differences between indexes are distances in months."""
        return self.year * 12 + self.month - 1

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def shift(self, months: int) -> ServiceMonth:
        return ServiceMonth.from_index(self.index + months)

    def previous(self) -> ServiceMonth:
        return self.shift(-1)

    def next(self) -> ServiceMonth:
        return self.shift(1)

    def contains(self, day: date) -> bool:
        return day.year == self.year and day.month == self.month

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_service_month(text: str) -> ServiceMonth:
    return ServiceMonth.parse(text)


def format_service_month(month: ServiceMonth) -> str:
    return str(month)


def as_service_month(month: ServiceMonth | str) -> ServiceMonth:
    """Accept either form at the edges of the API, so callers can pass what the user typed."""
    return month if isinstance(month, ServiceMonth) else ServiceMonth.parse(month)


def month_bounds(month: ServiceMonth | str) -> tuple[date, date]:
    """First and last day (both inclusive) of a month given as `YYYY-MM` or a ServiceMonth."""
    service_month = as_service_month(month)
    return service_month.first_day, service_month.last_day


def months_between(first: ServiceMonth, last: ServiceMonth) -> Iterator[ServiceMonth]:
    """Every month from `first` to `last`, both included, in order."""
    for index in range(first.index, last.index + 1):
        yield ServiceMonth.from_index(index)
