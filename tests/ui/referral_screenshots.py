"""Screenshots of the referral window parts and a page image of the letter, from a demo store.

A care manager (María Pérez) makes a housing referral for José Núñez through the New referral dialog,
records the agency's acceptance and the completion, then looks at the Referrals section.

Run under a virtual display (pdftoppm from poppler-utils makes the letter's page image):
    xvfb-run -s "-screen 0 1400x900x24" .venv/bin/python -m tests.ui.referral_screenshots docs/screenshots
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("HHDESK_INSECURE_FAST_KDF", "1")

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from hhdesk.demo import DEMO_STAFF_PASSWORD, build_demo_store  # noqa: E402
from hhdesk.domain.enums import ReferralCategory, ReferralStatus  # noqa: E402
from hhdesk.services import caseload, referrals, users  # noqa: E402
from hhdesk.ui import workers  # noqa: E402
from hhdesk.ui.app import make_application  # noqa: E402
from hhdesk.ui.main_window import MainWindow  # noqa: E402
from hhdesk.ui.views.member_chart import MemberChartWindow  # noqa: E402
from hhdesk.ui.views.referrals_tab import MemberReferralsTab  # noqa: E402

CARE_MANAGER = "mperez"


def settle(application: QApplication, rounds: int = 8) -> None:
    for _ in range(rounds):
        application.processEvents()


def save(widget: QWidget, out: Path) -> None:
    widget.grab().save(str(out), "PNG")
    print(f"wrote {out} ({out.stat().st_size // 1024} KB)")


def main(out_dir: Path) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["HHDESK_DATA_DIR"] = scratch
        application = make_application()
        path = Path(scratch) / "demo.hhdesk"
        build_demo_store(path, members=80)
        app = users.login(path, CARE_MANAGER, DEMO_STAFF_PASSWORD)
        found = caseload.search(app, caseload.CaseloadQuery(text="nunez jose", limit=5))
        member = found[0]
        today = date.today()

        window = MainWindow(app)
        window.resize(1320, 860)
        window.show()
        settle(application)

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
        dialog.sent_on.setDate(dialog.sent_on.date().addDays(-24))
        dialog.consent.setChecked(True)
        settle(application)
        if "--extras" in sys.argv:
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
        if "--extras" in sys.argv:
            save(status_dialog, out_dir / "extra-status-change.png")
        status_dialog.save()
        settle(application)
        save(holder, out_dir / "referrals-tab.png")

        pdf = referrals.print_letter(app, detail.referral_id)
        letter = Path(scratch) / "letter.pdf"
        letter.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "1", "-singlefile", str(letter),
                        str(out_dir / "referral-letter")], check=True)
        print(f"wrote {out_dir / 'referral-letter.png'}")

        referrals.change_status(app, detail.referral_id, ReferralStatus.COMPLETED, today - timedelta(days=3),
                                outcome="Moved into a ground-floor apartment on Congress Street.")
        holder.close()
        section = window.show_section("referrals")
        section.refresh()  # type: ignore[attr-defined]
        settle(application)
        save(window, out_dir / "referrals-section.png")
        window.close()
        settle(application)
        workers.wait_for_all()  # the backup at close must finish before the scratch folder goes
        settle(application)
    return 0


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    sys.exit(main(Path(arguments[0] if arguments else "docs/screenshots")))
