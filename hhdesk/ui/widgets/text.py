"""How names, dates, ages and tiers read in the window (US dates: the agencies are American)."""

from __future__ import annotations

from datetime import date, datetime

from hhdesk.domain.enums import tier_label
from hhdesk.domain.people import age_on, display_name

__all__ = ["age_on", "display_name", "format_date", "format_date_time", "tier_label"]


def format_date(value: date | None) -> str:
    return value.strftime("%m/%d/%Y") if value else ""


def format_date_time(value: datetime | None) -> str:
    """'03/14/2025 02:30 PM': a moment on a 12-hour clock, as the clinic's staff read times."""
    return value.strftime("%m/%d/%Y %I:%M %p") if value else ""


