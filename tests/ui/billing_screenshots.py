"""Screenshots of the Billing section, from a demo store, as the billing clerk (Tomasz Kowalski) sees it.

billing-preview.png: last month's preview with totals; billing-not-billable.png: "Not billable only" with a
member whose consent is missing selected; billing-history.png: the export history after a claim export (one
file per payer) and a repeat with its reason; billing-hh-plus-aot.png: a Health Home Plus month under an AOT
order, below its minimum; billing-settings-rates.png: the dated amounts with their sources and the Confirmed
column (as the administrator); member-chart-billing-facts.png: the Enrolment tab's Billing facts box of that
member; billing-claims.png: Claims and payments, the denied-and-unpaid list after a 277CA and an 835 for the
month were imported; billing-payer-chart.png: the member's Medicaid payer on the chart's Enrolment tab.

Run under a virtual display:
    xvfb-run -s "-screen 0 1400x900x24" .venv/bin/python -m tests.ui.billing_screenshots docs/screenshots
"""

from __future__ import annotations

from pathlib import Path

from hhdesk.domain.enums import BillingReason
from hhdesk.services import billing, users
from hhdesk.services.billing import ExportFormat
from hhdesk.tools.demo import DEMO_PASSWORD, DEMO_USER
from hhdesk.ui import workers
from hhdesk.ui.views.billing import BillingView
from tests.ui.immediate_pool import ImmediatePool
from tests.ui.screenshot_support import (
    demo_login,
    out_dir_argument,
    save,
    screenshot_session,
    settle,
    show_main_window,
)

CLERK = "tkowalski"


def main(out_dir: Path) -> int:
    workers.use_pool(ImmediatePool())  # the picture is of the result, not of a progress dialog
    from hhdesk.ui.dialogs import common

    common.inform = lambda *_args: None  # the import's summary box would wait for a click
    with screenshot_session(out_dir) as (application, scratch):
        app = demo_login(scratch, CLERK, members=160)
        window = show_main_window(application, app, 1600, 900)
        view = window.show_section("billing")
        assert isinstance(view, BillingView)
        settle(application)
        save(window, out_dir / "billing-preview.png")

        view.not_billable_only.setChecked(True)
        settle(application)
        for item in view.visible_rows():
            if item.reason is BillingReason.NO_CONSENT:
                view.select_member(item.member_id)
                break
        settle(application)
        save(window, out_dir / "billing-not-billable.png")

        month = view.selected_month()
        outcome = billing.export(app, month, ExportFormat.X12_837I, scratch / f"billing-{month}-837i.x12")
        billing.export(app, month, ExportFormat.X12_837I, scratch / f"billing-{month}-837i-2.x12",
                       reason="Clearinghouse rejected the first file (wrong submitter ID)")
        billing.export(app, month, ExportFormat.CSV, scratch / f"billing-{month}-csv.csv")
        view.refresh()
        view.tabs.setCurrentIndex(1)
        view.history_table.selectRow(1)  # the repeat, with its reason
        settle(application)
        save(window, out_dir / "billing-history.png")

        view.tabs.setCurrentIndex(0)
        view.not_billable_only.setChecked(False)
        settle(application)
        aot = next((item for item in view.visible_rows() if item.evaluation.hh_plus_population == "aot"), None)
        if aot is not None:
            view.select_member(aot.member_id)
            settle(application)
            save(window, out_dir / "billing-hh-plus-aot.png")
        from tests.exports.x12_response_factory import read_claim_file, write_277ca, write_835

        biggest = max(outcome.runs, key=lambda run: run.billable_count)
        sent = read_claim_file(Path(biggest.file_name).read_text(encoding="ascii"))
        denied = {sent.claims[0].claim_id: ("16", "MA130"), sent.claims[3].claim_id: ("29", "")}
        (scratch / "month.277").write_text(write_277ca(sent, rejected={sent.claims[5].claim_id}), encoding="ascii")
        (scratch / "month.835").write_text(write_835(sent, denied=denied,
                                                     reduced={sent.claims[1].claim_id: "150.00"}), encoding="ascii")
        view.tabs.setCurrentWidget(view.claims_tab)
        view.claims_tab.start_import(scratch / "month.277")
        view.claims_tab.start_import(scratch / "month.835")
        view.claims_tab.table.selectRow(0)
        settle(application)
        save(window, out_dir / "billing-claims.png")

        member_id = view.claims_tab.views[0].member_id
        window.open_member(member_id, tab="enrolment")
        chart = window.member_views()[0]
        chart.resize(1280, 900)
        settle(application)
        save(chart, out_dir / "billing-payer-chart.png")
        window.close()
        settle(application)
        app.close()

        admin = users.login(scratch / "demo.hhdesk", DEMO_USER, DEMO_PASSWORD)
        window = show_main_window(application, admin, 1600, 1000)
        view = window.show_section("billing")
        assert isinstance(view, BillingView) and view.settings_tab is not None
        view.tabs.setCurrentWidget(view.settings_tab)
        settle(application)
        save(window, out_dir / "billing-settings-rates.png")
        if aot is not None:
            window.open_member(aot.member_id, "enrolment")
            settle(application)
            chart = next(v for v in window.member_views() if v.member_id == aot.member_id)
            chart.resize(1600, 1000)
            tab = chart.show_tab("enrolment")
            tab.billing_facts.orders.selectRow(0)
            settle(application)
            save(chart, out_dir / "member-chart-billing-facts.png")
        window.close()
        settle(application)
        admin.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(out_dir_argument()))
