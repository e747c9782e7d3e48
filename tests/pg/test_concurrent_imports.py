"""Two workstations importing at the same moment, each in its own process with its own login.

On a store file BEGIN IMMEDIATE lets one writer in at a time; on the server the imports take turns
(`Turn.IMPORTS`), so importing at once gives what importing one after the other gives.
"""

from __future__ import annotations

import multiprocessing
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from hhdesk.db.models import Contact, Member, OutreachElsewhere
from hhdesk.domain.contacts_csv import HEADER_LINE as CONTACTS_HEADER
from hhdesk.domain.enums import Role
from hhdesk.domain.outreach_elsewhere_csv import HEADER_LINE as OUTREACH_HEADER
from hhdesk.services import roster_import
from hhdesk.services.agency import login
from tests.pg.conftest import STAFF_PASSWORD, AgencyDatabase, add_staff
from tests.pg.import_workstations import import_file
from tests.services.roster_factory import HEADER as ROSTER_HEADER
from tests.services.roster_factory import medicaid_id, roster_line

TODAY = date(2026, 3, 20)
MEMBERS = 300
CONTACTS_PER_MEMBER = 10


def _roster_file(folder: Path, name: str, numbers: range) -> Path:
    path = folder / name
    path.write_text(ROSTER_HEADER + "\n" + "".join(roster_line(n) + "\n" for n in numbers), encoding="utf-8")
    return path


def _two_logins(agency: AgencyDatabase) -> list[tuple[str, str]]:
    """The agency's administrator and a supervisor: two people who may import."""
    return [(agency.admin, agency.admin_password), (add_staff(agency, Role.SUPERVISOR), STAFF_PASSWORD)]


def _race(agency: AgencyDatabase, logins: list[tuple[str, str]], kind: str, paths: list[Path], *,
          skip_duplicates: bool = False) -> list[dict[str, Any]]:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(len(paths))
        with context.Pool(len(paths)) as pool:
            return pool.starmap(import_file, [(agency.url, user, password, kind, str(path), skip_duplicates, TODAY,
                                               start) for (user, password), path in zip(logins, paths, strict=True)])


def _count(agency: AgencyDatabase, model: Any) -> int:
    app = login(agency.address, agency.admin, agency.admin_password)
    try:
        with app.read(None) as session:
            return session.execute(select(func.count()).select_from(model)).scalar_one()
    finally:
        app.close()


def _agency_with_members(agency: AgencyDatabase, folder: Path) -> list[tuple[str, str]]:
    logins = _two_logins(agency)
    app = login(agency.address, agency.admin, agency.admin_password)
    try:
        report = roster_import.import_roster(app, _roster_file(folder, "roster.csv", range(1, MEMBERS + 1)),
                                             today=TODAY)
    finally:
        app.close()
    assert report.ok and report.members_created == MEMBERS
    return logins


def _contacts_file(folder: Path, staff: str) -> Path:
    """Contacts early in 2026 for every member (all enrolled during 2025), each one different."""
    lines = [CONTACTS_HEADER]
    for number in range(1, MEMBERS + 1):
        for n in range(CONTACTS_PER_MEMBER):
            day = date(2026, 1, 2) + timedelta(days=n)
            lines.append(f"{medicaid_id(number)},{day.isoformat()},phone,{15 + n},{staff},member,CM,")
    path = folder / "contacts.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_same_contacts_file_imported_twice_at_once_is_imported_once_and_refused_once(
        agency: AgencyDatabase, tmp_path: Path) -> None:
    logins = _agency_with_members(agency, tmp_path)
    path = _contacts_file(tmp_path, agency.admin)

    results = _race(agency, logins, "contacts", [path, path])

    total = MEMBERS * CONTACTS_PER_MEMBER
    imported, refused = sorted(results, key=lambda result: result["imported"], reverse=True)
    assert imported["imported"] == total and not imported["errors"]
    assert refused["imported"] == 0 and refused["errors"][0].startswith("This file was imported before")
    assert _count(agency, Contact) == total


def test_skipping_duplicates_at_once_imports_each_contact_once(agency: AgencyDatabase, tmp_path: Path) -> None:
    logins = _agency_with_members(agency, tmp_path)
    path = _contacts_file(tmp_path, agency.admin)

    results = _race(agency, logins, "contacts", [path, path], skip_duplicates=True)

    total = MEMBERS * CONTACTS_PER_MEMBER
    assert sorted((result["imported"], result["skipped"]) for result in results) == [(0, total), (total, 0)]
    assert "Nothing new to import from this file" in min(results, key=lambda result: result["imported"])["summary"]
    assert _count(agency, Contact) == total


def test_two_different_roster_files_at_once_leave_no_duplicate_member(agency: AgencyDatabase,
                                                                       tmp_path: Path) -> None:
    logins = _two_logins(agency)
    # 200 members each; the middle 100 are in both files.
    paths = [_roster_file(tmp_path, "north.csv", range(1, 201)), _roster_file(tmp_path, "south.csv", range(101, 301))]

    results = _race(agency, logins, "roster", paths)

    assert all(not result["errors"] for result in results)
    assert sorted(result["created"] for result in results) == [100, 200]
    second = min(results, key=lambda result: result["created"])
    assert second["updated"] + second["unchanged"] == 100  # the shared members, found rather than made again
    assert _count(agency, Member) == 300


def test_the_same_outreach_elsewhere_file_imported_twice_at_once_is_stored_once(agency: AgencyDatabase,
                                                                              tmp_path: Path) -> None:
    logins = _agency_with_members(agency, tmp_path)
    path = tmp_path / "outreach.csv"
    path.write_text(OUTREACH_HEADER + "\n" + "".join(
        f"{medicaid_id(number)},2024-{month:02d},Other Health Home\n"
        for number in range(1, MEMBERS + 1) for month in (3, 4)), encoding="utf-8")

    results = _race(agency, logins, "outreach-elsewhere", [path, path])

    months = 2 * MEMBERS
    assert all(not result["errors"] for result in results)
    assert sorted((result["imported"], result["already"]) for result in results) == [(0, months), (months, 0)]
    assert _count(agency, OutreachElsewhere) == months
