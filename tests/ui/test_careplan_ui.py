"""The Care plan tab as a care manager uses it: build a plan, undo and redo, save, sign, new version, compare."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from hhdesk.clock import AgencyClock
from hhdesk.domain.date_entry import add_months
from hhdesk.domain.enums import CarePlanStatus, GoalStatus, NeedDomain, SignatureMethod
from hhdesk.services import careplans, members
from hhdesk.ui.views.member_chart import MemberChartWindow
from tests.documents.pdf_helpers import all_text

PLAN = [
    (NeedDomain.HOUSING, "Sleeping on his sister's couch", "Quiero mi propio apartamento antes del invierno",
     "Apply for Section 8 together", "Weekly"),
    (NeedDomain.PHYSICAL_HEALTH, "Type 2 diabetes", "Keep my sugar down so I can keep my feet",
     "Go with him to the endocrinologist", "Monthly"),
    (NeedDomain.FOOD, "Runs out of food at the end of the month", "Get my SNAP back",
     "Help fill in the SNAP recertification", "Once"),
]


@pytest.fixture
def chart(qtbot, ui_store_with_members, login_as):
    app = login_as("cm1")
    member_id = members.find_by_medicaid_id(app, "AB12345C")
    assert member_id is not None
    window = MemberChartWindow(app, member_id, "care_plan")
    qtbot.addWidget(window)
    window.show()
    return window


def _type(qtbot, widget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def _build_plan(qtbot, tab) -> None:
    editor = tab.editor
    qtbot.mouseClick(tab.create_button, Qt.MouseButton.LeftButton)  # creates version 1 and its first need
    for number, (domain, description, goal, action, frequency) in enumerate(PLAN):
        if number:
            qtbot.mouseClick(editor.add_need_button, Qt.MouseButton.LeftButton)
        editor.need_domain.setCurrentIndex(editor.need_domain.findData(domain))
        _type(qtbot, editor.need_description, description)
        qtbot.mouseClick(editor.add_goal_button, Qt.MouseButton.LeftButton)
        _type(qtbot, editor.goal_text, goal)
        editor.goal_has_target.setChecked(True)
        editor.goal_target.set_value(add_months(AgencyClock().today(), 6))
        editor.goal_status.setCurrentIndex(editor.goal_status.findData(GoalStatus.IN_PROGRESS))
        qtbot.mouseClick(editor.add_intervention_button, Qt.MouseButton.LeftButton)
        _type(qtbot, editor.action_text, action)
        editor.responsible.setCurrentIndex(editor.responsible.findText("Carla Martinez (Care manager)"))
        editor.frequency.setEditText(frequency)
    _type(qtbot, editor.strengths, "Cooks for himself")


def test_a_care_manager_builds_signs_revises_and_compares_a_plan(qtbot, chart, tmp_path: Path):
    tab = chart.page("care_plan")
    editor = tab.editor
    assert tab.pages.currentWidget() is tab.empty_page

    _build_plan(qtbot, tab)
    content = editor.content()
    assert [n.domain for n in content.needs] == [p[0] for p in PLAN]
    assert [g.text for n in content.needs for g in n.goals] == [p[2] for p in PLAN]
    assert content.needs[2].goals[0].interventions[0].responsible_label == "Carla Martinez"
    assert content.needs[1].goals[0].interventions[0].frequency == "Monthly"
    assert tab.save_button.isEnabled() and tab.unsaved_label.text() == "Unsaved changes"

    # Undo takes back the typing in the strengths box as one step, then the frequency; redo puts them back.
    editor.strengths.setFocus()
    qtbot.keySequence(editor.strengths, QKeySequence("Ctrl+Z"))
    assert editor.content().strengths == "" and editor.strengths.toPlainText() == ""
    qtbot.keySequence(editor.strengths, QKeySequence("Ctrl+Z"))
    assert editor.content().needs[2].goals[0].interventions[0].frequency == ""
    qtbot.keySequence(editor.strengths, QKeySequence("Ctrl+Shift+Z"))
    qtbot.keySequence(editor.strengths, QKeySequence("Ctrl+Shift+Z"))
    assert editor.content() == content

    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert not editor.is_dirty() and not tab.save_button.isEnabled()
    stored = careplans.get_version(tab.app, tab.version.id)
    assert stored.content.without_ids() == content.without_ids()

    qtbot.mouseClick(tab.sign_button, Qt.MouseButton.LeftButton)
    dialog = tab.sign_dialog
    assert dialog.member_name.text() == "José Núñez"
    dialog.set_method(SignatureMethod.PAPER)
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    assert tab.version.status is CarePlanStatus.ACTIVE and tab.version.review_due_on is not None
    assert not editor.need_description.isEnabled() or editor.need_description.isReadOnly()
    assert not tab.save_button.isVisible() and tab.new_version_button.isVisible()

    qtbot.mouseClick(tab.new_version_button, Qt.MouseButton.LeftButton)
    assert (tab.version.version_no, tab.version.status) == (2, CarePlanStatus.DRAFT)
    editor.select((1, 0))
    editor.goal_text.selectAll()
    _type(qtbot, editor.goal_text, "Get my A1c under 7 by summer")
    editor.goal_status.setCurrentIndex(editor.goal_status.findData(GoalStatus.MET))
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)

    qtbot.mouseClick(tab.compare_button, Qt.MouseButton.LeftButton)
    text = tab.compare_dialog.text()
    assert "Goal reworded: was \u201cKeep my sugar down so I can keep my feet\u201d, now " \
           "\u201cGet my A1c under 7 by summer\u201d." in text
    assert "changed from In progress to Met" in text
    assert "Need 2: Physical health" in text
    tab.compare_dialog.close()

    tab.show_version_no(1)
    assert tab.version.version_no == 1 and tab.editor.goal_text.isReadOnly()


def test_preview_prints_the_version_on_screen(qtbot, chart, answers, tmp_path: Path):
    tab = chart.page("care_plan")
    _build_plan(qtbot, tab)
    tab.preview("packet")  # saves the draft first, then renders it
    dialog = tab.preview_dialog
    assert dialog is not None and dialog.page_count() >= 4
    assert "Get my SNAP back" in all_text(dialog.pdf)

    answers.save_path = tmp_path / "packet"
    dialog.save_pdf()
    assert dialog.saved_to == tmp_path / "packet.pdf" and dialog.saved_to.read_bytes() == dialog.pdf

    answers.password = "short"
    dialog.save_protected()
    assert dialog.protected_to is None
    answers.password = "a long PDF password"
    answers.save_path = tmp_path / "protected.pdf"
    dialog.save_protected()
    protected = (tmp_path / "protected.pdf").read_bytes()
    assert b"/Encrypt" in protected and "Get my SNAP back" in all_text(protected, "a long PDF password")
    dialog.close()


def test_switching_versions_with_unsaved_changes_saves_them_first(qtbot, chart):
    tab = chart.page("care_plan")
    _build_plan(qtbot, tab)
    tab.save_draft()
    careplans.sign(tab.app, tab.version.id, careplans.SignatureInput(
        "José Núñez", AgencyClock().today(), tab.app.actor.user_id, AgencyClock().today(), SignatureMethod.PAPER))
    tab.reload()
    tab.new_version()
    _type(qtbot, tab.editor.barriers, "No phone minutes")
    tab.show_version_no(1)  # the question is answered "save"
    assert tab.version.version_no == 1
    draft = careplans.version_to_open(tab.app, tab.member_id)
    assert draft is not None and draft.content.barriers == "No phone minutes"


def test_closing_the_chart_keeps_the_draft(qtbot, chart):
    tab = chart.page("care_plan")
    _build_plan(qtbot, tab)
    version_id = tab.version.id
    chart.close()
    assert careplans.get_version(tab.app, version_id).content.strengths == "Cooks for himself"


def test_print_packets_for_the_selected_members_and_for_a_whole_caseload(qtbot, ui_store_with_members, login_as,
                                                                         main_window, answers, tmp_path: Path):
    from hhdesk.domain.careplan import PlanContent, PlanGoal, PlanNeed

    app = login_as("cm1")
    jose = members.find_by_medicaid_id(app, "AB12345C")
    draft = careplans.create_first_draft(app, jose)
    careplans.save_draft(app, draft.id, PlanContent(needs=(PlanNeed(NeedDomain.FOOD, "", (
        PlanGoal("Comer tres veces al día"),)),)))
    window = main_window(app)
    caseload = window.show_section("caseload")
    caseload.care_manager.setCurrentIndex(caseload.care_manager.findData(None))  # everyone
    caseload.apply_filters()
    caseload.table.selectAll()
    qtbot.mouseClick(caseload.print_packets_button, Qt.MouseButton.LeftButton)
    dialog = caseload.packets_dialog
    assert dialog.selected_radio.isChecked() and "5 members selected" in dialog.selected_radio.text()
    dialog.folder.setText(str(tmp_path / "selected"))
    dialog.start()
    written = sorted(p.name for p in (tmp_path / "selected").iterdir())
    [jose_file] = [name for name in written if name.startswith(f"packet-member-{jose}-")]
    assert len(written) == 5 and not [name for name in written if "nunez" in name or "AB12345C" in name]
    assert answers.informed[-1] == f"5 packets written to {tmp_path / 'selected'}."
    assert "Comer tres veces al día" in all_text((tmp_path / "selected" / jose_file).read_bytes())

    qtbot.mouseClick(caseload.print_packets_button, Qt.MouseButton.LeftButton)
    dialog = caseload.packets_dialog
    dialog.caseload_radio.setChecked(True)
    dialog.care_manager.setCurrentIndex(dialog.care_manager.findData("cm1"))
    dialog.combined_radio.setChecked(True)
    dialog.combined.setText(str(tmp_path / "cm1"))
    dialog.start()
    assert answers.informed[-1] == f"1 packet written to {tmp_path / 'cm1.pdf'}."  # cm1 has one enrolled member
    assert "Núñez" in all_text((tmp_path / "cm1.pdf").read_bytes())


def test_a_scanned_signature_dated_long_ago_shows_the_review_overdue(qtbot, chart):
    from datetime import timedelta

    tab = chart.page("care_plan")
    _build_plan(qtbot, tab)
    tab.sign()  # saves the draft first
    dialog = tab.sign_dialog
    long_ago = AgencyClock().today() - timedelta(days=200)
    dialog.member_date.set_value(long_ago)
    dialog.signer_date.set_value(long_ago)
    assert "The next review will be due" in dialog.outcome.text()
    dialog.set_scan("IMG_0042 José Núñez.pdf", b"%PDF-1.4 a scanned page")
    dialog.sign()
    assert tab.version.signed_copy is not None and tab.version.signed_copy.filename == "signed-care-plan-v1.pdf"
    assert tab.review_chip.isVisibleTo(tab) and "Review overdue since" in tab.review_chip.text()
    assert any("Care plan review overdue" in text for text in chart.header.alert_texts())
