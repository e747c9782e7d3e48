"""The caseload section: search as you type, filters, "my members", SQL sort, counts, opening a member."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from hhdesk.db.store import Store
from hhdesk.services import caseload
from hhdesk.ui import main_window as main_window_module
from hhdesk.ui.views.caseload import COLUMNS, CaseloadView
from hhdesk.ui.views.member_chart import MemberChartWindow
from tests.factories import add_members, many_members
from tests.ui.conftest import ADMIN, ADMIN_PASSWORD, UiStore


def _names(view: CaseloadView) -> list[str]:
    return [view.model.index(row, 0).data() for row in range(view.model.rowCount())]


def _caseload(window: Any) -> CaseloadView:
    view = window.show_section("caseload")
    assert isinstance(view, CaseloadView)
    return view


def test_care_manager_sees_my_members_first(ui_store_with_members: UiStore, login_as: Any,
                                            main_window: Any) -> None:
    view = _caseload(main_window(login_as("cm1")))
    assert view.care_manager.currentText() == "My members"
    assert sorted(_names(view)) == ["Núñez, José (Pepe)", "O'Brien, Siobhan"]
    assert view.count_label.text() == "Showing 2 of 2"

    view.care_manager.setCurrentIndex(view.care_manager.findData(None))
    assert len(_names(view)) == 5
    view.care_manager.setCurrentIndex(view.care_manager.findData(""))
    assert _names(view) == ["Nguyen, Thanh"]
    view.care_manager.setCurrentIndex(view.care_manager.findData("cm2"))
    assert sorted(_names(view)) == ["Smith-Jones, Robert (Bob)", "Washington, Denise"]


def test_admin_sees_everyone_and_filters_by_status(ui_store_with_members: UiStore, login_as: Any,
                                                   main_window: Any) -> None:
    view = _caseload(main_window(login_as(ADMIN)))
    assert view.care_manager.currentText() == "All care managers"
    assert [view.care_manager.itemText(i) for i in range(view.care_manager.count())] == [
        "All care managers", "Unassigned", "", "Carla Martinez", "Marcus Hall"]
    view.status.setCurrentIndex(view.status.findText("Enrolled"))
    assert sorted(_names(view)) == ["Núñez, José (Pepe)", "Washington, Denise"]
    assert view.count_label.text() == "Showing 2 of 2"
    view.status.setCurrentIndex(view.status.findText("Disenrolled"))
    assert _names(view) == ["Smith-Jones, Robert (Bob)"]
    assert view.model.index(0, 4).data() == "Disenrolled"
    view.status.setCurrentIndex(view.status.findText("Referred"))
    assert _names(view) == ["Nguyen, Thanh"]
    assert view.model.index(0, 6).data() == "Unassigned"


@pytest.mark.parametrize(("typed", "expected"), [
    ("nunez", ["Núñez, José (Pepe)"]),
    ("jo nu", ["Núñez, José (Pepe)"]),
    ("obrien", ["O'Brien, Siobhan"]),
    ("cd234", ["O'Brien, Siobhan"]),
    ("11/19/1978", ["O'Brien, Siobhan"]),
    ("1990-01-07", ["Washington, Denise"]),
    ("bob", ["Smith-Jones, Robert (Bob)"]),
    ("zzz", []),
])
def test_search_as_you_type(qtbot: Any, ui_store_with_members: UiStore, login_as: Any, main_window: Any,
                            typed: str, expected: list[str]) -> None:
    view = _caseload(main_window(login_as(ADMIN)))
    qtbot.keyClicks(view.search, typed)
    qtbot.waitUntil(lambda: not view._debounce.isActive(), timeout=2000)
    assert _names(view) == expected
    if not expected:
        assert view.count_label.text().startswith("No members match")


def test_typing_is_debounced_into_one_query(qtbot: Any, ui_store_with_members: UiStore, login_as: Any,
                                            main_window: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    view = _caseload(main_window(login_as(ADMIN)))
    asked: list[str] = []
    real_search = caseload.search
    monkeypatch.setattr(caseload, "search", lambda app, query: asked.append(query.text) or real_search(app, query))
    qtbot.keyClicks(view.search, "wash")
    assert asked == [], "nothing is asked while the user is still typing"
    qtbot.waitUntil(lambda: asked == ["wash"], timeout=2000)
    assert _names(view) == ["Washington, Denise"]


def test_sorting_asks_the_service(qtbot: Any, ui_store_with_members: UiStore, login_as: Any,
                                  main_window: Any) -> None:
    view = _caseload(main_window(login_as(ADMIN)))
    header = view.table.horizontalHeader()
    dob = [c.title for c in COLUMNS].index("Date of birth")
    header.setSortIndicator(dob, Qt.SortOrder.AscendingOrder)
    assert view.model.query.sort == "dob" and not view.model.query.descending
    assert _names(view)[0] == "Nguyen, Thanh"
    header.setSortIndicator(dob, Qt.SortOrder.DescendingOrder)
    assert _names(view)[0] == "Washington, Denise"

    age = [c.title for c in COLUMNS].index("Age")
    header.setSortIndicator(age, Qt.SortOrder.AscendingOrder)
    assert view.model.query.sort == "dob" and view.model.query.descending, "youngest first"
    assert _names(view)[0] == "Washington, Denise"

    phone = [c.title for c in COLUMNS].index("Phone")
    header.setSortIndicator(phone, Qt.SortOrder.AscendingOrder)
    assert header.sortIndicatorSection() == age, "an unsortable column keeps the previous sort"

    manager = [c.title for c in COLUMNS].index("Care manager")
    header.setSortIndicator(manager, Qt.SortOrder.AscendingOrder)
    assert view.model.query.sort == "care_manager"


def test_a_long_list_says_how_many_were_left_out(qtbot: Any, ui_store: UiStore, login_as: Any,
                                                 main_window: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store.open(ui_store.path, ADMIN, ADMIN_PASSWORD)
    add_members(store, many_members(12))
    store.close()
    monkeypatch.setattr(CaseloadView, "ROW_LIMIT", 5)
    view = _caseload(main_window(login_as(ADMIN)))
    assert view.model.rowCount() == 5
    assert view.count_label.text() == ("Showing the first 5 of 12 matching members: "
                                       "type more of a name to narrow the list.")
    qtbot.keyClicks(view.search, "test0001")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=2000)
    assert view.count_label.text() == "Showing 1 of 12"


def test_enter_and_double_click_open_one_view_per_member(qtbot: Any, ui_store_with_members: UiStore,
                                                         login_as: Any, main_window: Any) -> None:
    window = main_window(login_as(ADMIN))
    view = _caseload(window)
    qtbot.keyClicks(view.search, "washington")
    qtbot.keyClick(view.search, Qt.Key.Key_Return)  # a single match opens at once
    assert len(window.member_views()) == 1
    summary = window.member_views()[0]
    assert isinstance(summary, MemberChartWindow)  # the member chart replaced the summary dialog
    assert summary.windowTitle() == "Washington, Denise — EF34567G"

    view.table.selectRow(0)
    view.table.activated.emit(view.model.index(0, 0))
    assert window.member_views() == [summary], "the same member is raised, not opened twice"
    summary.close()
    qtbot.waitUntil(lambda: not window.member_views(), timeout=2000)


def test_member_view_factory_is_replaceable(ui_store_with_members: UiStore, login_as: Any, main_window: Any,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QWidget

    from hhdesk.ui.member_view import MemberViewRequest

    class Chart(QWidget):
        def __init__(self, request: MemberViewRequest) -> None:
            super().__init__(request.parent)
            self.request = request
            self.tabs: list[str] = []

        def show_tab(self, tab: str) -> None:
            self.tabs.append(tab)

    monkeypatch.setattr(main_window_module, "MEMBER_VIEW_FACTORY", Chart)
    window = main_window(login_as(ADMIN))
    member_id = _caseload(window).model.rows[0].member_id
    window.open_member(member_id, "care_plan")
    chart = window.member_views()[0]
    assert isinstance(chart, Chart) and chart.isWindow() and chart.isVisible()
    assert chart.request.member_id == member_id and chart.request.tab == "care_plan"
    window.open_member(member_id, "contacts")
    assert chart.tabs == ["contacts"]


def test_roles_see_their_sections(ui_store_with_members: UiStore, login_as: Any, main_window: Any) -> None:
    care_manager = main_window(login_as("cm1")).section_keys()
    assert care_manager[0] == "caseload" and "admin" not in care_manager
    admin = main_window(login_as(ADMIN)).section_keys()
    assert admin[0] == "caseload" and "admin" in admin
