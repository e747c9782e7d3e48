"""How the window opens a member: a request, and the factory that turns it into a window.

`hhdesk.ui.main_window.MEMBER_VIEW_FACTORY` holds the factory in use: the member chart's. A factory
returns a top-level widget (not yet shown); the main window shows it, keeps one per member, raises it when
the same member is opened again (calling its `show_tab(tab, focus)` if it has one), and hides it while locked.

A `RecordFocus` names one record for the tab to select when it opens (the worklist opens the exact
transition episode and checklist item, or the referral, it lists).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from hhdesk.domain.service_month import ServiceMonth
from hhdesk.services.caseload import CaseloadRow
from hhdesk.services.context import AppSession


@dataclass(frozen=True)
class RecordFocus:
    """The record a chart tab selects: ``record_id`` (an episode, a referral, a plan version) and, inside it,
    ``item_id`` (a checklist item) if any. A tab that knows how defines ``focus_record(focus)``."""

    record_id: int
    item_id: int | None = None


@dataclass(frozen=True)
class MemberViewRequest:
    parent: QWidget
    app: AppSession
    member_id: int
    tab: str | None = None
    row: CaseloadRow | None = None  # what the list showed, when opened from a list
    focus: RecordFocus | None = None
    billing_month: ServiceMonth | None = None  # opened from the billing preview to fix this month


MemberViewFactory = Callable[[MemberViewRequest], QWidget]
