"""The contacts import: all or nothing, line-numbered, the segment on each contact's date, 100,000 rows."""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from hhdesk.db.models import AuditEvent, Contact, EnrolmentSegment, Member
from hhdesk.domain.contacts_csv import HEADER_LINE
from hhdesk.domain.enums import ChecklistItemStatus, Role, SegmentType, TransitionSetting
from hhdesk.errors import PermissionDenied
from hhdesk.services import contacts_import, transitions
from hhdesk.services.transitions import EpisodeInput
from tests.services.care_helpers import add_member

TODAY = date(2026, 3, 20)


def contact_count(app) -> int:
    with app.read(None) as session:
        return session.execute(select(func.count(Contact.id))).scalar_one()


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text("\n".join([HEADER_LINE, *lines]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def members(admin):
    enrolled = add_member(admin, "AB12345C", segments=((SegmentType.OUTREACH, date(2026, 1, 1), date(2026, 1, 31)),
                                                       (SegmentType.ENROLLED, date(2026, 2, 1), None)))
    return {"enrolled": enrolled}


def test_a_good_file_is_imported_with_the_segment_on_each_contacts_date(admin, members, tmp_path) -> None:
    path = write(
        tmp_path,
        "AB12345C,2026-01-20,attempt,5,caremanager,member,CM,Left a message",
        "ab 12345c,2/3/2026,phone,20,CareManager,member,CM;CC,",
        'AB12345C,2026-02-04,collateral,10,supervisor,provider,TC,"Two\nlines"',
    )
    dry = contacts_import.import_contacts(admin, path, dry_run=True, today=TODAY)
    assert dry.ok and dry.rows == 3 and dry.imported == 0 and contact_count(admin) == 0
    assert "Dry run: 3 contacts for 1 members" in dry.summary()
    seen = []
    report = contacts_import.import_contacts(admin, path, today=TODAY, progress=lambda d, t, s: seen.append((d, t)))
    assert report.ok and report.imported == 3 and contact_count(admin) == 3
    assert seen[-1] == (3, 3)
    with admin.read(None) as session:
        notes = session.execute(select(Contact.note).order_by(Contact.contact_date)).scalars().all()
        events = session.execute(select(AuditEvent.action, AuditEvent.member_id, AuditEvent.detail)
                                 .where(AuditEvent.action.like("contacts_import%"))).all()
    assert notes == ["Left a message", "", "Two\nlines"]
    digest = contacts_import.file_digest(path.read_text(encoding="utf-8"))
    assert sorted(events) == [("contacts_import", None, f"3 contacts for 1 members; sha256 {digest}"),
                              ("contacts_imported", members["enrolled"], "3 contacts")]


def test_a_bad_line_changes_nothing_and_every_problem_has_its_line(admin, members, tmp_path) -> None:
    path = write(
        tmp_path,
        "AB12345C,2026-02-03,phone,20,caremanager,member,CM,",
        'AB12345C,2026-02-04,phone,20,caremanager,member,CM,"a note',
        'over two lines"',
        "AB12345C,2026-02-05,attempt,5,caremanager,member,CM,",  # an attempt while enrolled
        "ZZ99999Z,2026-02-05,phone,5,nobody,cousin,XX,",
    )
    report = contacts_import.import_contacts(admin, path, today=TODAY)
    assert not report.ok and report.imported == 0 and contact_count(admin) == 0
    by_line = {(p.line, p.field) for p in report.errors}
    assert (5, "core_services") in by_line  # line 5: the multi-line note took lines 3 and 4
    assert {(6, "medicaid_id"), (6, "staff"), (6, "with_whom"), (6, "core_services")} <= by_line
    text = "\n".join(report.report_lines())
    assert text.startswith("Nothing was imported") and "Line 5, core_services:" in text
    assert "ZZ99999Z" not in text and "nobody" not in text  # no values from the file in the report


def test_a_tc_contact_completes_member_contacted(admin, members, tmp_path) -> None:
    episode = transitions.open_episode(admin, members["enrolled"], EpisodeInput(
        TransitionSetting.INPATIENT_MEDICAL, date(2026, 3, 1), datetime(2026, 3, 1, 9), facility_name="General"),
        now=datetime(2026, 3, 1, 10))
    transitions.record_discharge(admin, episode.episode_id, datetime(2026, 3, 5, 10), now=datetime(2026, 3, 5, 11))
    path = write(tmp_path, "AB12345C,2026-03-06,phone,15,caremanager,member,TC,")
    assert contacts_import.import_contacts(admin, path, today=TODAY).imported == 1
    item = next(i for i in transitions.get_episode(admin, episode.episode_id).items if i.key == "member_contacted")
    assert item.status is ChecklistItemStatus.DONE and item.done_by == "caremanager"


def test_who_may_import_and_unreadable_files(admin, members, login_as, tmp_path) -> None:
    path = write(tmp_path, "AB12345C,2026-02-03,phone,20,caremanager,member,CM,")
    with pytest.raises(PermissionDenied):
        contacts_import.import_contacts(login_as(Role.CARE_MANAGER), path, today=TODAY)
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER_LINE + "\nAB12345C,2026-02-03,phone,20,caremanager,member,CM,Pe\xf1a\n").encode("latin-1"))
    with pytest.raises(Exception, match="Line 2 is not UTF-8"):
        contacts_import.import_contacts(admin, latin, today=TODAY)
    with pytest.raises(Exception, match="not found"):
        contacts_import.import_contacts(admin, tmp_path / "missing.csv", today=TODAY)


