"""Screenshots of the caseload as a supervisor sees it, with the figures per care manager under the list and
the Export… button, on a demo store, at a laptop's 1366x768 and at 1600x1000.

Run under a virtual display as large as the larger picture:
    xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python -m tests.ui.export_screenshots docs/screenshots
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.ui.screenshot_support import (
    demo_login,
    out_dir_argument,
    save,
    screenshot_session,
    settle,
    show_main_window,
)

SUPERVISOR = "rgoldberg"
SIZES = ((1366, 768), (1600, 1000))


def main(out_dir: Path) -> int:
    with screenshot_session(out_dir) as (application, scratch):
        app = demo_login(scratch, SUPERVISOR, members=400)
        window = show_main_window(application, app, *SIZES[0])
        caseload = window.show_section("caseload")
        for width, height in SIZES:
            window.resize(width, height)
            caseload.refresh()
            settle(application)
            save(window, out_dir / f"caseload-supervisor-counts-{width}x{height}.png")
        window.hide()  # not closed: closing starts the daily backup, racing the scratch folder's removal
        settle(application)
        app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(out_dir_argument()))
