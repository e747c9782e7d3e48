"""Admin: users and roles, agency settings, backups and restore, the audit log. Tabs live in `ADMIN_TABS`.

A later feature adds a tab with one entry, e.g.
``AdminTab("Billing setup", "hhdesk.ui.views.admin_billing:BillingSetupTab", Permission.MANAGE_SETTINGS)``;
the factory is called as `factory(host)`. A tab may define `refresh()` (called when it is shown) and
`clear_for_lock()`, like a section.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from hhdesk.domain.permissions import Permission
from hhdesk.ui.sections import SectionHost
from hhdesk.ui.widgets.labels import role_label


@dataclass(frozen=True)
class AdminTab:
    title: str
    factory: str | Callable[[SectionHost], QWidget]
    permission: Permission

    def create(self, host: SectionHost) -> QWidget:
        factory = self.factory
        if isinstance(factory, str):
            module_name, _, attribute = factory.partition(":")
            factory = getattr(importlib.import_module(module_name), attribute)
        return factory(host)


ADMIN_TABS: list[AdminTab] = [
    AdminTab("Users and roles", "hhdesk.ui.views.admin_users:UsersTab", Permission.MANAGE_USERS),
    AdminTab("Agency settings", "hhdesk.ui.views.admin_settings:SettingsTab", Permission.MANAGE_SETTINGS),
    AdminTab("Backups", "hhdesk.ui.views.admin_backups:BackupsTab", Permission.BACKUP),
    AdminTab("Audit log", "hhdesk.ui.views.admin_audit:AuditTab", Permission.VIEW_AUDIT),
]


class AdminView(QWidget):
    def __init__(self, host: SectionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tab_widgets: dict[str, QWidget] = {}
        for spec in ADMIN_TABS:
            if host.app.actor.can(spec.permission):
                widget = spec.create(host)
                self.tab_widgets[spec.title] = widget
                self.tabs.addTab(widget, spec.title)
        self.tabs.currentChanged.connect(lambda _index: self.refresh())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 10)
        layout.setSpacing(10)
        layout.addWidget(role_label("Admin", "heading"))
        layout.addWidget(self.tabs, 1)
        self.refresh()

    def tab(self, title: str) -> QWidget:
        widget = self.tab_widgets[title]
        self.tabs.setCurrentWidget(widget)
        return widget

    def refresh(self) -> None:
        current = self.tabs.currentWidget()
        if current is not None and hasattr(current, "refresh"):
            current.refresh()

    def clear_for_lock(self) -> None:
        for widget in self.tab_widgets.values():
            if hasattr(widget, "clear_for_lock"):
                widget.clear_for_lock()
