"""The referral window parts end to end on a real store: make a housing referral, print its letter,
record acceptance and completion, and see the closure in the Referrals section's summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter

from hhdesk.domain.enums import ConsentKind, ReferralCategory, ReferralMethod, ReferralStatus
from hhdesk.services import directory, referrals
from hhdesk.services.context import AppSession
from hhdesk.services.referrals import NewReferral
from hhdesk.ui.dialogs import pdf_preview
from hhdesk.ui.dialogs.referral_dialogs import NewReferralDialog, StatusChangeDialog
from hhdesk.ui.views.referral_widgets import DUE_BACKGROUND
from hhdesk.ui.views.referrals_section import ReferralsView
from hhdesk.ui.views.referrals_tab import MemberReferralsTab
from tests.documents.pdf_helpers import all_text
from tests.factories import SAMPLE_MEMBERS, add_members
from tests.services.referral_data import add_consent_form
from tests.ui.conftest import ADMIN, Answers, UiStore

TODAY = date(2026, 3, 2)


@dataclass
class FakeHost:
    """The little a section asks of the main window."""

    app: AppSession
    store_path: Path = Path("unused")
    opened: list[tuple[int, str | None]] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)

    def open_member(self, member_id: int, tab: str | None = None, *, row: Any = None) -> None:
        self.opened.append((member_id, tab))

    def settings_changed(self) -> None: ...

    def end_session(self, message: str = "", *, log_out: bool = True) -> None: ...

    def show_status(self, text: str, timeout_ms: int = 5000) -> None:
        self.statuses.append(text)


@dataclass(frozen=True)
class World:
    member_id: int
    other_member_id: int
    housing_id: int
    food_id: int


@pytest.fixture
def world(ui_store: UiStore, login_as) -> World:
    admin = login_as(ADMIN)
    ids = add_members(admin.store, SAMPLE_MEMBERS, today=date(2026, 1, 1))
    add_consent_form(admin, ids[0], ConsentKind.CONSENT, "DOH-5055", date(2026, 1, 2))
    housing = directory.create_entry(admin, directory.DirectoryEntryInput(
        name="Dutchess Housing Coalition", phone="(845) 555-0300", fax="(845) 555-0301",
        city="Poughkeepsie", categories=("housing",)))
    food = directory.create_entry(admin, directory.DirectoryEntryInput(
        name="Hudson Valley Food Bank", categories=("food",)))
    return World(ids[0], ids[2], housing.id, food.id)


def test_a_care_manager_makes_a_housing_referral_prints_it_and_closes_the_loop(
        qtbot, world: World, login_as, answers: Answers, tmp_path: Path, monkeypatch) -> None:
    app = login_as("cm1")
    tab = MemberReferralsTab(app, world.member_id, "Núñez, José (Pepe)", today=TODAY)
    qtbot.addWidget(tab)
    tab.show()
    assert tab.model.rowCount() == 0 and tab.empty_label.isVisible()

    # New referral: the agency list follows the category.
    dialog = tab.new_referral()
    assert isinstance(dialog, NewReferralDialog)
    dialog.set_category(ReferralCategory.FOOD)
    assert dialog.agency_ids() == [world.food_id]
    dialog.set_category(ReferralCategory.HOUSING)
    assert dialog.agency_ids() == [world.housing_id]
    dialog.set_category(ReferralCategory.EMPLOYMENT)
    assert dialog.agency_ids() == [] and "No agency in the directory offers employment" in dialog.agency_hint.text()
    dialog.show_all.setChecked(True)
    assert sorted(dialog.agency_ids()) == sorted([world.housing_id, world.food_id])
    dialog.show_all.setChecked(False)
    dialog.set_category(ReferralCategory.HOUSING)
    qtbot.keyClicks(dialog.reason, "Living in a shelter since March.")
    qtbot.keyClicks(dialog.need, "A ground-floor apartment.")
    qtbot.keyClicks(dialog.request, "Please book an intake appointment.")
    dialog.sent_on.set_value(dialog.sent_on.value() - timedelta(days=20))  # sent 02/10/2026
    assert dialog.follow_up_on.value() == date(2026, 2, 24)
    assert not dialog.save_print_button.isEnabled(), "no letter before the consent to share is recorded"
    dialog.consent.setChecked(True)
    assert dialog.save_print_button.isEnabled()
    dialog.save(print_after=True)
    assert not dialog.isVisible()

    # The referral is listed (its follow-up has come: amber), and its letter is in the preview.
    assert tab.model.rowCount() == 1
    row = tab.selected_row()
    assert row is not None and row.status is ReferralStatus.SENT and row.waiting
    assert tab.model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) == DUE_BACKGROUND
    assert "due" in tab.model.index(0, 4).data()
    preview = tab.preview
    assert preview is not None and preview.isVisible() and preview.page_count() >= 1
    text = all_text(preview.pdf)
    assert "José Núñez" in text and "Living in a shelter since March." in text
    assert "Dutchess Housing Coalition" in text and "signed a consent on 01/02/2026" in text

    answers.save_path = tmp_path / "letter"
    preview.save_pdf()
    assert (tmp_path / "letter.pdf").read_bytes() == preview.pdf

    printed = tmp_path / "printed.pdf"

    def fake_printer(_parent: Any, _pages: int) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed))
        return printer

    monkeypatch.setattr(pdf_preview, "ask_printer", fake_printer)
    preview.print_pdf()
    assert preview.printed_pages == preview.page_count()
    assert printed.read_bytes().startswith(b"%PDF")
    preview.close()

    # Accepted, then completed with an outcome; each change is in the history.
    status_dialog = tab.change_status()
    assert isinstance(status_dialog, StatusChangeDialog)
    assert [status_dialog.status.itemData(i) for i in range(status_dialog.status.count())] == [
        ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.NO_RESPONSE]
    status_dialog.set_status(ReferralStatus.ACCEPTED)
    status_dialog.set_date(date(2026, 2, 16))
    qtbot.keyClicks(status_dialog.note, "Intake booked")
    assert status_dialog.save()
    status_dialog = tab.change_status()
    assert status_dialog is not None
    status_dialog.set_status(ReferralStatus.COMPLETED)
    status_dialog.set_date(date(2026, 2, 27))
    status_dialog.outcome.setPlainText("Moved into a ground-floor apartment.")
    assert status_dialog.save()
    row = tab.selected_row()
    assert row is not None and row.status is ReferralStatus.COMPLETED and not row.waiting
    assert not tab.status_button.isEnabled(), "a closed referral has no more status changes"
    history = tab.detail_pane.history
    assert [history.item(i, 1).text() for i in range(history.rowCount())] == ["Sent", "Accepted", "Completed"]
    assert tab.detail_pane.outcome.toPlainText() == "Moved into a ground-floor apartment."

    # The Referrals section's summary counts it closed, 17 days after it was sent.
    host = FakeHost(app)
    section = ReferralsView(host, today=TODAY)
    qtbot.addWidget(section)
    section.set_filter(section.care_manager, None)
    assert section.model.rowCount() == 1
    assert section.summary.closed.text() == "1 (1 completed)"
    assert section.summary.median.text() == "17"
    assert section.summary.by_category.item(0, 0).text() == "Housing"
    assert section.summary.by_agency.item(0, 0).text() == "Dutchess Housing Coalition"
    section.table.selectRow(0)
    section.open_member()
    assert host.opened == [(world.member_id, "referrals")]


def test_the_section_filters_and_highlights_follow_ups_due(qtbot, world: World, login_as, message_boxes) -> None:
    admin = login_as(ADMIN)
    closed = referrals.create_referral(admin, NewReferral(
        world.member_id, world.housing_id, ReferralCategory.HOUSING, "Shelter", sent_on=date(2026, 1, 5),
        consent_to_share=True), today=TODAY).row.referral_id
    referrals.change_status(admin, closed, ReferralStatus.DECLINED, date(2026, 1, 9), today=TODAY)
    referrals.create_referral(admin, NewReferral(
        world.other_member_id, world.food_id, ReferralCategory.FOOD, "Pantry", sent_on=date(2026, 2, 1),
        sent_how=ReferralMethod.PHONE), today=TODAY)
    host = FakeHost(login_as("cm1"))
    section = ReferralsView(host, today=TODAY)
    qtbot.addWidget(section)
    assert section.care_manager.currentData() == "cm1", "a care manager starts on their own members"
    assert [r.medicaid_id for r in section.model.rows] == ["AB12345C"]
    section.set_filter(section.care_manager, None)
    assert section.model.rowCount() == 2
    assert "1 with the follow-up due" in section.count_label.text()
    due = next(n for n, r in enumerate(section.model.rows) if r.waiting)
    assert section.model.index(due, 0).data(Qt.ItemDataRole.BackgroundRole) == DUE_BACKGROUND
    section.set_filter(section.status, {"waiting_only": True})
    assert [r.category for r in section.model.rows] == [ReferralCategory.FOOD]
    assert section.summary.total.text() == "2", "the summary ignores the status filter"
    section.set_filter(section.status, {})
    section.set_filter(section.category, ReferralCategory.HOUSING)
    assert [r.status for r in section.model.rows] == [ReferralStatus.DECLINED]
    assert section.summary.closed.text() == "1 (0 completed)" and section.summary.median.text() == "4"
    section.set_filter(section.category, None)
    section.set_filter(section.agency, world.food_id)
    assert [r.agency_id for r in section.model.rows] == [world.food_id]

    # The food referral has no consent to share: printing says so in the user's words.
    section.table.selectRow(0)
    section.print_selected()
    assert section.preview is None
    assert message_boxes and "consent to share" in message_boxes[-1][2]
    section.clear_for_lock()
    assert section.model.rowCount() == 0 and section.summary.total.text() == ""


def test_a_billing_clerk_has_no_referrals_section() -> None:
    from hhdesk.domain.enums import Role
    from hhdesk.domain.permissions import allows
    from hhdesk.ui.sections import SECTIONS

    spec = next(s for s in SECTIONS if s.key == "referrals")
    assert spec.permission is not None and not allows(Role.BILLING, spec.permission)
    assert allows(Role.CARE_MANAGER, spec.permission)


def test_a_typed_outcome_is_asked_about_before_the_chart_closes(qtbot: Any, world: World, login_as: Any,
                                                                main_window: Any, answers: Answers) -> None:
    admin = login_as(ADMIN)
    referrals.create_referral(admin, NewReferral(
        world.member_id, world.housing_id, ReferralCategory.HOUSING, "Shelter", sent_on=date(2026, 2, 20),
        consent_to_share=True), today=TODAY)
    window = main_window(login_as("cm1"))
    window.open_member(world.member_id, "referrals")
    chart = window.member_views()[0]
    tab = chart.page("referrals")
    tab.table.selectRow(0)
    pane = tab.detail_pane
    assert pane.detail is not None and pane.unsaved_what() == "", "nothing typed, nothing to ask"
    pane.outcome.setPlainText("Intake booked for Monday")
    answers.save_discard_cancel = "save"
    chart.close()
    assert answers.asked and answers.asked[-1].startswith("The referral's outcome or follow-up date has changes")
    saved = referrals.list_referrals(admin, referrals.ReferralFilter(member_id=world.member_id))
    assert [row.outcome for row in saved] == ["Intake booked for Monday"]


def _two_referrals(app: AppSession, world: World) -> MemberReferralsTab:
    for category, agency in ((ReferralCategory.HOUSING, world.housing_id), (ReferralCategory.FOOD, world.food_id)):
        referrals.create_referral(app, NewReferral(
            member_id=world.member_id, directory_entry_id=agency, category=category, reason="Needs help",
            consent_to_share=True, sent_on=TODAY - timedelta(days=3)), today=TODAY)
    tab = MemberReferralsTab(app, world.member_id, "Núñez, José (Pepe)", today=TODAY)
    return tab


@pytest.mark.parametrize(("answer", "kept", "stays_on_first"), [
    ("cancel", "", True), ("discard", "", False), ("save", "Intake booked for 3/9", False)])
def test_selecting_another_referral_asks_about_a_typed_outcome(qtbot, world: World, login_as, answers: Answers,
                                                               answer: str, kept: str, stays_on_first: bool) -> None:
    app = login_as("cm1")
    tab = _two_referrals(app, world)
    qtbot.addWidget(tab)
    tab.show()
    tab.table.selectRow(0)
    first = tab.selected_row()
    assert first is not None
    tab.detail_pane.outcome.setFocus()
    qtbot.keyClicks(tab.detail_pane.outcome, "Intake booked for 3/9")
    answers.save_discard_cancel = answer

    tab.table.selectRow(1)

    assert len(answers.asked) == 1 and answers.asked[0].startswith("The referral's outcome or follow-up date has")
    stored = referrals.get_referral(app, first.referral_id, today=TODAY).row.outcome
    assert stored == kept
    current = tab.selected_row()
    assert current is not None and (current.referral_id == first.referral_id) is stays_on_first
    if stays_on_first:
        assert tab.detail_pane.outcome.toPlainText() == "Intake booked for 3/9", "Cancel keeps what was typed"
    else:
        assert tab.detail_pane.detail is not None and tab.detail_pane.detail.row.referral_id == current.referral_id
        assert not tab.detail_pane.unsaved_what()


def test_reading_the_list_again_keeps_a_typed_outcome(qtbot, world: World, login_as, answers: Answers) -> None:
    """The chart reads a tab again when it is shown after a change elsewhere (a contact logged)."""
    app = login_as("cm1")
    tab = _two_referrals(app, world)
    qtbot.addWidget(tab)
    tab.show()
    tab.table.selectRow(1)
    qtbot.keyClicks(tab.detail_pane.outcome, "Called, waiting list")
    tab.refresh()
    assert answers.asked == [] and tab.detail_pane.outcome.toPlainText() == "Called, waiting list"
    assert tab.detail_pane.unsaved_what()


def test_switching_chart_tabs_keeps_a_typed_outcome_and_closing_asks(qtbot, world: World, login_as,
                                                                      answers: Answers) -> None:
    from hhdesk.ui.views.member_chart import MemberChartWindow

    app = login_as("cm1")
    _two_referrals(app, world).deleteLater()
    chart = MemberChartWindow(app, world.member_id, "referrals")
    qtbot.addWidget(chart)
    chart.show()
    tab = chart.page("referrals")
    assert isinstance(tab, MemberReferralsTab)
    qtbot.keyClicks(tab.detail_pane.outcome, "Accepted by phone")
    chart.show_tab("contacts")
    chart.member_changed()  # something else in the chart changed the member: the referrals tab is stale
    chart.show_tab("referrals")
    assert tab.detail_pane.outcome.toPlainText() == "Accepted by phone"
    answers.save_discard_cancel = "cancel"
    chart.close()
    assert chart.isVisible() and answers.asked[-1].startswith("The referral's outcome")
