"""The one place hhdesk reads the system clock.

Rules that depend on the day (a contact's month, a care plan's review, a referral's follow-up) take the
session's clock (`AppSession.clock`), so a test pins the day by handing the session a `FixedClock`, and no
module but this one asks the operating system what time it is. The day is the agency's: New York's, whatever
zone the computer is set to, so a laptop carried to another zone counts a contact in the same month.

Clocks measure moments, not durations: timing uses `time.monotonic`/`time.perf_counter`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

AGENCY_ZONE = ZoneInfo("America/New_York")


class Clock(Protocol):
    def today(self) -> date:
        """The agency's calendar day."""
        ...

    def now(self) -> datetime:
        """The present moment, aware, in the agency's time zone."""
        ...


class AgencyClock:
    """The real clock: the system's, read in the agency's time zone."""

    def today(self) -> date:
        return self.now().date()

    def now(self) -> datetime:
        return datetime.now(AGENCY_ZONE)


@dataclass
class FixedClock:
    """A clock that reads what it was set to (tests, and a benchmark that replays one day)."""

    moment: datetime

    @classmethod
    def on(cls, day: date, at: time = time(10, 0)) -> FixedClock:
        return cls(datetime.combine(day, at, tzinfo=AGENCY_ZONE))

    def today(self) -> date:
        return self.moment.date()

    def now(self) -> datetime:
        return self.moment

    def advance(self, by: timedelta) -> None:
        self.moment += by


def utc_naive(moment: datetime) -> datetime:
    """A moment as the store keeps its timestamps: UTC, without a zone."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def local_naive(moment: datetime) -> datetime:
    """A moment as the agency's wall clock shows it, without a zone (claim files, file names)."""
    return moment.astimezone(AGENCY_ZONE).replace(tzinfo=None)


# Where no session exists yet (the key file's lockout before a login, the store's own stamps, a backup's
# manifest): the record of when something happened, always the real time.
SYSTEM_CLOCK: Clock = AgencyClock()


def seconds_since_epoch() -> float:
    """Wall-clock seconds, for comparing with file modification times and other processes' stamps."""
    return datetime.now(UTC).timestamp()
