"""Screens that show what another screen changed keep up: the billing line after Refresh, billing after a
consent is recorded from the chart (dated for the month being billed), the worklist after a contact."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from hhdesk.clock import AgencyClock
from hhdesk.domain.enums import ConsentKind
from hhdesk.services import enrolment
from tests.billing_store import last_full_month
from tests.ui.test_billing_ui import billing_store, open_billing  # noqa: F401 - the fixture is used by name


def test_the_billing_line_follows_the_row_after_refresh(qtbot: Any, billing_store: dict[str, int],  # noqa: F811
                                                        login_as: Any, main_window: Any) -> None:
    window, view = open_billing(login_as, main_window)
    member_id = billing_store["no_consent"]
    qtbot.mouseClick(view.not_billable_only, Qt.MouseButton.LeftButton)  # the clerk's month-end list
    assert view.select_member(member_id)
    assert view.selected_member_id() == member_id
    assert "does not bill" in view.detail_label.text()
    enrolment.record_consent(window.app, member_id, ConsentKind.CONSENT, "DOH-5055",
                             last_full_month().first_day.replace(day=3))
    qtbot.mouseClick(view.refresh_button, Qt.MouseButton.LeftButton)
    assert member_id not in [row.member_id for row in view.visible_rows()], "it bills now: off the list"
    assert "does not bill" not in view.detail_label.text()

    view.not_billable_only.setChecked(False)
    assert view.select_member(member_id)
    assert "bills at 1873" in view.detail_label.text()


def test_a_consent_recorded_from_the_billing_preview_is_dated_for_that_month_and_billing_follows(
        qtbot: Any, billing_store: dict[str, int], login_as: Any, main_window: Any) -> None:  # noqa: F811
    window, view = open_billing(login_as, main_window)
    member_id = billing_store["no_consent"]
    month = last_full_month()
    assert view.select_member(member_id)
    view.table.activated.emit(view.table.selectionModel().selectedRows()[0])  # Enter or double-click
    chart = window.member_views()[0]
    enrolment_tab = chart.page("enrolment")
    dialog = enrolment_tab.open_consent_dialog(ConsentKind.CONSENT)
    assert dialog.signed_on.value() == month.last_day
    assert dialog.billing_note.isVisibleTo(dialog)
    assert f"billing preview of {month.first_day.strftime('%B %Y')}" in dialog.billing_note.text()
    assert "last day of that month" in dialog.billing_note.text()
    dialog.signed_by.setText("Member")
    assert dialog.save()
    qtbot.waitUntil(lambda: member_id in [row.member_id for row in view.visible_rows() if row.billable],
                    timeout=3000)  # no Refresh pressed


def test_a_consent_opened_from_the_chart_itself_defaults_to_today(qtbot: Any, billing_store: dict[str, int],  # noqa: F811
                                                                  login_as: Any, main_window: Any) -> None:
    window = main_window(login_as("clerk"))
    window.open_member(billing_store["no_consent"], "enrolment")
    dialog = window.member_views()[0].page("enrolment").open_consent_dialog(ConsentKind.CONSENT)
    assert dialog.signed_on.value() == AgencyClock().today() and not dialog.billing_note.isVisibleTo(dialog)


def test_the_worklist_drops_the_monthly_contact_item_once_the_contact_is_logged(
        qtbot: Any, ui_store_with_members: Any, login_as: Any, main_window: Any) -> None:
    from hhdesk.domain.enums import CoreService
    from hhdesk.services import contacts, members

    window = main_window(login_as("cm1"))
    worklist = window.show_section("worklist")
    member_id = members.find_by_medicaid_id(window.app, "AB12345C")
    monthly = [item for item in worklist.items
               if item.member_id == member_id and item.kind.value == "monthly_contacts"]
    assert contacts.list_contacts(window.app, member_id) == [], "the sample members have no contacts yet"
    assert monthly, "so José's month is short of a qualifying contact"
    window.open_member(member_id, "contacts")
    tab = window.member_views()[0].page("contacts")
    tab.service_boxes[CoreService.CM].setChecked(True)
    tab.note.setPlainText("Checked in by phone")
    assert tab.save(), tab.message.text()
    qtbot.waitUntil(lambda: not [item for item in worklist.items if item.member_id == member_id
                                 and item.kind.value == "monthly_contacts"], timeout=3000)  # no Refresh pressed
