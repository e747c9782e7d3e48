"""Every place that opens a member at a tab names a tab the chart really has."""

from __future__ import annotations

from hhdesk.services import worklist
from hhdesk.ui.views.member_chart import CHART_TABS


def test_worklist_tabs_exist_in_the_chart() -> None:
    keys = {spec.key for spec in CHART_TABS}
    named = {value for name, value in vars(worklist).items() if name.startswith("TAB_")}
    assert named and named <= keys
