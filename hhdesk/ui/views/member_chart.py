"""The member chart: a header that is always visible, and tabs from a registry (``CHART_TABS``).

A feature adds its tab with one line::

    register_chart_tab(TabSpec("care_plan", "Care plan", "hhdesk.ui.views.careplan_tab:CarePlanTab",
                               Permission.VIEW_CLINICAL))

- ``factory`` is "module:attribute" (imported when the tab is first shown) or a callable; it is called
  with a ``ChartContext`` and returns the tab's QWidget.
- ``permission``: the tab is shown only if the role has it (the services check again on every call).
- A tab widget may define ``refresh()``, called when the tab is shown again after something in the chart
  changed, and ``clear_for_lock()``. When a tab changes the member, it calls ``context.changed()``: the
  header is read again (alerts, status, tier) and the other tabs refresh when next shown.

Opening a chart writes one ``member_viewed`` audit event; refreshing it after a change does not.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.permissions import Permission
from hhdesk.domain.service_month import ServiceMonth
from hhdesk.services import members
from hhdesk.services.context import AppSession
from hhdesk.services.members import MemberChart
from hhdesk.ui.errors import user_errors
from hhdesk.ui.member_view import MemberViewRequest, RecordFocus
from hhdesk.ui.shortcuts import bind_shortcut
from hhdesk.ui.unsaved import TracksUnsavedEdits, discard_all, forms_with_unsaved_edits, settle_unsaved
from hhdesk.ui.widgets.fields import chip
from hhdesk.ui.widgets.flow_layout import FlowLayout
from hhdesk.ui.widgets.labels import role_label
from hhdesk.ui.widgets.text import format_date
from hhdesk.ui.window_placement import preferred_size


@dataclass
class ChartContext:
    """What a tab gets: the session, which member, and a way to tell the chart something changed."""

    app: AppSession
    member_id: int
    member_label: str
    window: MemberChartWindow
    billing_month: ServiceMonth | None = None
    """Set when the billing preview opened the chart to fix that month (a consent then defaults to its end)."""

    @property
    def today(self) -> date:
        return self.app.clock.today()

    def changed(self) -> None:
        self.window.member_changed()

    @property
    def chart(self) -> MemberChart:
        return self.window.chart


TabFactory = Callable[[ChartContext], QWidget]


@dataclass(frozen=True)
class TabSpec:
    key: str
    title: str
    factory: str | TabFactory
    permission: Permission | None = None

    def create(self, context: ChartContext) -> QWidget:
        factory = self.factory
        if isinstance(factory, str):
            module_name, _, attribute = factory.partition(":")
            factory = getattr(importlib.import_module(module_name), attribute)
        return factory(context)


CHART_TABS: list[TabSpec] = [
    TabSpec("profile", "Profile", "hhdesk.ui.views.chart_profile:ProfileTab", Permission.VIEW_MEMBERS),
    TabSpec("enrolment", "Enrolment", "hhdesk.ui.views.chart_enrolment:EnrolmentTab", Permission.VIEW_MEMBERS),
    TabSpec("contacts", "Contacts", "hhdesk.ui.views.contacts_tab:make_tab", Permission.VIEW_CLINICAL),
    TabSpec("conditions", "Conditions", "hhdesk.ui.views.chart_conditions:ConditionsTab", Permission.VIEW_CLINICAL),
    TabSpec("care_team", "Care team", "hhdesk.ui.views.chart_care_team:CareTeamTab", Permission.VIEW_CLINICAL),
    TabSpec("care_plan", "Care plan", "hhdesk.ui.views.careplan_tab:CarePlanTab", Permission.VIEW_CLINICAL),
    TabSpec("transitions", "Transitions", "hhdesk.ui.views.transitions_tab:make_tab", Permission.VIEW_CLINICAL),
    TabSpec("referrals", "Referrals", "hhdesk.ui.views.member_chart:referrals_tab", Permission.VIEW_CLINICAL),
]
"""The chart's tabs in order. Use ``register_chart_tab`` to add one (or replace one by its key)."""


def register_chart_tab(spec: TabSpec, *, before: str | None = None) -> None:
    """Add a tab (after the others, or before the tab with key ``before``); a known key is replaced."""
    for number, existing in enumerate(CHART_TABS):
        if existing.key == spec.key:
            CHART_TABS[number] = spec
            return
    keys = [t.key for t in CHART_TABS]
    CHART_TABS.insert(keys.index(before) if before in keys else len(CHART_TABS), spec)


