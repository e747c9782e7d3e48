"""Two windows on one store (two people, or one person twice): each sees the other's saves, and neither
overwrites the other's without being told who saved first."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt

from hhdesk.errors import ServerUnreachable
from hhdesk.services import changes, members
from hhdesk.services.members import MemberDetails
from hhdesk.ui.main_window import MainWindow
from hhdesk.ui.views.caseload import CaseloadView
from tests.ui.conftest import ADMIN


def _names(view: CaseloadView) -> list[str]:
    return [view.model.index(row, 0).data() for row in range(view.model.rowCount())]


def _new_member(app: Any, last_name: str) -> int:
    created = members.create_member(app, MemberDetails(medicaid_id=f"AB{len(last_name):05d}C", last_name=last_name,
                                                       first_name="Ana", dob=date(1980, 5, 6)))
    assert created.member_id is not None
    return created.member_id


def test_the_caseload_shows_a_member_another_window_added_without_a_restart(
        qtbot: Any, login_as: Any, main_window: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(MainWindow, "CHANGE_POLL_MS", 100)
    window = main_window(login_as(ADMIN))
    view = window.show_section("caseload")
    assert isinstance(view, CaseloadView)
    view.care_manager.setCurrentIndex(view.care_manager.findData(None))
    assert "Okonkwo, Ana" not in _names(view)

    _new_member(login_as("cm2"), "Okonkwo")

    qtbot.waitUntil(lambda: "Okonkwo, Ana" in _names(view), timeout=5000)


def test_looks_that_fail_come_less_often_until_one_works(
        login_as: Any, main_window: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    window = main_window(login_as(ADMIN))
    working = changes.last_change

    def unreachable(_app: Any) -> int:
        raise ServerUnreachable("The agency's host does not answer.")

    monkeypatch.setattr(changes, "last_change", unreachable)
    waits = []
    for _ in range(7):
        assert not window.check_for_changes()
        waits.append(window._change_poll.interval())
    assert waits == [10_000, 20_000, 40_000, 80_000, 120_000, 120_000, 120_000]
    assert "does not answer" in window.statusBar().currentMessage()
    monkeypatch.setattr(changes, "last_change", working)
    window.check_for_changes()
    assert window._change_poll.interval() == MainWindow.CHANGE_POLL_MS


def test_only_changes_count_not_looks(login_as: Any, main_window: Any) -> None:
    window = main_window(login_as(ADMIN))
    other = login_as("cm1")
    member_id = _new_member(other, "Lindqvist")
    assert window.check_for_changes()
    members.get_chart(other, member_id)  # an audited read: nothing a list shows has changed
    assert not window.check_for_changes()
    members.update_member(other, member_id, replace(members.get_details(other, member_id), city="Hudson"))
    assert window.check_for_changes()


def test_the_profile_save_refused_over_someone_elses_keeps_the_users_edits(
        qtbot: Any, login_as: Any, main_window: Any) -> None:
    window = main_window(login_as(ADMIN))
    other = login_as("cm1")
    member_id = _new_member(other, "Haddad")
    window.open_member(member_id, "profile")
    profile = window.member_views()[0].page("profile")
    profile.fields["city"].setText("Kingston")

    members.update_member(other, member_id, replace(members.get_details(other, member_id), phone="5185550111"))
    qtbot.mouseClick(profile.save_button, Qt.MouseButton.LeftButton)

    assert profile.message.text().startswith("Carla Martinez (cm1) changed this member's profile on ")
    assert profile.fields["city"].text() == "Kingston"  # what the user typed is still there
    assert members.get_details(other, member_id).city == ""
    qtbot.mouseClick(profile.save_button, Qt.MouseButton.LeftButton)  # now knowing theirs: replace it
    stored = members.get_details(other, member_id)
    assert (stored.city, stored.phone) == ("Kingston", "(518) 555-0111")
