"""Screenshots of the forms that keep work and dates safe, at the 1366x768 of a clinic laptop, from a demo store.

A date that is not one refused under the contact form; the lock screen keeping a half-typed note; the Save /
Discard / Cancel question on closing a chart; the consent dialog opened from the billing preview; the Add
user dialog saying a problem once; Help › Keyboard shortcuts; the checklist's due time in plain words.

Run under a virtual display:
    xvfb-run -s "-screen 0 1366x768x24" .venv/bin/python -m tests.ui.form_screenshots docs/screenshots
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from hhdesk.clock import AgencyClock
from hhdesk.domain.enums import ConsentKind, CoreService, TransitionSetting
from hhdesk.domain.service_month import ServiceMonth
from hhdesk.services import transitions, users
from hhdesk.services.transitions import EpisodeInput
from hhdesk.ui import workers
from hhdesk.ui.dialogs import common
from hhdesk.ui.dialogs.users import AddUserDialog
from tests.ui.immediate_pool import ImmediatePool
from tests.ui.screenshot_support import (
    demo_login,
    find_member,
    out_dir_argument,
    save,
    screenshot_session,
    settle,
    show_main_window,
)

WIDTH, HEIGHT = 1366, 768
CARE_MANAGER = "mperez"


def main(out_dir: Path) -> int:
    workers.use_pool(ImmediatePool())
    with screenshot_session(out_dir) as (application, scratch):
        app = demo_login(scratch, CARE_MANAGER, members=60)
        window = show_main_window(application, app, WIDTH, HEIGHT - 40)
        member = find_member(app)

        # A date that is not one: refused with a sentence, kept as typed, nothing saved.
        window.open_member(member.member_id, "contacts")
        chart = window.member_views()[0]
        chart.resize(WIDTH - 60, HEIGHT - 70)
        contacts_tab = chart.page("contacts")
        contacts_tab.service_boxes[CoreService.CM].setChecked(True)
        contacts_tab.note.setPlainText("Talked about the housing voucher; she will bring the letter on Monday.")
        contacts_tab.date_edit.setText("11/31/2026")
        contacts_tab.date_edit.commit()
        contacts_tab.save()
        settle(application)
        save(chart, out_dir / "contact-form-date-refused.png")

        # The lock keeps the half-typed note, hidden.
        contacts_tab.date_edit.set_value(contacts_tab.today)
        window.lock("Locked after 15 minutes without activity.")
        settle(application)
        save(window, out_dir / "lock-keeps-unsaved-work.png")
        window.try_unlock(users_password())
        settle(application)

        # Closing the chart with the note still unsaved asks first.
        box = common.save_discard_cancel_box(chart, "Unsaved changes",
                                             "The contact form has changes that are not saved. Save them before "
                                             f"closing {chart.chart.display_name}'s chart?")
        box.show()
        settle(application)
        save(box, out_dir / "unsaved-changes-question.png")
        box.close()

        # The checklist's due time in the user's words; the rule it comes from is in the tooltip.
        episode_for(app, member.member_id)
        chart.member_changed()
        transitions_tab = chart.show_tab("transitions")
        transitions_tab.refresh()
        episode = transitions_tab.selected_episode()
        row = next(n for n, item in enumerate(episode.items) if item.key == "member_contacted")
        transitions_tab.checklist.selectRow(row)
        settle(application)
        save(chart, out_dir / "checklist-due-in-plain-words.png")
        contacts_tab.cancel_edit()
        chart.close()
        settle(application)

        # Help › Keyboard shortcuts.
        dialog = window.show_shortcuts()
        settle(application)
        save(dialog, out_dir / "keyboard-shortcuts.png")
        dialog.close()
        window.close()
        settle(application)

        # The consent dialog opened from the billing preview: dated the month's last day, and it says so.
        clerk = users.login(app.store.path, "tkowalski", users_password())
        window = show_main_window(application, clerk, WIDTH, HEIGHT - 40)
        window.show_section("billing")
        month = ServiceMonth.of(transitions.local_now(AgencyClock()).date()).previous()
        window.open_member(member.member_id, "enrolment", billing_month=month)
        consent = window.member_views()[0].page("enrolment").open_consent_dialog(ConsentKind.CONSENT)
        settle(application)
        save(consent, out_dir / "consent-from-billing-preview.png")
        consent.done(0)
        window.close()
        settle(application)

        # Add user: a problem said once, beside its field; the role's help shown whole.
        admin = users.login(app.store.path, "demo", "demo-password")
        add_user = AddUserDialog(admin)
        add_user.show()
        add_user.username.setText("jrivera")
        add_user.full_name.setText("Julia Rivera")
        add_user.role.setCurrentIndex(add_user.role.findData("supervisor"))
        add_user.passwords.first.setText("a long first-day phrase")
        add_user.passwords.second.setText("a long first-day phrasf")
        add_user._submit()  # what the Add user button runs
        settle(application)
        save(add_user, out_dir / "add-user-problem-once.png")
        add_user.done(0)
        users.logout(admin)
    return 0


def users_password() -> str:
    from hhdesk.tools.demo import DEMO_STAFF_PASSWORD

    return DEMO_STAFF_PASSWORD


def episode_for(app, member_id: int) -> None:
    """A psychiatric stay, discharged yesterday afternoon."""
    now = transitions.local_now(AgencyClock()).replace(second=0, microsecond=0)
    notified = (now - timedelta(days=4)).replace(hour=9, minute=40)
    view = transitions.open_episode(app, member_id, EpisodeInput(
        TransitionSetting.INPATIENT_PSYCHIATRIC, notified.date(), notified, "Phone call from the facility",
        facility_name="Samaritan Hospital, behavioural health unit"), now=notified + timedelta(minutes=25))
    discharged = (now - timedelta(days=1)).replace(hour=15, minute=10)
    transitions.record_discharge(app, view.episode_id, discharged, "Home with family", now=now)


if __name__ == "__main__":
    sys.exit(main(out_dir_argument()))
