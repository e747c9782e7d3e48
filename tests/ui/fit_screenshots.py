"""Screenshots of the worklist and the chart's care-plan tab as a care manager sees them, on a demo store: on a
clinic laptop (1366x768, taskbar 40 px) at 150 % scaling, and at 1600x1000 at 100 %. Nothing may be cut off
or push the screen sideways.

Offscreen (no display needed), once per size:
    QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=1.5 .venv/bin/python -m tests.ui.fit_screenshots docs/screenshots
    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.fit_screenshots docs/screenshots

At 150 % the pictures are named *-1366x768-150pct.png, at 100 % *-1600x1000.png.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QTreeWidgetItem, QWidget

from hhdesk.ui import window_placement, workers
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


def placed(application: QApplication, window: QWidget, area: QRect) -> None:
    window.setGeometry(area)
    window.show()
    settle(application, 12)


def first_intervention(item: QTreeWidgetItem) -> QTreeWidgetItem:
    """The first leaf under `item` (need > goal > intervention): its form shows the Responsible box."""
    child = item.child(0)
    return item if child is None else first_intervention(child)


def main(out_dir: Path) -> int:
    scale = float(os.environ.get("QT_SCALE_FACTOR", "1") or "1")
    if scale > 1:
        area, suffix = QRect(0, 0, round(1366 / scale), round((768 - 40) / scale)), "1366x768-150pct"
    else:
        area, suffix = QRect(0, 0, 1600, 1000), "1600x1000"
    workers.use_pool(ImmediatePool())
    with screenshot_session(out_dir) as (application, scratch):
        window_placement.available_geometry = lambda widget: QRect(area)
        app = demo_login(scratch, CARE_MANAGER, members=120)
        member = find_member(app)

        window = MainWindow(app)
        placed(application, window, area)
        window.show_section("worklist")
        settle(application, 12)
        save(window, out_dir / f"worklist-{suffix}.png")

        chart = MemberChartWindow(app, member.member_id, "care_plan")
        placed(application, chart, area)
        tab = chart.show_tab("care_plan")
        tree = tab.editor.tree  # type: ignore[union-attr]
        top = tree.topLevelItem(0)
        if top is not None:
            tree.setCurrentItem(first_intervention(top))
        settle(application, 12)
        save(chart, out_dir / f"chart-care-plan-{suffix}.png")
        chart.close()
        close_main_window(application, window)
    return 0


if __name__ == "__main__":
    sys.exit(main(out_dir_argument()))
