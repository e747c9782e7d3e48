"""The words, limits and wall clock every part of transitions shares: messages, setting labels, :func:`local_now`."""

from __future__ import annotations

from datetime import datetime

from hhdesk.clock import Clock, local_naive
from hhdesk.domain.enums import (
    TransitionSetting,
    label,
)

NO_EPISODE = "No episode with that number is in the store: check the number, or refresh the list."
NO_ITEM = "This checklist item is no longer in the store; refresh the episode."
EPISODE_CLOSED = "The episode is closed: reopen it before changing it."
MAX_TEXT = 2000
MIN_REASON_LENGTH = 5
SETTING_LABELS: dict[TransitionSetting, str] = {
    TransitionSetting.INPATIENT_MEDICAL: "Inpatient (medical)",
    TransitionSetting.INPATIENT_PSYCHIATRIC: "Inpatient (psychiatric)",
    TransitionSetting.EMERGENCY_DEPARTMENT: "Emergency department",
    TransitionSetting.DETOX_REHAB: "Detox / rehab",
    TransitionSetting.SKILLED_NURSING: "Skilled nursing",
}
NOTIFIED_HOW_CHOICES: tuple[str, ...] = (
    "Phone call from the facility", "Fax from the facility", "Health information exchange alert",
    "MCO notification", "Member or family told us", "Other",
)
FACILITY_CATEGORIES = ("hospital",)


def local_now(clock: Clock) -> datetime:
    """The agency's wall-clock time to the second: what episode times are compared with."""
    return local_naive(clock.now()).replace(microsecond=0)


def _hours_text(hours: int) -> str:
    if hours and hours % 24 == 0:
        days = hours // 24
        return f"{days} day" if days == 1 else f"{days} days"
    return f"{hours} hour" if hours == 1 else f"{hours} hours"


def setting_label(setting: TransitionSetting) -> str:
    return SETTING_LABELS.get(setting, label(setting))
