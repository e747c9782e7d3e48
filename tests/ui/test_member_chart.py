"""The member chart, the Directory section, caseload assignment and the roster import, in the window."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt

from hhdesk.clock import AgencyClock
from hhdesk.domain.enums import ConsentKind
from hhdesk.services import caseload, directory, enrolment, members, users
from hhdesk.services.directory import DirectoryEntryInput
from hhdesk.ui.dialogs.directory_dialogs import AddToCareTeamDialog
from hhdesk.ui.views.chart_care_team import CareTeamTab
from hhdesk.ui.views.chart_conditions import ConditionsTab
from hhdesk.ui.views.chart_enrolment import EnrolmentTab
from hhdesk.ui.views.directory import DirectoryView
from hhdesk.ui.views.member_caseload import MemberCaseloadView
from hhdesk.ui.views.member_chart import CHART_TABS, MemberChartWindow, TabSpec, register_chart_tab
from tests.services.roster_factory import HEADER, medicaid_id, roster_line
from tests.ui.conftest import ADMIN, UiStore

TODAY = AgencyClock().today()
VALID_NPI = "1234567893"


def caseload_view(window: Any) -> MemberCaseloadView:
    view = window.show_section("caseload")
    assert isinstance(view, MemberCaseloadView)
    return view


def open_chart(window: Any, medicaid: str) -> MemberChartWindow:
    member_id = members.find_by_medicaid_id(window.app, medicaid)
    assert member_id is not None
    window.open_member(member_id)
    chart = next(v for v in window.member_views() if v.member_id == member_id)
    assert isinstance(chart, MemberChartWindow)
    return chart


def test_open_chart_from_the_caseload_shows_the_header(qtbot: Any, ui_store_with_members: UiStore,
                                                       login_as: Any, main_window: Any) -> None:
    window = main_window(login_as(ADMIN))
    view = caseload_view(window)
    qtbot.keyClicks(view.search, "washington")
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    (chart,) = window.member_views()
    assert isinstance(chart, MemberChartWindow)
    header = chart.header
    assert header.name.text() == "Washington, Denise"
    assert header.values["medicaid_id"].text() == "EF34567G"
    assert header.values["status"].text().startswith("Enrolled since ")
    assert header.values["tier"].text() == "Standard"
    assert header.values["care_manager"].text() == "Marcus Hall"
    # Enrolled without a consent form on file: the warning is in the header, in the warning colour.
    assert "⚠ No consent on file" in header.alert_texts()
    warning = next(label for label in header.alert_labels if "consent" in label.text())
    assert warning.property("severity") == "warning"
    keys = chart.tab_keys()
    assert keys[:2] == ["profile", "enrolment"] and {"conditions", "care_team"} <= set(keys)


def test_condition_consent_enrol_disenrol_re_enrol(tmp_path: Path, ui_store_with_members: UiStore, login_as: Any,
                                                   main_window: Any) -> None:
    window = main_window(login_as(ADMIN))
    chart = open_chart(window, "GH45678I")  # Nguyen, referred
    assert chart.header.values["status"].text() == "Referred"

    conditions = chart.show_tab("conditions")
    assert isinstance(conditions, ConditionsTab)
    for code in ("E11.9", "I10"):
        conditions.search.setText(code)
        conditions.run_search()
        assert conditions.suggestions[0].code == code
        assert conditions.add_selected()
    assert [row.icd10 for row in conditions.conditions] == ["E11.9", "I10"]
    assert conditions.table.item(0, 2).text() == "Diabetes"
    assert "appropriateness" in conditions.eligibility.text()

    tab = chart.show_tab("enrolment")
    assert isinstance(tab, EnrolmentTab)
    dialog = tab.open_appropriateness_dialog()
    dialog.boxes["cannot_navigate_system"].setChecked(True)
    assert dialog.save()
    assert tab.verdict is not None and tab.verdict.text() == "Eligible"

    dialog = tab.open_segment_dialog("outreach")
    dialog.day.set_value(TODAY - timedelta(days=30))
    assert dialog.save()
    assert chart.header.values["status"].text().startswith("Outreach since")

    dialog = tab.open_segment_dialog("enrol")
    dialog.day.set_value(TODAY - timedelta(days=20))
    assert dialog.check() == ["No signed consent is on file on or before the enrolment date."]
    assert not dialog.save(), "no consent and no override: refused"

    consent = tab.open_consent_dialog(ConsentKind.CONSENT)
    consent.signed_on.set_value(TODAY - timedelta(days=25))
    consent.signed_by.setText("Member")
    scan = tmp_path / "consent.png"
    scan.write_bytes(b"\x89PNG fake scan")
    assert consent.attach(scan)
    assert consent.save()
    assert tab.consents.item(0, 1).text() == "DOH-5055" and tab.consents.item(0, 4).text() == "consent.png"

    dialog = tab.open_segment_dialog("enrol")
    dialog.day.set_value(TODAY - timedelta(days=20))
    assert dialog.check() == [] and not dialog.override.isVisibleTo(dialog)
    assert dialog.save()
    assert chart.header.values["status"].text().startswith("Enrolled since")
    assert not any("consent" in text for text in chart.header.alert_texts())
    assert [tab.segments.item(r, 0).text() for r in range(tab.segments.rowCount())] == ["Outreach", "Enrolled"]

    dialog = tab.open_segment_dialog("disenrol")
    dialog.day.set_value(TODAY - timedelta(days=10))
    dialog.reason.setCurrentIndex(dialog.reason.findData("moved"))
    assert dialog.save()
    assert chart.header.values["status"].text().startswith("Disenrolled")
    assert tab.re_enrol_button.isVisibleTo(tab) and tab.re_enrol_button.isEnabled()
    assert not tab.enrol_button.isVisibleTo(tab)

    dialog = tab.open_segment_dialog("re_enrol")
    assert dialog.save()
    assert chart.header.values["status"].text() == f"Enrolled since {TODAY:%m/%d/%Y}"
    assert tab.segments.rowCount() == 3


def test_override_needs_a_reason_in_the_dialog(ui_store_with_members: UiStore, login_as: Any,
                                               main_window: Any) -> None:
    window = main_window(login_as(ADMIN))
    tab = open_chart(window, "GH45678I").show_tab("enrolment")
    dialog = tab.open_segment_dialog("enrol")
    assert len(dialog.check()) == 2 and dialog.override.isVisibleTo(dialog)
    dialog.override.setPlainText("Legacy member; signed consent is in the paper chart")
    assert dialog.save()
    assert tab.segments.item(0, 4).text().startswith("Legacy member")


def test_remove_a_consent_and_a_tier_entered_in_error(ui_store_with_members: UiStore, login_as: Any,
                                                      main_window: Any, answers: Any,
                                                      message_boxes: list[tuple[str, str, str]]) -> None:
    window = main_window(login_as(ADMIN))
    member_id = members.find_by_medicaid_id(window.app, "EF34567G")  # Washington, enrolled, standard tier
    assert member_id is not None
    enrolment.record_consent(window.app, member_id, ConsentKind.CONSENT, "DOH-5055", TODAY - timedelta(days=130))
    chart = open_chart(window, "EF34567G")
    assert not any("consent" in text for text in chart.header.alert_texts())
    tab = chart.show_tab("enrolment")
    assert isinstance(tab, EnrolmentTab)
    assert tab.remove_consent_button.isVisibleTo(tab) and tab.remove_consent_button.isEnabled()  # latest selected

    answers.confirm = False
    assert not tab.remove_selected_consent()
    assert tab.consents.rowCount() == 1
    assert "DOH-5055" in answers.asked[-1] and "entered in error" in answers.asked[-1]

    answers.confirm = True
    tab.remove_consent_button.click()
    assert tab.consents.rowCount() == 0 and not tab.remove_consent_button.isEnabled()
    assert "⚠ No consent on file" in chart.header.alert_texts()
    assert "no consent on file" in tab.status.text()

    assert tab.tiers.rowCount() == 1 and not tab.remove_tier_button.isEnabled()  # nothing selected yet
    tab.tiers.selectRow(0)
    assert tab.remove_tier_button.isEnabled()
    tab.remove_tier_button.click()
    assert "Standard" in answers.asked[-1] and "Set tier" in answers.asked[-1]
    assert tab.tiers.rowCount() == 0 and not tab.remove_tier_button.isEnabled()
    assert chart.header.values["tier"].text() == "—"
    assert any("No tier recorded" in text for text in chart.header.alert_texts())


def test_removing_a_record_already_gone_shows_the_error(ui_store_with_members: UiStore, login_as: Any,
                                                        main_window: Any,
                                                        message_boxes: list[tuple[str, str, str]]) -> None:
    window = main_window(login_as(ADMIN))
    tab = open_chart(window, "AB12345C").show_tab("enrolment")  # Núñez, high risk/need tier
    tab.tiers.selectRow(0)
    tier = tab.selected_tier()
    assert tier is not None
    enrolment.remove_tier(window.app, tier.id)  # e.g. from another chart window meanwhile
    assert not tab.remove_selected_tier()
    assert message_boxes[-1][0] == "warning" and "no longer on file" in message_boxes[-1][2]


def test_read_only_role_sees_no_remove_buttons(ui_store_with_members: UiStore, login_as: Any,
                                               main_window: Any) -> None:
    admin = login_as(ADMIN)
    users.add_user(admin, "viewer", "read_only", "looking but never touching")
    ui_store_with_members.passwords["viewer"] = "looking but never touching"
    tab = open_chart(main_window(login_as("viewer")), "EF34567G").show_tab("enrolment")
    assert not tab.remove_consent_button.isVisibleTo(tab) and not tab.remove_tier_button.isVisibleTo(tab)


def test_care_team_from_the_directory(ui_store_with_members: UiStore, login_as: Any, main_window: Any) -> None:
    window = main_window(login_as(ADMIN))
    chart = open_chart(window, "AB12345C")
    tab = chart.show_tab("care_team")
    assert isinstance(tab, CareTeamTab) and tab.table.rowCount() == 0
    dialog = tab.open_add_dialog()
    assert isinstance(dialog, AddToCareTeamDialog)
    new_entry = dialog.open_new_entry()
    new_entry.fields["name"].setText("Dr. Amara Okafor")
    new_entry.fields["npi"].setText("1234567890")
    assert not new_entry.save() and "check digit" in new_entry.message.text()
    new_entry.fields["npi"].setText(VALID_NPI)
    new_entry.categories["pcp"].setChecked(True)
    assert new_entry.save()
    assert dialog.table.selected_key() == new_entry.entry.id
    dialog.role.setCurrentIndex(dialog.role.findData("pcp"))
    dialog.consent.setChecked(True)
    assert dialog.save()
    assert tab.table.item(0, 0).text() == "Primary care provider (PCP)"
    assert tab.table.item(0, 6).text() == "Yes"
    assert chart.header.values["pcp"].text() == "Dr. Amara Okafor"

    tab.table.selectRow(0)
    tab.end_selected()
    assert tab.table.rowCount() == 0 and chart.header.values["pcp"].text() == "None recorded"


def test_new_member_warns_of_a_duplicate_first(ui_store_with_members: UiStore, login_as: Any,
                                               main_window: Any) -> None:
    window = main_window(login_as(ADMIN))
    view = caseload_view(window)
    before = len(view.model.rows)
    dialog = view.open_new_member()
    dialog.medicaid_id.setText("ZZ12345Z")
    dialog.last_name.setText("Nunez")
    dialog.first_name.setText("Jose")
    dialog.dob.setText("04/02/1961")
    assert not dialog.save()
    assert dialog.duplicate_panel.isVisibleTo(dialog) and "AB12345C" in dialog.duplicate_list.item(0).text()
    assert caseload.count(window.app, caseload.CaseloadQuery()) == before
    assert dialog.save(allow_duplicate=True)
    assert len(view.model.rows) == before + 1
    assert any(isinstance(v, MemberChartWindow) and v.header.values["medicaid_id"].text() == "ZZ12345Z"
               for v in window.member_views())


def test_supervisor_assigns_many_at_once(ui_store_with_members: UiStore, login_as: Any, main_window: Any) -> None:
    admin = login_as(ADMIN)
    users.add_user(admin, "sup", "supervisor", "a steady hand on the tiller", full_name="Sue Pervisor")
    ui_store_with_members.passwords["sup"] = "a steady hand on the tiller"
    window = main_window(login_as("sup"))
    view = caseload_view(window)
    assert view.assign_button.isVisibleTo(view) and not view.assign_button.isEnabled()
    selection = view.table.selectionModel()
    for row in (0, 1):
        selection.select(view.model.index(row, 0), QItemSelectionModel.SelectionFlag.Select
                         | QItemSelectionModel.SelectionFlag.Rows)
    assert view.assign_button.text() == "Assign 2 to…"
    chosen = view.selected_member_ids()
    dialog = view.open_assign()
    dialog.choose("cm2")
    assert dialog.save()
    rows = {r.member_id: r.care_manager for r in caseload.search(window.app, caseload.CaseloadQuery())}
    assert [rows[m] for m in chosen] == ["cm2", "cm2"]


def test_care_manager_sees_no_assign_or_import(ui_store_with_members: UiStore, login_as: Any,
                                               main_window: Any) -> None:
    view = caseload_view(main_window(login_as("cm1")))
    assert not view.assign_button.isVisibleTo(view) and not view.import_button.isVisibleTo(view)
    assert view.new_button.isVisibleTo(view)


def test_roster_import_preview_then_import(tmp_path: Path, ui_store_with_members: UiStore, login_as: Any,
                                           main_window: Any, answers: Any) -> None:
    window = main_window(login_as(ADMIN))
    view = caseload_view(window)
    before = caseload.count(window.app, caseload.CaseloadQuery())
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\n" + roster_line(1) + "\n" + roster_line(2).replace(medicaid_id(2), "XX") + "\n",
                   encoding="utf-8")
    answers.open_path = bad
    action = next(a for a in window.menuBar().actions()[0].menu().actions() if a.text() == "&Import roster…")
    action.trigger()
    dialog = view.dialog
    dialog.choose_file()
    assert not dialog.import_button.isEnabled()
    assert dialog.problems.rowCount() == 1 and dialog.problems.item(0, 0).text() == "3"
    assert dialog.problems.item(0, 1).text().startswith("medicaid_id:")
    assert caseload.count(window.app, caseload.CaseloadQuery()) == before

    good = tmp_path / "good.csv"
    good.write_text(HEADER + "\n" + "\n".join(roster_line(n, consent=n != 2) for n in range(1, 4)) + "\n",
                    encoding="utf-8")
    dialog.set_file(good)
    assert dialog.import_button.isEnabled()
    assert dialog.count_labels["members_created"].text() == "3"
    assert caseload.count(window.app, caseload.CaseloadQuery()) == before
    dialog.run_import()
    assert dialog.result is not None and dialog.result.applied
    assert caseload.count(window.app, caseload.CaseloadQuery()) == before + 3
    assert len(view.model.rows) == before + 3


def test_directory_section(ui_store_with_members: UiStore, login_as: Any, main_window: Any) -> None:
    window = main_window(login_as(ADMIN))
    assert "directory" in window.section_keys()
    directory.create_entry(window.app, DirectoryEntryInput(name="Capital Pharmacy", categories=("pharmacy",)))
    view = window.show_section("directory")
    assert isinstance(view, DirectoryView) and view.table.rowCount() == 1
    dialog = view.open_new_dialog()
    dialog.fields["name"].setText("Hudson Housing Coalition")
    dialog.categories["housing"].setChecked(True)
    assert dialog.save()
    assert view.table.rowCount() == 2
    view.category.setCurrentIndex(view.category.findData("housing"))
    assert [view.table.item(r, 0).text() for r in range(view.table.rowCount())] == ["Hudson Housing Coalition"]
    view.table.selectRow(0)
    view.toggle_retired()
    assert view.table.rowCount() == 0


def test_billing_role_sees_no_clinical_tabs(ui_store_with_members: UiStore, login_as: Any, main_window: Any) -> None:
    admin = login_as(ADMIN)
    users.add_user(admin, "clerk", "billing", "counting the months carefully")
    ui_store_with_members.passwords["clerk"] = "counting the months carefully"
    window = main_window(login_as("clerk"))
    chart = open_chart(window, "EF34567G")
    assert chart.tab_keys() == ["profile", "enrolment"]
    tab = chart.show_tab("enrolment")
    assert "does not show" in tab.explanation.text()
    assert not tab.enrol_button.isVisibleTo(tab) and tab.consent_button.isVisibleTo(tab)


def test_tabs_are_a_registry(ui_store_with_members: UiStore, login_as: Any, main_window: Any,
                             monkeypatch: Any) -> None:
    from PySide6.QtWidgets import QLabel

    monkeypatch.setattr("hhdesk.ui.views.member_chart.CHART_TABS", list(CHART_TABS))
    register_chart_tab(TabSpec("extra", "Extra", lambda context: QLabel(f"extra for {context.member_id}")),
                       before="care_team")
    window = main_window(login_as(ADMIN))
    chart = open_chart(window, "AB12345C")
    assert chart.tab_keys().index("extra") == chart.tab_keys().index("care_team") - 1
    assert chart.show_tab("extra").text() == f"extra for {chart.member_id}"
    window.open_member(chart.member_id, "enrolment")
    assert chart.tabs.tabText(chart.tabs.currentIndex()) == "Enrolment"
