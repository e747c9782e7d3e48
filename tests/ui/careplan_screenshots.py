"""Screenshots of the Care plan tab, the comparison of two versions, the PDF preview, and page 1 of a packet.

From a demo store: José Núñez's care manager (María Pérez) starts a new version of his plan from the active
one, rewrites a goal in his words, marks another one met, adds an intervention, and compares the versions;
then previews the packet. The packet's first page is made into a PNG with pdftoppm (poppler-utils), and
pdffonts lists the packet's fonts.

Run under a virtual display:
    xvfb-run -s "-screen 0 1400x900x24" .venv/bin/python -m tests.ui.careplan_screenshots docs/screenshots
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from hhdesk.domain.careplan import PlanIntervention, insert_item, item_at, replace_item
from hhdesk.domain.enums import GoalStatus
from hhdesk.services import careplans, printing, users
from hhdesk.ui import workers
from hhdesk.ui.views.member_chart import MemberChartWindow
from tests.ui.immediate_pool import ImmediatePool
from tests.ui.screenshot_support import (
    demo_login,
    find_member,
    out_dir_argument,
    save,
    save_first_page,
    screenshot_session,
    settle,
)

CARE_MANAGER = "mperez"


def main(out_dir: Path) -> int:
    workers.use_pool(ImmediatePool())  # the preview appears before we take its picture
    with screenshot_session(out_dir) as (application, scratch):
        app = demo_login(scratch, CARE_MANAGER, members=80)
        member = find_member(app)
        versions = careplans.list_versions(app, member.member_id)
        if any(v.status.value == "draft" for v in versions):
            careplans.discard_draft(app, next(v.id for v in versions if v.status.value == "draft"))

        chart = MemberChartWindow(app, member.member_id, "care_plan")
        chart.resize(1280, 860)
        chart.show()
        settle(application)
        tab = chart.page("care_plan")
        tab.new_version()
        editor = tab.editor
        content = editor.content()
        # The care manager's edits, as the forms would make them.
        first_goal = item_at(content, (0, 0))
        content = replace_item(content, (0, 0), replace(
            first_goal, text="Quiero caminar 20 minutos cada mañana con mi hermana, sin dolor en los pies",
            status=GoalStatus.IN_PROGRESS))
        if len(content.needs) > 1 and content.needs[1].goals:
            content = replace_item(content, (1, 0), replace(item_at(content, (1, 0)), status=GoalStatus.MET))
            content, _ = insert_item(content, (1, 0), PlanIntervention(
                "Call him the day before each appointment", responsible_label="María Pérez", frequency="Monthly"))
        editor._push(content, "edit goal", (0, 0))
        editor.select((0, 0))
        settle(application)
        save(chart, out_dir / "care-plan-editor.png")

        tab.save_draft()
        settle(application)
        tab.compare()
        settle(application)
        tab.compare_dialog.resize(900, 620)
        settle(application)
        save(tab.compare_dialog, out_dir / "care-plan-compare.png")
        tab.compare_dialog.close()

        tab.show_version_no(tab.version.version_no - 1)  # the active, signed version
        tab.preview("packet")
        settle(application, 20)
        dialog = tab.preview_dialog
        dialog.resize(900, 1000)
        settle(application, 40, 0.05)
        save(dialog, out_dir / "pdf-preview.png")
        dialog.close()

        packet = save_first_page(printing.packet_pdf(app, member.member_id), scratch, out_dir / "packet-page1")
        print(subprocess.run(["pdffonts", str(packet)], check=True, capture_output=True, text=True).stdout)
        chart.close()
        users.logout(app)
    return 0


if __name__ == "__main__":
    sys.exit(main(out_dir_argument()))
