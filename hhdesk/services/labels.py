"""How members' names, phones, sexes, tiers and statuses are shown: the words every feature prints the same way.

A leaf of the services: it imports nothing of theirs, so any feature may use it without depending on the
member record (``members``) and what that pulls in.
"""

from __future__ import annotations

from hhdesk.domain.enums import MemberStatus, Tier

SEX_CHOICES: dict[str, str] = {"": "Not recorded", "F": "Female", "M": "Male", "X": "X (another sex)", "U": "Unknown"}
TIER_LABELS: dict[Tier, str] = {
    Tier.STANDARD: "Standard",
    Tier.HIGH_RISK: "High risk/need",
    Tier.HH_PLUS: "Health Home Plus",
    Tier.CHILD_LOW: "Children: low",
    Tier.CHILD_MEDIUM: "Children: medium",
    Tier.CHILD_HIGH: "Children: high",
}
STATUS_LABELS: dict[MemberStatus, str] = {
    MemberStatus.REFERRED: "Referred",
    MemberStatus.OUTREACH: "Outreach",
    MemberStatus.ENROLLED: "Enrolled",
    MemberStatus.DISENROLLED: "Disenrolled",
}


def display_name(last_name: str, first_name: str, preferred_name: str = "") -> str:
    name = f"{last_name}, {first_name}"
    if preferred_name and preferred_name != first_name:
        name += f" ({preferred_name})"
    return name


def display_phone(digits: str) -> str:
    """'5551234567' -> '(555) 123-4567'; anything else as stored."""
    if len(digits) == 10 and digits.isdigit():
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return digits
