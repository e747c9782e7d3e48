"""Screenshots of the referral window parts and a page image of the letter, from a demo store.

A care manager (María Pérez) makes a housing referral for José Núñez through the New referral dialog,
records the agency's acceptance and the completion, then looks at the Referrals section.

Run under a virtual display (pdftoppm from poppler-utils makes the letter's page image):
    xvfb-run -s "-screen 0 1400x900x24" .venv/bin/python -m tests.ui.referral_screenshots docs/screenshots
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from PySide6.QtWidgets import QWidget

from hhdesk.clock import AgencyClock
from hhdesk.domain.enums import ReferralCategory, ReferralStatus
from hhdesk.services import referrals
from hhdesk.ui.views.member_chart import MemberChartWindow
from hhdesk.ui.views.referrals_tab import MemberReferralsTab
from tests.ui.screenshot_support import (
    close_main_window,
    demo_login,
    find_member,
    out_dir_argument,
    save,
    save_first_page,
    screenshot_session,
    settle,
    show_main_window,
    wants_extras,
)

CARE_MANAGER = "mperez"


def main(out_dir: Path) -> int:
    with screenshot_session(out_dir) as (application, scratch):
        app = demo_login(scratch, CARE_MANAGER, members=80)
        member = find_member(app)
        today = AgencyClock().today()

        window = show_main_window(application, app, 1320, 860)

        # The member chart, on its Referrals tab.
        chart = MemberChartWindow(app, member.member_id, "referrals")
        chart.resize(1180, 860)
        chart.show()
        tab = chart.page("referrals")
        assert isinstance(tab, MemberReferralsTab)
        holder: QWidget = chart
        settle(application)

        dialog = tab.new_referral()
        dialog.set_category(ReferralCategory.HOUSING)
        dialog.reason.setPlainText("Staying in the county shelter since March; has to leave it each morning, "
                                   "which makes his diabetes care and appointments hard to keep.")
        dialog.need.setPlainText("A ground-floor apartment he can afford on SSI, near the bus line.")
        dialog.request.setPlainText("Please add him to your supportive housing waiting list and book an intake "
                                    "appointment; he prefers mornings and Spanish-speaking staff.")
        dialog.sent_on.set_value(dialog.sent_on.value() - timedelta(days=24))
        dialog.consent.setChecked(True)
        settle(application)
        if wants_extras():
            save(dialog, out_dir / "extra-new-referral.png")
        dialog.save(print_after=False)
        settle(application)
        detail = referrals.list_referrals(app, referrals.ReferralFilter(member_id=member.member_id))[0]
        tab.select_referral(detail.referral_id)
        status_dialog = tab.change_status()
        assert status_dialog is not None
        status_dialog.set_status(ReferralStatus.ACCEPTED)
        status_dialog.set_date(today - timedelta(days=17))
        status_dialog.note.setText("Intake booked for a Tuesday morning")
        settle(application)
        if wants_extras():
            save(status_dialog, out_dir / "extra-status-change.png")
        status_dialog.save()
        settle(application)
        save(holder, out_dir / "referrals-tab.png")

        save_first_page(referrals.print_letter(app, detail.referral_id), scratch, out_dir / "referral-letter")

        referrals.change_status(app, detail.referral_id, ReferralStatus.COMPLETED, today - timedelta(days=3),
                                outcome="Moved into a ground-floor apartment on Congress Street.")
        holder.close()
        section = window.show_section("referrals")
        section.refresh()  # type: ignore[attr-defined]
        settle(application)
        save(window, out_dir / "referrals-section.png")
        close_main_window(application, window)
    return 0


if __name__ == "__main__":
    sys.exit(main(out_dir_argument()))
