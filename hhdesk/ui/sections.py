"""The sections of the main window, registered in one list: `SECTIONS`.

A feature adds its section with one line here::

    SectionSpec("billing", "Billing", "hhdesk.ui.views.billing:BillingView", Permission.BILLING,
                tooltip="Preview and export the month's claims")

- `factory` is "module:attribute" (imported when the section is first opened, so the window starts fast
  and sections never import each other) or any callable. It is called as `factory(host)` with the
  `SectionHost` (the main window) and returns the section's QWidget.
- `permission`: the section is listed only if the logged-in role has it (None: everyone). The services
  check permissions again on every call; hiding is a courtesy, not the protection.
- A section widget may define, and the window then calls:
    `refresh()`          each time the section is shown, and after an unlock;
    `clear_for_lock()`   when the window locks: drop every member's data from models and fields
                         (the window is hidden then too; member windows and dialogs are hidden as they
                         are, unsaved work included, until the same user unlocks: `hhdesk.ui.unsaved`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtWidgets import QWidget

from hhdesk.domain.permissions import Permission
from hhdesk.services.context import Actor, AppSession

if TYPE_CHECKING:
    from pathlib import Path


class SectionHost(Protocol):
    """What a section may ask of the window that holds it."""

    app: AppSession
    store_path: Path | None  # None on an agency's server

    def open_member(self, member_id: int, tab: str | None = None, *, row: Any = None, focus: Any = None,
                    billing_month: Any = None) -> None:
        """Show a member (the chart, once it exists); `row` is what a list already knows, if anything;
        `focus` (a `hhdesk.ui.member_view.RecordFocus`) the record the tab selects; `billing_month` (a
        ServiceMonth) when the billing preview opens the member to fix that month."""

    def settings_changed(self) -> None:
        """Settings were saved: re-read what the window uses (lock minutes, paper size)."""

    def end_session(self, message: str = "", *, log_out: bool = True) -> None:
        """Close the window and return to the login dialog, showing `message` there."""

    def show_status(self, text: str, timeout_ms: int = 5000) -> None:
        """A passing note in the status bar ("Backup saved")."""


SectionFactory = Callable[["SectionHost"], QWidget]


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    factory: str | SectionFactory
    permission: Permission | None = None
    tooltip: str = ""

    def allowed_for(self, actor: Actor) -> bool:
        return self.permission is None or actor.can(self.permission)

    def create(self, host: SectionHost) -> QWidget:
        factory = self.factory
        if isinstance(factory, str):
            module_name, _, attribute = factory.partition(":")
            factory = getattr(importlib.import_module(module_name), attribute)
        return factory(host)


SECTIONS: list[SectionSpec] = [
    SectionSpec("caseload", "Caseload", "hhdesk.ui.views.member_caseload:MemberCaseloadView", Permission.VIEW_MEMBERS,
                tooltip="Find a member by name, Medicaid ID or date of birth"),
    SectionSpec("worklist", "Worklist", "hhdesk.ui.views.worklist:WorklistView", Permission.VIEW_CLINICAL,
                tooltip="What is due and overdue for your members, most urgent first"),
    SectionSpec("referrals", "Referrals", "hhdesk.ui.views.referrals_section:ReferralsView",
                Permission.VIEW_CLINICAL, tooltip="Referrals to community supports: follow-ups due and what closed"),
    SectionSpec("quality", "Quality", "hhdesk.ui.views.quality:QualityView", Permission.VIEW_CLINICAL,
                tooltip="Follow-up after psychiatric stays and 30-day readmissions over a period"),
    SectionSpec("directory", "Directory", "hhdesk.ui.views.directory:DirectoryView", Permission.VIEW_MEMBERS,
                tooltip="Providers and community agencies: PCPs, specialists, pharmacies, housing, food"),
    SectionSpec("billing", "Billing", "hhdesk.ui.views.billing:BillingView", Permission.BILLING,
                tooltip="Preview a month's billing, fix what will not bill, export the files"),
    SectionSpec("admin", "Admin", "hhdesk.ui.views.admin:AdminView", Permission.MANAGE_USERS,
                tooltip="Users and roles, agency settings, backups and the audit log"),
]
