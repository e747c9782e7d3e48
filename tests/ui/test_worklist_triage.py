"""The worklist as a triage list in the window: groups, the kind filter, ticking items off, and opening exactly
the record an item names (the right episode when a member has two)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hhdesk.clock import AgencyClock
from hhdesk.domain.enums import TransitionSetting
from hhdesk.domain.worklist_rules import WorkKind
from hhdesk.services import members, transitions
from hhdesk.services.context import AppSession
from hhdesk.services.transitions import EpisodeInput
from hhdesk.ui.dialogs import common
from hhdesk.ui.views.transitions_tab import TransitionsTab
from hhdesk.ui.views.worklist import GROUP_COLUMN, WorklistView
from tests.ui.conftest import UiStore

NOW = transitions.local_now(AgencyClock()).replace(second=0, microsecond=0)


@pytest.fixture
def cm1(ui_store_with_members: UiStore, login_as: Any) -> AppSession:
    return login_as("cm1")


@pytest.fixture
def two_episodes(cm1: AppSession) -> dict[str, int]:
    """Núñez (cm1's member) with two open episodes: an older one whose items are overdue, a newer one."""
    member = members.find_by_medicaid_id(cm1, "AB12345C")
    assert member is not None
    older = transitions.open_episode(cm1, member, EpisodeInput(
        TransitionSetting.INPATIENT_MEDICAL, (NOW - timedelta(days=12)).date(), NOW - timedelta(days=12),
        facility_name="Albany Medical Center"), now=NOW - timedelta(days=12))
    transitions.record_discharge(cm1, older.episode_id, NOW - timedelta(days=10), "Home", now=NOW - timedelta(days=10))
    newer = transitions.open_episode(cm1, member, EpisodeInput(
        TransitionSetting.EMERGENCY_DEPARTMENT, (NOW - timedelta(hours=3)).date(), NOW - timedelta(hours=3),
        facility_name="St. Peter's Hospital"), now=NOW - timedelta(hours=2))
    return {"member": member, "older": older.episode_id, "newer": newer.episode_id}


def test_the_worklist_opens_the_items_own_episode_when_a_member_has_two(
        qtbot: Any, cm1: AppSession, two_episodes: dict[str, int], main_window: Any) -> None:
    window = main_window(cm1)
    view = window.show_section("worklist")
    assert isinstance(view, WorklistView)
    # The chart lists the newer episode first; the worklist's overdue item belongs to the older one.
    row, item = next((n, i) for n, i in enumerate(view.items) if i.kind is WorkKind.CHECKLIST_ITEM
                     and "Albany" in i.detail)
    view.table.selectRow(row)
    view.open_selected()
    [chart] = window.member_views()
    tab = chart.page("transitions")
    assert isinstance(tab, TransitionsTab)
    assert chart.tabs.currentIndex() == chart.tab_keys().index("transitions")
    assert tab.selected_episode().episode_id == two_episodes["older"]
    assert tab.selected_item() is not None and tab.selected_item().label == item.title

    # Opened again (the chart is already open) for an item of the newer episode: the chart follows.
    newer_row = next((n for n, i in enumerate(view.items) if "St. Peter" in i.detail), None)
    if newer_row is not None:
        view.table.selectRow(newer_row)
        view.open_selected()
        assert tab.selected_episode().episode_id == two_episodes["newer"]
    chart.show_tab("profile")
    view.table.selectRow(row)
    view.open_selected()
    assert tab.selected_episode().episode_id == two_episodes["older"]


def test_transitions_lead_the_list_above_a_long_overdue_review(
        qtbot: Any, cm1: AppSession, two_episodes: dict[str, int], login_as: Any) -> None:
    from tests.services.care_helpers import add_care_plan

    admin = login_as("director")
    add_care_plan(admin, two_episodes["member"], NOW.date() - timedelta(days=1452))
    view = WorklistView(_Host(cm1), now=NOW)
    qtbot.addWidget(view)
    kinds = [item.kind for item in view.items]
    review = kinds.index(WorkKind.CARE_PLAN_REVIEW)
    assert all(kind is WorkKind.CHECKLIST_ITEM for kind in kinds[:review])
    assert view.table.item(0, GROUP_COLUMN).text() == "Transition of care"
    assert view.table.item(review, GROUP_COLUMN).text() == "Overdue"
    assert view.table.item(1, GROUP_COLUMN).text() == ""  # the group is named once


def test_filter_by_kind_and_tick_off_from_the_list(qtbot: Any, cm1: AppSession, two_episodes: dict[str, int],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    view = WorklistView(_Host(cm1), now=NOW)
    qtbot.addWidget(view)
    view.kind.setCurrentIndex(view.kind.findData(WorkKind.MONTHLY_CONTACTS))
    assert view.items and {i.kind for i in view.items} == {WorkKind.MONTHLY_CONTACTS}
    view.table.selectRow(0)
    assert not view.done_button.isEnabled() and not view.na_button.isEnabled()

    view.kind.setCurrentIndex(view.kind.findData(WorkKind.CHECKLIST_ITEM))
    count = len(view.items)
    first = view.items[0]
    view.table.selectRow(0)
    assert view.done_button.isEnabled()
    assert view.mark_done()
    assert len(view.items) == count - 1 and first.entity_id not in {i.entity_id for i in view.items}
    assert "Done:" in view.message.text()

    view.table.selectRow(0)
    second = view.items[0]
    monkeypatch.setattr(common, "ask_text", lambda *_args: "no")
    assert not view.mark_not_applicable()  # too short: said under the list, nothing changes
    assert "Say why" in view.message.text() and view.items[0].entity_id == second.entity_id
    monkeypatch.setattr(common, "ask_text", lambda *_args: "Summary came with the member")
    assert view.mark_not_applicable()
    assert second.entity_id not in {i.entity_id for i in view.items}


class _Host:
    def __init__(self, app: AppSession) -> None:
        self.app = app
        self.opened: list[tuple[int, str | None, Any]] = []

    def open_member(self, member_id: int, tab: str | None = None, *, row: Any = None, focus: Any = None) -> None:
        self.opened.append((member_id, tab, focus))



def test_the_worklist_opens_the_referral_it_lists(qtbot: Any, cm1: AppSession, login_as: Any,
                                                 main_window: Any) -> None:
    from tests.services.care_helpers import add_directory_entry, add_referral

    admin = login_as("director")
    member = members.find_by_medicaid_id(cm1, "AB12345C")
    agency = add_directory_entry(admin, "Hudson Housing", "housing")
    waiting = add_referral(admin, member, agency, NOW.date() - timedelta(days=2))
    later = add_referral(admin, member, agency, NOW.date() + timedelta(days=30))
    window = main_window(cm1)
    view = window.show_section("worklist")
    row = next(n for n, i in enumerate(view.items) if i.kind is WorkKind.REFERRAL_FOLLOW_UP)
    assert view.items[row].record_id == waiting
    view.table.selectRow(row)
    view.open_selected()
    [chart] = window.member_views()
    tab = chart.page("referrals")
    assert tab.selected_row() is not None and tab.selected_row().referral_id == waiting != later
