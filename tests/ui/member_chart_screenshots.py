"""Screenshots of the member chart, the Directory and the roster import, with fictional people.

Run under a virtual display:
    xvfb-run -s "-screen 0 1400x900x24" .venv/bin/python -m tests.ui.member_chart_screenshots docs/screenshots
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

from hhdesk.clock import AgencyClock
from hhdesk.domain.enums import ConsentKind, EndReason, Tier
from hhdesk.services import directory, enrolment, members, roster_import, users
from hhdesk.services.context import AppSession
from hhdesk.services.directory import DirectoryEntryInput
from hhdesk.services.enrolment import AttachmentFile
from hhdesk.services.members import MemberDetails
from hhdesk.services.settings import AgencyInfo
from hhdesk.ui import workers
from tests.services.roster_factory import HEADER, medicaid_id, roster_line
from tests.ui.immediate_pool import ImmediatePool
from tests.ui.screenshot_support import out_dir_argument, save, screenshot_session, settle, show_main_window

PASSWORD = "a long example passphrase"
TODAY = AgencyClock().today()


def months_ago(months: int, day: int = 1) -> date:
    year, month = divmod(TODAY.year * 12 + TODAY.month - 1 - months, 12)
    return date(year, month + 1, day)


DIRECTORY = [
    DirectoryEntryInput("Dr. Amara Okafor", "person", "Hudson Family Health Center", "Family medicine", "1234567893",
                        "(518) 555-0142", "(518) 555-0143", "", "120 Lark Street", "", "Albany", "NY", "12210",
                        ("pcp",)),
    DirectoryEntryInput("Dr. Samuel Brenner", "person", "Capital Behavioral Health", "Psychiatry", "", "(518) 555-0171",
                        "(518) 555-0172", "", "44 Central Avenue", "", "Albany", "NY", "12206",
                        ("behavioural_health",)),
    DirectoryEntryInput("Rivera, Sam (LCSW)", "person", "Capital Behavioral Health", "Therapy", "", "(518) 555-0173",
                        "", "", "44 Central Avenue", "", "Albany", "NY", "12206", ("behavioural_health",)),
    DirectoryEntryInput("Capital Pharmacy", "organisation", "", "", "", "(518) 555-0190", "(518) 555-0191", "",
                        "300 Western Avenue", "", "Albany", "NY", "12203", ("pharmacy",)),
    DirectoryEntryInput("Hudson Housing Coalition", "organisation", "", "Supportive housing", "", "(518) 555-0120",
                        "", "intake@hhc.example", "9 Clinton Avenue", "", "Albany", "NY", "12207",
                        ("housing", "benefits")),
    DirectoryEntryInput("Albany Regional Food Bank", "organisation", "", "", "", "(518) 555-0133", "", "",
                        "965 Albany Shaker Road", "", "Latham", "NY", "12110", ("food",)),
    DirectoryEntryInput("St. Peter's Hospital", "organisation", "", "Acute care", "", "(518) 555-0100",
                        "(518) 555-0101", "", "315 South Manning Blvd", "", "Albany", "NY", "12208", ("hospital",)),
    DirectoryEntryInput("Fidelis Care — care management", "organisation", "", "Managed care plan", "",
                        "(518) 555-0160", "(518) 555-0161", "", "", "", "Albany", "NY", "", ("mco",)),
    DirectoryEntryInput("CDTA Paratransit (STAR)", "organisation", "", "", "", "(518) 555-0155", "", "", "", "",
                        "Albany", "NY", "", ("transportation",)),
]


def build_store(folder: Path) -> tuple[Path, int]:
    path = folder / "demo.hhdesk"
    users.create_store(path, AgencyInfo(name="Hudson Valley Health Home", city="Albany", state="NY"), "dana",
                       PASSWORD, "Dana Whitfield")
    app = users.login(path, "dana", PASSWORD)
    for username, name, role in (("cmartinez", "Carla Martinez", "care_manager"), ("mhall", "Marcus Hall",
                                 "care_manager"), ("jokafor", "Joy Okafor", "supervisor")):
        users.add_user(app, username, role, PASSWORD, full_name=name)
    entries = {e.name: directory.create_entry(app, e).id for e in DIRECTORY}
    roster = HEADER + "\n" + "\n".join(
        roster_line(n, care_manager=["cmartinez", "mhall", ""][n % 3], segment="outreach" if n % 4 == 0 else "enrolled")
        for n in range(1, 40)) + "\n"
    roster_import.import_roster(app, roster)
    member_id = demo_member(app, entries)
    users.logout(app)
    return path, member_id


def demo_member(app: AppSession, entries: dict[str, int]) -> int:
    created = members.create_member(app, MemberDetails(
        medicaid_id="AB12345C", last_name="Núñez", first_name="José", preferred_name="Pepe", dob=date(1961, 4, 2),
        sex="M", language="Spanish", interpreter_needed=True, address_line1="27 Elm Street", city="Albany",
        state="NY", zip="12202", phone="(518) 555-0141", plan_id="Fidelis Care"), care_manager="cmartinez")
    member_id = created.member_id
    assert member_id is not None
    for code in ("F20.9", "E11.9", "I10"):
        enrolment.add_condition(app, member_id, icd10=code, noted_on=months_ago(16, 4))
    enrolment.add_condition(app, member_id, icd10="E66.9", at_risk=True, noted_on=months_ago(10, 12))
    enrolment.set_appropriateness(app, member_id, ["inpatient_discharge_6_months", "treatment_non_adherence"])
    scan = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    enrolment.start_outreach(app, member_id, months_ago(16, 4))
    enrolment.record_consent(app, member_id, ConsentKind.CONSENT, "DOH-5055", months_ago(15, 10), signed_by="Member",
                             file=AttachmentFile("DOH-5055 Nunez signed.pdf", scan))
    enrolment.enrol(app, member_id, months_ago(15, 15))
    enrolment.set_tier(app, member_id, Tier.HIGH_RISK, months_ago(15, 15))
    enrolment.disenrol(app, member_id, months_ago(8, 1) - timedelta(days=1), EndReason.UNABLE_TO_LOCATE)
    enrolment.start_outreach(app, member_id, months_ago(6, 2))
    enrolment.record_consent(app, member_id, ConsentKind.CONSENT, "DOH-5055", months_ago(5, 1), signed_by="Member")
    enrolment.re_enrol(app, member_id, months_ago(5, 6))
    enrolment.set_tier(app, member_id, Tier.HH_PLUS, months_ago(5, 6), "After the psychiatric admission")
    for name, role, consent in (("Dr. Amara Okafor", "pcp", True), ("Dr. Samuel Brenner", "psychiatrist", True),
                                ("Rivera, Sam (LCSW)", "therapist", True), ("Capital Pharmacy", "pharmacist", False),
                                ("Hudson Housing Coalition", "housing_case_worker", True)):
        directory.add_to_care_team(app, member_id, entries[name], role, consent)
    return member_id


def main(out_dir: Path) -> int:
    with screenshot_session(out_dir) as (application, scratch):
        workers.use_pool(ImmediatePool())  # each background job ends before the picture is taken
        path, member_id = build_store(scratch)
        window = show_main_window(application, users.login(path, "dana", PASSWORD), 1280, 780)

        window.open_member(member_id, "enrolment")
        chart = window.member_views()[0]
        chart.resize(1180, 820)
        settle(application)
        save(chart, out_dir / "member-chart-enrolment.png")

        conditions = chart.show_tab("conditions")
        enrolment.preload_icd10()
        conditions.search.setText("diabetes type 2")
        conditions.run_search()
        settle(application)
        save(chart, out_dir / "member-chart-conditions.png")
        conditions.search.clear()

        chart.show_tab("care_team")
        settle(application)
        save(chart, out_dir / "member-chart-care-team.png")

        chart.show_tab("profile")
        settle(application)
        save(chart, out_dir / "member-chart-profile.png")
        chart.close()
        settle(application)

        window.show_section("directory")
        settle(application)
        save(window, out_dir / "directory.png")

        roster = scratch / "roster-november.csv"
        lines = [roster_line(n, care_manager="mhall") for n in range(30, 90)]
        lines.append(roster_line(7, segment="outreach", start=TODAY - timedelta(days=3), consent=False))
        roster.write_text(HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
        caseload = window.show_section("caseload")
        dialog = caseload.open_roster_import()  # type: ignore[attr-defined]
        dialog.set_file(roster)
        settle(application)
        save(dialog, out_dir / "roster-import-preview.png")

        bad = scratch / "roster-with-errors.csv"
        broken = [roster_line(n) for n in range(90, 100)]
        broken[2] = broken[2].replace(medicaid_id(92), "12-3456")
        broken[5] = broken[5].replace(",enrolled,", ",active,")
        broken[7] = broken[7].replace("E11.9", "E99.99").replace("I10", "E99.99")
        bad.write_text(HEADER + "\n" + "\n".join(broken) + "\n", encoding="utf-8")
        dialog.set_file(bad)
        settle(application)
        save(dialog, out_dir / "roster-import-bad-lines.png")
        dialog.reject()
        window.close()
        settle(application)
    return 0


if __name__ == "__main__":
    sys.exit(main(out_dir_argument()))