def referrals_tab(context: ChartContext) -> QWidget:
    """The referrals feature's tab, which takes (app, member_id, label)."""
    from hhdesk.ui.views.referrals_tab import MemberReferralsTab

    return MemberReferralsTab(context.app, context.member_id, context.member_label,
                              on_member_changed=context.changed)


def open_member_chart(request: MemberViewRequest) -> QWidget:
    """The factory the main window uses to open a member (``MEMBER_VIEW_FACTORY``)."""
    return MemberChartWindow(request.app, request.member_id, request.tab, parent=request.parent, focus=request.focus,
                             billing_month=request.billing_month)


class ChartHeader(QFrame):
    """Name, Medicaid ID, age, status, tier, care manager, PCP, and the alerts, always in view."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartHeader")
        self.setStyleSheet("QFrame#chartHeader { background: #f6f8fa; border-bottom: 1px solid #d5dde3; }")
        self.name = role_label("", "heading", wrap=False)
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.values: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(3)
        cells = [("medicaid_id", "Medicaid ID"), ("dob", "Date of birth"), ("status", "Status"),
                 ("tier", "Tier"), ("care_manager", "Care manager"), ("pcp", "PCP")]
        for number, (key, title) in enumerate(cells):
            row, column = divmod(number, 3)
            caption = role_label(f"{title}:", "muted", wrap=False)
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setAccessibleName(title)
            if key == "pcp":  # a long practice name wraps rather than running off a laptop's screen
                value.setWordWrap(True)
            self.values[key] = value
            grid.addWidget(caption, row, column * 2)
            grid.addWidget(value, row, column * 2 + 1)
        grid.setColumnStretch(5, 1)
        for column in (1, 3):
            grid.setColumnMinimumWidth(column, 170)
        self.alerts_row = FlowLayout(spacing=6)  # wraps on a narrow screen instead of widening the chart
        self.alert_labels: list[QLabel] = []

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 12, 18, 10)
        layout.setSpacing(6)
        layout.addWidget(self.name)
        layout.addLayout(grid)
        layout.addLayout(self.alerts_row)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def show_chart(self, chart: MemberChart) -> None:
        d = chart.details
        self.name.setText(chart.display_name)
        status = chart.status_label
        if chart.status_since:
            status += f" since {format_date(chart.status_since)}"
        manager = chart.care_manager_name or chart.care_manager
        self.values["medicaid_id"].setText(d.medicaid_id)
        self.values["dob"].setText(f"{format_date(d.dob)} (age {chart.age})")
        self.values["status"].setText(status)
        self.values["tier"].setText(chart.tier_label or "—")
        self.values["care_manager"].setText(manager or "Unassigned")
        self.values["pcp"].setText(chart.pcp_name or "None recorded")
        for label in self.alert_labels:
            self.alerts_row.removeWidget(label)
            label.deleteLater()
        self.alert_labels = []
        # Warnings first: they need action.
        for alert in sorted(chart.alerts, key=lambda a: a.severity != "warning"):
            label = chip(("⚠ " if alert.severity == "warning" else "") + alert.message, alert.severity)
            label.setProperty("alert_code", alert.code)
            self.alerts_row.addWidget(label)
            self.alert_labels.append(label)

    def alert_texts(self) -> list[str]:
        return [label.text() for label in self.alert_labels]

    def clear(self) -> None:
        self.name.clear()
        for value in self.values.values():
            value.clear()
        for label in self.alert_labels:
            self.alerts_row.removeWidget(label)
            label.deleteLater()
        self.alert_labels = []


class MemberChartWindow(QWidget):
    """One member's chart, in its own window (the main window keeps one per member)."""

    def __init__(self, app: AppSession, member_id: int, tab: str | None = None,
                 parent: QWidget | None = None, *, focus: RecordFocus | None = None,
                 billing_month: ServiceMonth | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.app = app
        self.member_id = member_id
        self.chart = members.get_chart(app, member_id)
        self.context = ChartContext(app, member_id, self.chart.display_name, self, billing_month=billing_month)
        self._specs = [spec for spec in CHART_TABS if spec.permission is None or app.actor.can(spec.permission)]
        self._pages: dict[str, QWidget] = {}
        self._stale: set[str] = set()

        self.header = ChartHeader()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for spec in self._specs:
            # A tab wider or taller than a small screen scrolls, instead of pushing the chart off it.
            holder = QScrollArea()
            holder.setObjectName(f"tab_{spec.key}")
            holder.setWidgetResizable(True)
            holder.setFrameShape(QFrame.Shape.NoFrame)
            self.tabs.addTab(holder, spec.title)
        self.tabs.currentChanged.connect(self._tab_shown)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.tabs, 1)
        self._discarding = False
        self._closed = False
        bind_shortcut("chart.close", self, self.close)
        bind_shortcut("chart.lock", self, self._lock_window)

        self._show_header()
        preferred_size(self, 1100, 760)
        self.show_tab(tab or (self._specs[0].key if self._specs else ""), focus)
        if self.tabs.currentIndex() == 0:
            self._tab_shown(0)

    # ---- tabs ---------------------------------------------------------------------------------------
    def tab_keys(self) -> list[str]:
        return [spec.key for spec in self._specs]

    def show_tab(self, key: str, focus: RecordFocus | None = None) -> QWidget | None:
        """Bring a tab to the front (building it the first time) and select the `focus` record in it if the
        tab knows how (``focus_record``); returns its widget."""
        keys = self.tab_keys()
        if key not in keys:
            return None
        self.tabs.setCurrentIndex(keys.index(key))
        page = self.page(key)
        if focus is not None and hasattr(page, "focus_record"):
            page.focus_record(focus)
        return page

    def page(self, key: str) -> QWidget | None:
        if key not in self._pages:
            self._build(key)
        return self._pages.get(key)

    def _build(self, key: str) -> None:
        spec = self._specs[self.tab_keys().index(key)]
        holder = self.tabs.widget(self.tab_keys().index(key))
        with user_errors(self) as attempt:  # one broken tab must not take the chart down
            widget = spec.create(self.context)
        if attempt.failed:
            widget = role_label("This part of the chart could not be shown. The details are in the log.", "error")
        holder.setWidget(widget)
        self._pages[key] = widget

    def _tab_shown(self, index: int) -> None:
        if index < 0 or index >= len(self._specs):
            return
        key = self._specs[index].key
        if key not in self._pages:
            self._build(key)
        elif key in self._stale and hasattr(self._pages[key], "refresh"):
            self._pages[key].refresh()
        self._stale.discard(key)

    # ---- changes ------------------------------------------------------------------------------------
    def member_changed(self) -> None:
        """A tab changed the member: read the header again; other tabs refresh when next shown."""
        with user_errors(self) as attempt:  # e.g. the member was removed meanwhile
            self.chart = members.get_chart(self.app, self.member_id, record_view=False)
        if attempt.failed:
            return
        self.context.member_label = self.chart.display_name
        self._show_header()
        current = self._specs[self.tabs.currentIndex()].key if self._specs else ""
        self._stale = {key for key in self._pages if key != current}
        main = self.parentWidget()
        if main is not None and hasattr(main, "member_records_changed"):
            main.member_records_changed(self.member_id)  # lists in the main window show the change too

    def _show_header(self) -> None:
        self.header.show_chart(self.chart)
        self.setWindowTitle(f"{self.chart.display_name} — {self.chart.details.medicaid_id}")

    def clear_for_lock(self) -> None:
        """Drop what the chart shows (it is closing; a lock only hides the chart, edits and all)."""
        self.header.clear()
        for widget in self._pages.values():
            if hasattr(widget, "clear_for_lock"):
                widget.clear_for_lock()

    def set_billing_month(self, month: ServiceMonth | None) -> None:
        """Opened again from the billing preview (or from elsewhere: None)."""
        self.context.billing_month = month

    def _lock_window(self) -> None:
        main = self.parentWidget()
        if main is not None and hasattr(main, "lock"):
            main.lock("Locked by hand.")

    def unsaved_forms(self) -> list[TracksUnsavedEdits]:
        if self._closed:
            return []  # its fields were cleared on closing; it is only waiting to be deleted
        return forms_with_unsaved_edits(self)

    def discard_and_close(self) -> None:
        """Close without asking: the session ends from the lock screen, so unsaved edits are dropped."""
        self._discarding = True
        discard_all(self)
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt's name
        if not self._discarding and not settle_unsaved(self, self.unsaved_forms(),
                                                       f"closing {self.chart.display_name}'s chart"):
            event.ignore()
            return
        self.clear_for_lock()
        self._closed = True
        super().closeEvent(event)