@pytest.mark.slow
def test_one_hundred_thousand_rows(admin, tmp_path, capsys) -> None:
    member_count = 2_000
    with admin.work(None) as uow:
        uow.session.execute(insert(Member), [
            {"medicaid_id": f"AA{n:05d}A", "last_name": f"Last{n}", "first_name": "First", "name_key": f"last{n}",
             "dob": date(1960, 1, 1)} for n in range(member_count)
        ])
        ids = uow.session.execute(select(Member.id)).scalars().all()
        uow.session.execute(insert(EnrolmentSegment), [
            {"member_id": member_id, "kind": "enrolled", "start_date": date(2024, 1, 1)} for member_id in ids
        ])
    rng = random.Random(5)
    modes = [("in_person", "CM;CC"), ("phone", "CC"), ("video", "TC"), ("collateral", "IT"), ("attempt", ""),
             ("mail", "")]
    lines = [HEADER_LINE]
    for n in range(100_000):
        mode, services = rng.choice(modes)
        day = date(2025, 1, 1) + timedelta(days=rng.randrange(400))
        lines.append(f"AA{rng.randrange(member_count):05d}A,{day.isoformat()},{mode},{rng.randrange(5, 90)},"
                     f"caremanager,member,{services},Contact note {n}")
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    progress = []
    started = time.perf_counter()
    report = contacts_import.import_contacts(admin, path, today=TODAY,
                                             progress=lambda done, total, text: progress.append((done, total)))
    seconds = time.perf_counter() - started
    assert report.ok and report.imported == 100_000 and contact_count(admin) == 100_000
    assert progress[-1] == (100_000, 100_000) and len(progress) > 20
    with capsys.disabled():
        print(f"\ncontacts import: 100,000 rows for {member_count:,} members in {seconds:.1f} s "
              f"(service measured {report.seconds:.1f} s)")
    assert seconds < 120

    # A bad last line leaves the store exactly as it was.
    path.write_text("\n".join([*lines, "AA00001A,2025-02-30,phone,5,caremanager,member,CM,"]) + "\n", encoding="utf-8")
    again = contacts_import.import_contacts(admin, path, today=TODAY)
    assert [(p.line, p.field) for p in again.errors] == [(100_002, "date")]
    assert contact_count(admin) == 100_000
