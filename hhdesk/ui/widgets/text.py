"""How names, dates, ages and tiers read in the window (US dates: the agencies are American)."""

from __future__ import annotations

from datetime import date, datetime

from hhdesk.domain.enums import label

_TIER_LABELS = {"hh_plus": "HH+"}


def display_name(last: str, first: str, preferred: str = "") -> str:
    """'Núñez, José (Pepe)': last name first, as staff file and search them."""
    name = f"{last}, {first}" if first else last
    if preferred and preferred != first:
        name += f" ({preferred})"
    return name


def format_date(value: date | None) -> str:
    return value.strftime("%m/%d/%Y") if value else ""


def format_date_time(value: datetime | None) -> str:
    """'03/14/2025 02:30 PM': a moment on a 12-hour clock, as the clinic's staff read times."""
    return value.strftime("%m/%d/%Y %I:%M %p") if value else ""


def age_on(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def tier_label(tier: str) -> str:
    if not tier:
        return ""
    return _TIER_LABELS.get(tier) or label(tier)  # type: ignore[arg-type]
