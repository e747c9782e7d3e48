"""Screenshots of the Billing section, from a demo store, as the billing clerk (Tomasz Kowalski) sees it.

billing-preview.png: last month's preview with totals; billing-not-billable.png: "Not billable only" with a
member whose consent is missing selected; billing-history.png: the export history after a claim export and
a repeat with its reason.

Run under a virtual display:
    xvfb-run -s "-screen 0 1400x900x24" .venv/bin/python -m tests.ui.billing_screenshots docs/screenshots
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HHDESK_INSECURE_FAST_KDF", "1")

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from hhdesk.demo import DEMO_STAFF_PASSWORD, build_demo_store  # noqa: E402
from hhdesk.domain.enums import BillingReason  # noqa: E402
from hhdesk.services import billing, users  # noqa: E402
from hhdesk.services.billing import ExportFormat  # noqa: E402
from hhdesk.ui import workers  # noqa: E402
from hhdesk.ui.app import make_application  # noqa: E402
from hhdesk.ui.main_window import MainWindow  # noqa: E402
from hhdesk.ui.views.billing import BillingView  # noqa: E402

CLERK = "tkowalski"


def settle(application: QApplication, rounds: int = 8) -> None:
    for _ in range(rounds):
        application.processEvents()


def save(widget: QWidget, out: Path) -> None:
    widget.grab().save(str(out), "PNG")
    print(f"wrote {out} ({out.stat().st_size // 1024} KB)")


def main(out_dir: Path) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    workers.SYNCHRONOUS = True  # the picture is of the result, not of a progress dialog
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["HHDESK_DATA_DIR"] = scratch
        application = make_application()
        path = Path(scratch) / "demo.hhdesk"
        build_demo_store(path, members=160)
        app = users.login(path, CLERK, DEMO_STAFF_PASSWORD)
        window = MainWindow(app)
        window.resize(1600, 900)
        window.show()
        settle(application)
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
        billing.export(app, month, ExportFormat.X12_837I, Path(scratch) / f"billing-{month}-837i.x12")
        billing.export(app, month, ExportFormat.X12_837I, Path(scratch) / f"billing-{month}-837i-2.x12",
                       reason="Clearinghouse rejected the first file (wrong submitter ID)")
        billing.export(app, month, ExportFormat.CSV, Path(scratch) / f"billing-{month}-csv.csv")
        view.refresh()
        view.tabs.setCurrentIndex(1)
        view.history_table.selectRow(1)  # the repeat, with its reason
        settle(application)
        save(window, out_dir / "billing-history.png")
        window.close()
        settle(application)
        app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")))
