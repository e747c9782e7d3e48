"""Screenshots of the contact log, the transition checklist, the worklist and the quality measures, and a
page image of the transition summary, from a demo store.

A care manager (María Pérez) has José Núñez in a psychiatric unit: the hospital called three days ago, he
was discharged yesterday afternoon; some checklist items are done, one does not apply, some are overdue.

Run under a virtual display (pdftoppm from poppler-utils makes the page image):
    xvfb-run -s "-screen 0 1400x900x24" .venv/bin/python -m tests.ui.care_screenshots docs/screenshots
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from hhdesk.clock import AgencyClock
from hhdesk.domain.date_entry import add_months
from hhdesk.domain.enums import ContactMode, CoreService, TransitionSetting, WithWhom
from hhdesk.services import contacts, transitions
from hhdesk.services.contacts import ContactInput
from hhdesk.services.transitions import EpisodeInput
from hhdesk.ui.views.contacts_tab import ContactsTab
from hhdesk.ui.views.member_chart import MemberChartWindow
from hhdesk.ui.views.transitions_tab import TransitionsTab
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


def episode_for(app, member_id: int) -> int:
    """A psychiatric stay: notified six days ago, discharged four days ago, the checklist half worked."""
    now = transitions.local_now(AgencyClock()).replace(second=0)
    notified = (now - timedelta(days=6)).replace(hour=9, minute=40)
    view = transitions.open_episode(app, member_id, EpisodeInput(
        TransitionSetting.INPATIENT_PSYCHIATRIC, notified.date(), notified, "Phone call from the facility",
        facility_name="Samaritan Hospital, behavioural health unit",
        note="Brought in by police after a crisis call; sister is the main support."),
        now=notified + timedelta(minutes=25))
    items = {item.key: item for item in view.items}
    transitions.mark_item_done(app, items["care_plan_shared"].item_id, notified + timedelta(hours=5), now=now)
    discharged = (now - timedelta(days=4)).replace(hour=15, minute=10)
    transitions.record_discharge(app, view.episode_id, discharged, "Home with family",
                                 now=discharged + timedelta(hours=2))
    transitions.mark_item_done(app, items["discharge_summary_reviewed"].item_id, discharged + timedelta(hours=20),
                               now=now)
    transitions.mark_item_not_applicable(app, items["services_arranged"].item_id,
                                         "No tests, home health or equipment ordered; lives with his sister",
                                         now=now)
    return view.episode_id


def main(out_dir: Path) -> int:
    with screenshot_session(out_dir) as (application, scratch):
        app = demo_login(scratch, CARE_MANAGER, members=80)
        member = find_member(app)
        today = AgencyClock().today()
        episode_id = episode_for(app, member.member_id)
        # The call the day after the discharge: a TC contact, which completes "member contacted".
        contacts.log_contact(app, member.member_id, ContactInput(
            today - timedelta(days=3), ContactMode.PHONE, WithWhom.FAMILY, 20, frozenset({CoreService.TC}),
            "Spoke with his sister: home, has the discharge papers and 7 days of medicines."))

        window = show_main_window(application, app, 1320, 860)

        chart = MemberChartWindow(app, member.member_id, "contacts")
        chart.resize(1240, 900)
        chart.show()
        tab = chart.page("contacts")
        assert isinstance(tab, ContactsTab)
        tab.mode_box.setCurrentIndex(tab.mode_box.findData(ContactMode.IN_PERSON))
        tab.minutes.setValue(40)
        for service in (CoreService.CM, CoreService.CC):
            tab.service_boxes[service].setChecked(True)
        tab.note.setPlainText("Home visit with his sister: went over the discharge medicines and the "
                              "follow-up visit at the clinic on Thursday.")
        tab.date_edit.setFocus()
        settle(application)
        save(chart, out_dir / "contacts-tab.png")
        if wants_extras():
            tab.mode_box.setCurrentIndex(tab.mode_box.findData(ContactMode.ATTEMPT))
            settle(application)
            save(chart, out_dir / "extra-contacts-attempt.png")

        transitions_tab = chart.show_tab("transitions")
        assert isinstance(transitions_tab, TransitionsTab)
        transitions_tab.refresh(select=episode_id)
        # Select the next item, so that the overdue one keeps its red ground in the picture.
        following = next(i for i in transitions_tab.selected_episode().items if i.key == "pcp_followup_7d")
        transitions_tab.checklist.select_key(following.item_id)
        settle(application)
        save(chart, out_dir / "transitions-checklist.png")
        chart.close()

        window.show_section("worklist")
        settle(application)
        save(window, out_dir / "worklist.png")

        quality = window.show_section("quality")
        quality.start.set_value(add_months(quality.start.value(), -9))  # type: ignore[attr-defined]
        quality.compute()  # type: ignore[attr-defined]
        settle(application)
        save(window, out_dir / "quality-measures.png")

        save_first_page(transitions.render_transition_summary_pdf(app, episode_id), scratch,
                        out_dir / "transition-summary")

        close_main_window(application, window)
    return 0


if __name__ == "__main__":
    sys.exit(main(out_dir_argument()))
