"""The "Care manager" filter box of list screens (caseload, referrals): everyone, mine, unassigned, each one.

Both lists offer the same choices in the same order and start a care manager on their own members, so the
filling lives here; the screens differ only in how they word "unassigned" and whether a separator sets the
people apart from the fixed choices.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from hhdesk.domain.enums import Role
from hhdesk.services import users
from hhdesk.services.context import AppSession


def fill_care_manager_filter(
    combo: QComboBox,
    app: AppSession,
    *,
    initial: bool = False,
    unassigned_text: str = "Unassigned",
    separator: bool = False,
) -> None:
    """Refill `combo` without emitting signals, keeping its choice (or, at first, a care manager's own).

    Item data: None for all, a username for one person's members, "" for members with no care manager.
    """
    previous = None if initial else combo.currentData()
    actor = app.actor
    staff = sorted(users.care_managers(app), key=lambda u: (u.full_name or u.username).casefold())
    combo.blockSignals(True)
    combo.clear()
    combo.addItem("All care managers", None)
    if any(u.username == actor.username for u in staff):
        combo.addItem("My members", actor.username)
    combo.addItem(unassigned_text, "")
    if separator:
        combo.insertSeparator(combo.count())
    for user in staff:
        if user.username != actor.username:
            combo.addItem(user.full_name or user.username, user.username)
    wanted = actor.username if initial and actor.role == Role.CARE_MANAGER else previous
    position = combo.findData(wanted) if wanted is not None else 0
    combo.setCurrentIndex(max(position, 0))
    combo.blockSignals(False)
