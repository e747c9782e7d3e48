"""Screenshots of every main screen on a clinic laptop: 1366×768 with a 40-pixel taskbar, at 100 % and at
150 % scaling, from a demo store. They show what a care manager and an administrator see on first use, and
whether every button is on the screen.

Run under a virtual display of that size (pdftoppm is not needed):
    xvfb-run -s "-screen 0 1366x768x24" .venv/bin/python -m tests.ui.laptop_screenshots docs/screenshots
    QT_SCALE_FACTOR=1.5 xvfb-run -s "-screen 0 1366x768x24" .venv/bin/python -m tests.ui.laptop_screenshots \
        docs/screenshots

At 100 % the pictures are named laptop-*.png, at 150 % laptop150-*.png.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from hhdesk.services import careplans, printing, users
from hhdesk.tools.demo import DEMO_PASSWORD, DEMO_USER
from hhdesk.ui import window_placement, workers
from hhdesk.ui.dialogs.pdf_preview import PdfPreviewDialog
from hhdesk.ui.main_window import MainWindow
from hhdesk.ui.views.member_chart import MemberChartWindow
from tests.ui.immediate_pool import ImmediatePool
from tests.ui.screenshot_support import (
    close_main_window,
    demo_login,
    find_member,
    out_dir_argument,
    save,
    screenshot_session,
    settle,
)

CARE_MANAGER = "mperez"
TASKBAR = 40  # device pixels, as on Windows at 100 %


def laptop_area() -> QRect:
    """The screen less a taskbar along the bottom, in Qt's logical pixels."""
    screen = QGuiApplication.primaryScreen()
    full = screen.geometry()
    taskbar = round(TASKBAR / screen.devicePixelRatio())
    return QRect(full.x(), full.y(), full.width(), full.height() - taskbar)


def maximised(application: QApplication, window: QWidget) -> None:
    """What a user does first on a small screen: the window takes all the room there is."""
    window.setGeometry(laptop_area().adjusted(0, 0, 0, 0))
    window.show()
    settle(application, 12)


def main(out_dir: Path) -> int:
    scaled = os.environ.get("QT_SCALE_FACTOR", "1") not in ("", "1", "1.0")
    prefix = "laptop150" if scaled else "laptop"
    workers.use_pool(ImmediatePool())
    with screenshot_session(out_dir) as (application, scratch):
        window_placement.available_geometry = lambda _widget: laptop_area()  # the taskbar Xvfb does not have
        app = demo_login(scratch, CARE_MANAGER, members=120)
        member = find_member(app)

        window = MainWindow(app)
        maximised(application, window)
        window.show_section("worklist")
        settle(application)
        save(window, out_dir / f"{prefix}-worklist.png")

        chart = MemberChartWindow(app, member.member_id, "profile")
        maximised(application, chart)
        for key in ("profile", "contacts", "care_plan", "transitions", "referrals") if not scaled else (
                "contacts", "care_plan", "referrals"):
            chart.show_tab(key)
            settle(application)
            save(chart, out_dir / f"{prefix}-chart-{key.replace('_', '-')}.png")
        chart.close()

        versions = careplans.list_versions(app, member.member_id)
        signed = next((v for v in versions if v.status.value == "active"), None)
        if signed is not None:
            preview = PdfPreviewDialog(printing.packet_pdf(app, member.member_id), "Care plan packet",
                                       "packet.pdf")
            preview.show()
            settle(application, 40, 0.05)
            save(preview, out_dir / f"{prefix}-pdf-preview.png")
            preview.close()
        window.close()
        settle(application)
        workers.wait_for_all()

        admin = users.login(scratch / "demo.hhdesk", DEMO_USER, DEMO_PASSWORD)
        window = MainWindow(admin)
        maximised(application, window)
        keys = [k for k in window.section_keys() if k != "worklist"] if not scaled else [
            "caseload", "referrals", "directory", "billing"]
        for key in keys:
            window.show_section(key)
            settle(application)
            save(window, out_dir / f"{prefix}-{key}.png")
        close_main_window(application, window)
    return 0


if __name__ == "__main__":
    sys.exit(main(out_dir_argument()))
