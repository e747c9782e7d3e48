"""How members' names, phones, sexes, tiers and statuses are shown: the words every feature prints the same way.

A leaf of the services: it imports nothing of theirs, so any feature may use it without depending on the
member record (``members``) and what that pulls in.
"""

from __future__ import annotations

# The tier words and the name format have one home in the domain; they are re-exported here for the window.
from hhdesk.domain.enums import TIER_LABELS, MemberStatus
from hhdesk.domain.people import display_name

__all__ = ["SEX_CHOICES", "STATUS_LABELS", "TIER_LABELS", "display_name", "display_phone"]

SEX_CHOICES: dict[str, str] = {"": "Not recorded", "F": "Female", "M": "Male", "X": "X (another sex)", "U": "Unknown"}
STATUS_LABELS: dict[MemberStatus, str] = {
    MemberStatus.REFERRED: "Referred",
    MemberStatus.OUTREACH: "Outreach",
    MemberStatus.ENROLLED: "Enrolled",
    MemberStatus.DISENROLLED: "Disenrolled",
}


def display_phone(digits: str) -> str:
    """'5551234567' -> '(555) 123-4567'; anything else as stored."""
    if len(digits) == 10 and digits.isdigit():
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return digits
