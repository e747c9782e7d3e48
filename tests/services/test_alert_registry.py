"""The member header's alerts: every feature's provider is registered, in the header's order, by importing
the member record alone (as `hhdesk member show` does)."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_member_record_registers_every_header_alert_in_order() -> None:
    done = subprocess.run([sys.executable, "-c", "import hhdesk.services.members\n"
                           "from hhdesk.services import alerts\nprint(' '.join(alerts.providers()))"],
                          capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["consent", "care_plan", "care_plan_review", "tier", "eligibility",
                                   "care_manager", "contacts_month"]
