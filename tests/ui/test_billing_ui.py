"""The Billing section as a clerk uses it: preview, find the missing consent, fix it, refresh, export, history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from hhdesk.domain.enums import BillingReason, ConsentKind, Role
from hhdesk.services import enrolment, users
from hhdesk.services.billing import ExportFormat
from hhdesk.ui.views.billing import REASON, BillingView
from tests.billing_store import add_member, fill_billing_store, last_full_month
from tests.ui.conftest import ADMIN, UiStore

CLERK_PASSWORD = "the counting desk phrase"


@pytest.fixture
def billing_store(ui_store: UiStore, login_as: Any) -> dict[str, int]:
    """The demo-like store of the last full month, a billing clerk, and one member missing a consent."""
    admin = login_as(ADMIN)
    fill_billing_store(admin.store, members=30, contacts_per_member=30, months=14)
    users.add_user(admin, "clerk", Role.BILLING, CLERK_PASSWORD, full_name="Bea Billing")
    ui_store.passwords["clerk"] = CLERK_PASSWORD
    month = last_full_month()
    enrolled_on = month.shift(-3).first_day.isoformat()
    member_id = add_member(admin, "ZZ99999Z", "Zimmer", first_name="Greta",
                           segments=[("enrolled", enrolled_on, None)], tiers=[("standard", enrolled_on)],
                           plans=[enrolled_on], contacts=[(month.first_day.replace(day=12).isoformat(), "phone", "CM")],
                           diagnoses=[("F32.9", "mental_health")])
    return {"no_consent": member_id}


def open_billing(login_as: Any, main_window: Any, username: str = "clerk") -> tuple[Any, BillingView]:
    window = main_window(login_as(username))
    assert "billing" in window.section_keys()
    view = window.show_section("billing")
    assert isinstance(view, BillingView)
    return window, view


def test_a_clerk_fixes_a_missing_consent_exports_and_sees_the_run(
        qtbot: Any, billing_store: dict[str, int], login_as: Any, main_window: Any, answers: Any,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    window, view = open_billing(login_as, main_window)
    assert "admin" not in window.section_keys()
    assert view.selected_month() == last_full_month()  # last month by default
    assert view.settings_tab is None  # clerks do not change the billing settings
    preview = view.model.preview
    assert preview is not None and preview.billable_count > 5
    assert view.totals_table.rowCount() == len(preview.totals) + 1

    # Not billable only: the member without a consent is listed, with the reason in words and code
    qtbot.mouseClick(view.not_billable_only, Qt.MouseButton.LeftButton)
    shown = view.visible_rows()
    assert shown and all(not row.billable for row in shown)
    member_id = billing_store["no_consent"]
    row = next(row for row in shown if row.member_id == member_id)
    assert view.model.reason_cell(row) == "No consent on file (no_consent)"
    assert row.reason is BillingReason.NO_CONSENT

    # double-click opens the member on the Enrolment tab
    opened: list[tuple[int, str | None]] = []
    monkeypatch.setattr(window, "open_member", lambda mid, tab=None, **_: opened.append((mid, tab)))
    assert view.select_member(member_id)
    index = view.table.selectionModel().selectedRows()[0]
    rect = view.table.visualRect(view.proxy.index(index.row(), 2))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened == [(member_id, "enrolment")]

    # the signed form is found and recorded with its date (as the chart's Enrolment tab does); Refresh
    clerk = window.app
    signed_on = last_full_month().first_day.replace(day=3)
    enrolment.record_consent(clerk, member_id, ConsentKind.CONSENT, "DOH-5055", signed_on)
    qtbot.mouseClick(view.refresh_button, Qt.MouseButton.LeftButton)
    assert member_id not in [row.member_id for row in view.visible_rows()]
    view.not_billable_only.setChecked(False)
    fixed = next(row for row in view.visible_rows() if row.member_id == member_id)
    assert fixed.billable and fixed.rate_code == "1873"

    # Export… the claim file: the profile's claim type is offered, the other is not
    dialog = view.open_export_dialog()
    assert dialog.selected_format() is ExportFormat.X12_837I
    assert not dialog.buttons[ExportFormat.X12_837P].isEnabled()
    assert not dialog.needs_reason()
    answers.save_path = tmp_path / "claims.x12"
    dialog.accept()
    # one claim file per payer, named after it
    assert (tmp_path / "claims-FFS.x12").exists() and (tmp_path / "claims-PLAN1.x12").exists()
    assert answers.informed and "SHA-256" in answers.informed[-1] and "one file per payer" in answers.informed[-1]
    assert view.history_table.rowCount() == 2
    assert {view.history_table.item(n, 10).text() for n in range(2)} == {"FFS", "PLAN1"}
    run = view.history_runs[0]
    assert view.history_table.item(0, 8).text() == run.sha256[:16] + "…"
    view.history_table.selectRow(0)
    assert run.sha256 in view.run_detail.text()
    assert view.history_table.item(0, 2).text() == "clerk"
    assert "has been exported before" in view.exported_label.text()

    # exporting the month again in the same format asks why, and keeps the answer
    dialog = view.open_export_dialog()
    assert dialog.needs_reason() and not dialog.ok_button.isEnabled() and dialog.reason.isVisibleTo(dialog)
    dialog.reason.setText("Clearinghouse rejected the first file")
    assert dialog.ok_button.isEnabled()
    answers.save_path = tmp_path / "claims-again.x12"
    dialog.accept()
    assert view.history_table.rowCount() == 4
    assert view.history_table.item(0, 9).text() == "Clearinghouse rejected the first file"

    # a CSV of the month needs no reason: it is another format
    dialog = view.open_export_dialog()
    dialog.choose(ExportFormat.CSV)
    assert not dialog.needs_reason()
    answers.save_path = tmp_path / "month.csv"
    dialog.accept()
    assert (tmp_path / "month.csv").read_text(encoding="utf-8").startswith("\ufeffservice_month,medicaid_id")


def test_filtering_by_reason_and_the_lock(billing_store: dict[str, int], login_as: Any, main_window: Any) -> None:
    _window, view = open_billing(login_as, main_window)
    position = view.reason_filter.findData(BillingReason.NO_CONSENT)
    assert position > 0
    view.reason_filter.setCurrentIndex(position)
    assert view.not_billable_only.isChecked()
    assert {row.reason for row in view.visible_rows()} == {BillingReason.NO_CONSENT}
    assert "Showing" in view.count_label.text()
    view.clear_for_lock()
    assert view.model.rowCount() == 0 and view.totals_table.rowCount() == 0


def test_care_managers_do_not_see_billing(billing_store: dict[str, int], login_as: Any, main_window: Any) -> None:
    window = main_window(login_as("cm1"))
    assert "billing" not in window.section_keys()


def test_an_admin_edits_the_billing_settings_and_the_preview_follows(
        billing_store: dict[str, int], login_as: Any, main_window: Any) -> None:
    _window, view = open_billing(login_as, main_window, ADMIN)
    settings_tab = view.settings_tab
    assert settings_tab is not None
    view.tabs.setCurrentWidget(settings_tab)
    codes = [settings_tab.amounts.item(n, 0).text() for n in range(settings_tab.amounts.rowCount())]
    assert codes == ["1853", "1874", "1873", "1386", "1860", "1861"]  # the last two for reference only
    assert "pending CMS approval" in settings_tab.amounts.item(0, 2).toolTip()
    assert settings_tab.amounts.item(2, 4).checkState() == Qt.CheckState.Unchecked
    settings_tab.amounts.item(2, 3).setText("210.50")
    settings_tab.texts["submitter_id"].setText("")
    assert settings_tab.save()
    assert "submitter ID" in view.settings_label.text() and view.settings_label.isVisibleTo(view)
    assert any(t.rate_code == "1873" and t.amount is not None and t.amount % 1 == 0.5
               for t in view.model.preview.totals)
    settings_tab.texts["billing_provider_npi"].setText("1234567890")
    assert not settings_tab.save()
    assert "NPI" in settings_tab.message.text()
    settings_tab.region.setCurrentIndex(settings_tab.region.findData("downstate"))
    assert settings_tab.amounts.item(2, 2).text() == "215.13 from 04/2022"


def test_billing_facts_in_the_chart_and_the_preview_follows(
        billing_store: dict[str, int], login_as: Any, main_window: Any, answers: Any) -> None:
    """AOT order, HH+ population and an outreach month billed elsewhere, entered on the Enrolment tab."""
    from hhdesk.domain.enums import HHPlusPopulation
    from hhdesk.services import billing_facts
    from hhdesk.ui.views.chart_enrolment import EnrolmentTab

    admin = login_as(ADMIN)
    month = last_full_month()
    day = month.first_day
    plus = add_member(admin, "YY88888Y", "Plusser", first_name="Hal", segments=[("enrolled", "2023-01-01", None)],
                      tiers=[("hh_plus", "2023-01-01")], consents=[("consent", "2023-01-01")], plans=["2023-01-05"],
                      contacts=[(day.replace(day=n).isoformat(), mode, "CM")
                                for n, mode in ((2, "in_person"), (3, "in_person"), (4, "phone"), (5, "phone"))])
    window = main_window(admin)
    window.open_member(plus)
    chart = next(v for v in window.member_views() if v.member_id == plus)
    tab = chart.show_tab("enrolment")
    assert isinstance(tab, EnrolmentTab)
    box = tab.billing_facts
    dialog = box.open_order_dialog()
    dialog.start.set_value(month.shift(-2).first_day)
    assert dialog.save()
    assert box.orders.rowCount() == 1 and box.orders.item(0, 1).text() == "(in effect)"
    box.set_population(HHPlusPopulation.SMI)
    assert billing_facts.get_billing_facts(admin, plus).hh_plus_population is HHPlusPopulation.SMI
    dialog = box.open_month_dialog()
    dialog.month.setText("2099-01")
    dialog.agency.setText("Other HH")
    assert not dialog.save() and "future" in dialog.message.text()
    dialog.month.setText(str(month.shift(-1)))
    assert dialog.save()
    assert box.months.rowCount() == 1 and box.months.item(0, 2).text() == "entered"

    _window, view = open_billing(login_as, main_window, ADMIN)
    row = next(r for r in view.model.rows if r.member_id == plus)
    assert (row.rate_code, row.note) == ("1874", "hh_plus_minimum_not_met")
    assert "AOT order" in view.model.reason_cell(row)
    assert "AOT order): 4 contacts with a core service, 4 in person" in view.model._tooltip(row, REASON)

    # ending the order the month before brings back the SMI minimum
    box.orders.selectRow(0)
    end = box.open_end_dialog()
    assert end is not None
    end.end.set_value(month.shift(-1).last_day)
    assert end.save()
    view.run_preview()
    row = next(r for r in view.model.rows if r.member_id == plus)
    assert (row.rate_code, row.note) == ("1853", None)


def test_unconfirmed_amounts_are_marked_until_the_agency_confirms_them(
        billing_store: dict[str, int], login_as: Any, main_window: Any) -> None:
    _window, view = open_billing(login_as, main_window, ADMIN)
    billable = next(r for r in view.model.rows if r.billable and r.rate_code == "1873")
    number = view.model.rows.index(billable)
    amount = view.model.index(number, 10)
    assert view.model.data(amount).endswith(" *")
    assert "Not confirmed by the agency" in view.model.data(amount, Qt.ItemDataRole.ToolTipRole)
    assert any(view.totals_table.item(n, 3).text().endswith(" *") for n in range(view.totals_table.rowCount()))
    settings_tab = view.settings_tab
    codes = [settings_tab.amounts.item(n, 0).text() for n in range(settings_tab.amounts.rowCount())]
    settings_tab.amounts.item(codes.index("1873"), 4).setCheckState(Qt.CheckState.Checked)
    assert settings_tab.save()
    billable = next(r for r in view.model.rows if r.member_id == billable.member_id)
    number = view.model.rows.index(billable)
    assert not view.model.data(view.model.index(number, 10)).endswith(" *")
    assert billable.amount_confirmed


def test_a_clerk_imports_outreach_months_billed_elsewhere(
        billing_store: dict[str, int], login_as: Any, main_window: Any, tmp_path: Path) -> None:
    admin = login_as(ADMIN)
    month = last_full_month()
    member = add_member(admin, "XX77777X", "Mover", first_name="Ola", segments=[("outreach", month.first_day.isoformat(),
                                                                                 None)],
                        contacts=[(month.first_day.replace(day=9).isoformat(), "phone", "CM")])
    _window, view = open_billing(login_as, main_window)
    assert next(r for r in view.model.rows if r.member_id == member).billable
    dialog = view.open_import_dialog()
    bad = tmp_path / "bad.csv"
    bad.write_text(f"medicaid_id,month,agency\nXX77777X,{month.shift(-1)},Other HH\nXX77777X,2099-01,Other HH\n",
                   encoding="utf-8")
    report = dialog.check(bad)
    assert report is not None and not report.ok and not dialog.import_button.isEnabled()
    assert "line 3, column month" in dialog.report_text.toPlainText()
    good = tmp_path / "good.csv"
    good.write_text(f"medicaid_id,month,agency\nXX77777X,{month.shift(-1)},Other HH\n", encoding="utf-8")
    assert dialog.check(good).ok and dialog.import_button.isEnabled()
    assert dialog.run_import().imported == 1
    dialog.reject()  # closing the dialog works the month out again
    row = next(r for r in view.model.rows if r.member_id == member)
    assert row.reason is BillingReason.OUTREACH_NEEDS_FACE_TO_FACE



def test_a_clerk_sees_payers_late_months_and_works_the_denied_list(
        qtbot: Any, billing_store: dict[str, int], login_as: Any, main_window: Any, answers: Any,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.exports.x12_response_factory import read_claim_file, write_277ca, write_835

    window, view = open_billing(login_as, main_window)
    preview = view.model.preview
    assert preview is not None
    row = next(item for item in preview.rows if item.billable)
    number = view.model.row_of_member(row.member_id)
    assert view.model.index(number, 11).data() in ("FFS", "PLAN1")
    assert "due by" in view.model.index(number, 11).data(Qt.ItemDataRole.ToolTipRole)

    # months past the filing limit: the preview says so and the export asks why
    from hhdesk.services import billing as billing_service

    late = billing_service.preview(window.app, view.selected_month(),
                                   today=view.selected_month().last_day.replace(year=view.selected_month().year + 1))
    view.model.show(late)
    view._preview_ready(late)  # as the worker hands it over
    assert view.filing_label.isVisibleTo(view) and "filing limit" in view.filing_label.text()
    dialog = view.open_export_dialog()
    assert dialog.needs_late_reason() and not dialog.ok_button.isEnabled()
    dialog.choose(ExportFormat.CSV)
    assert not dialog.needs_late_reason() and dialog.ok_button.isEnabled()
    dialog.choose(ExportFormat.X12_837I)
    dialog.late_reason.setText("Retroactive eligibility decision")
    assert dialog.ok_button.isEnabled()
    chosen: list[tuple[str, str, str]] = []
    dialog.chosen.connect(lambda *values: chosen.append(values))
    monkeypatch.setattr(view, "_export_chosen", lambda *values: None)
    dialog.accept()
    assert chosen == [("837i", "", "Retroactive eligibility decision")]

    # export in time, the payer denies one claim; the Claims and payments tab lists it first
    view.start_export(view.selected_month(), ExportFormat.X12_837I, tmp_path / "claims.x12")
    sent = read_claim_file((tmp_path / "claims-FFS.x12").read_text(encoding="ascii"))
    denied = sent.claims[0].claim_id
    (tmp_path / "a.277").write_text(write_277ca(sent), encoding="ascii")
    (tmp_path / "a.835").write_text(write_835(sent, denied={denied: ("16", "MA130")}), encoding="ascii")
    tab = view.claims_tab
    view.tabs.setCurrentWidget(tab)
    tab.start_import(tmp_path / "a.277")
    tab.start_import(tmp_path / "a.835")
    assert answers.informed[-1].startswith("835: ") and "Denied: 1" in answers.informed[-1]
    assert tab.views[0].claim_id == denied and tab.views[0].status == "denied"
    assert tab.table.item(0, 4).text() == "Denied"
    assert "CARC 16" in tab.table.item(0, 5).text()
    tab.table.selectRow(0)
    assert "Payer's claim number" in tab.detail.text()

    # the clerk replaces the denied claim after fixing the record
    answers.save_path = tmp_path / "fix.x12"
    tab.correct("replace")
    assert "*34:A:7*" in (tmp_path / "fix-FFS.x12").read_text(encoding="ascii")
    assert denied not in [v.claim_id for v in tab.views if v.frequency == "1"]

    # a bad file changes nothing and says why in a sentence
    (tmp_path / "bad.835").write_text("ISA*garbage", encoding="ascii")
    tab.start_import(tmp_path / "bad.835")
    assert answers.informed[-1] == "This is not an X12 file: its ISA header is missing or cut short."


def test_the_chart_records_the_members_payer(billing_store: dict[str, int], login_as: Any, main_window: Any,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from hhdesk.services import payers
    from hhdesk.ui.dialogs import common
    from hhdesk.ui.views.chart_enrolment import EnrolmentTab

    window = main_window(login_as("clerk"))
    member_id = billing_store["no_consent"]
    window.open_member(member_id, tab="enrolment")
    tab = window.findChild(EnrolmentTab)
    assert tab is not None and tab.payer_button.isVisibleTo(tab)
    assert tab.payers.rowCount() == 1 and "FFS" in tab.payers.item(0, 1).text()
    dialog = tab.open_payer_dialog()
    dialog.payer.setCurrentIndex(dialog.payer.findData("PLAN1"))
    assert dialog.save()
    assert tab.payers.rowCount() == 2 and "PLAN1" in tab.payers.item(0, 1).text()
    assert [p.payer_code for p in payers.member_payers(window.app, member_id)] == ["PLAN1", "FFS"]
    monkeypatch.setattr(common, "confirm", lambda *_args: True)
    tab.payers.selectRow(0)
    assert tab.remove_selected_payer()
    assert tab.payers.rowCount() == 1
