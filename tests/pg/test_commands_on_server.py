"""The ordinary commands, run against an agency's server exactly as against a store file."""

from __future__ import annotations

from pathlib import Path

import pytest

from hhdesk.clock import AgencyClock
from hhdesk.domain.enums import Role
from tests.cli.conftest import run
from tests.pg.conftest import STAFF_PASSWORD, AgencyDatabase, add_staff
from tests.services.roster_factory import medicaid_id, roster_text

MEMBERS = 12


@pytest.fixture
def caseload(agency: AgencyDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> AgencyDatabase:
    monkeypatch.setenv("HHDESK_PASSWORD", agency.admin_password)
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text(MEMBERS), encoding="utf-8")
    code, out, err = run(capsys, "import", "roster", str(roster), "--store", agency.url, "--user", agency.admin)
    assert (code, err) == (0, ""), out
    return agency


COMMANDS = [
    ["members", "list", "--format", "csv"],
    ["members", "show", medicaid_id(3)],
    ["worklist"],
    ["transitions", "list"],
    ["referrals", "list"],
    ["referrals", "summary"],
    ["quality", "--from", "2026-01-01", "--to", "2026-06-30"],
    ["billing", "preview", "--month", "2026-11"],
    ["billing", "history"],
    ["audit", "--limit", "5"],
    ["users", "list"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_the_administrator_runs_the_command_on_the_server(caseload: AgencyDatabase, command: list[str],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *command, "--store", caseload.url, "--user", caseload.admin)
    assert (code, err) == (0, "")
    assert out.strip()


ROLE_COMMANDS = [
    (Role.BILLING, ["members", "list"]),
    (Role.BILLING, ["members", "show", medicaid_id(3)]),
    (Role.BILLING, ["billing", "preview", "--month", "2026-11"]),
    (Role.BILLING, ["billing", "history"]),
    (Role.CARE_MANAGER, ["members", "show", medicaid_id(3)]),
    (Role.CARE_MANAGER, ["worklist"]),
    (Role.CARE_MANAGER, ["transitions", "list"]),
    (Role.CARE_MANAGER, ["referrals", "list"]),
    (Role.SUPERVISOR, ["worklist"]),
    (Role.SUPERVISOR, ["billing", "preview", "--month", "2026-11"]),
    (Role.READ_ONLY, ["members", "show", medicaid_id(3)]),
    (Role.READ_ONLY, ["worklist"]),
]


@pytest.mark.parametrize(("role", "command"), ROLE_COMMANDS, ids=lambda v: v.value if isinstance(v, Role) else " ".join(v[:2]))
def test_each_role_runs_its_commands_with_its_own_login(caseload: AgencyDatabase, role: Role, command: list[str],
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    person = add_staff(caseload, role)
    monkeypatch.setenv("HHDESK_PASSWORD", STAFF_PASSWORD)
    code, out, err = run(capsys, *command, "--store", caseload.url, "--user", person)
    assert (code, err) == (0, "")
    assert out.strip()


def test_a_store_file_command_says_it_is_not_available_on_a_server(caseload: AgencyDatabase,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "rotate-key", "--store", caseload.url, "--user", caseload.admin)
    assert code == 1 and out == ""
    assert err == "hhdesk: 'hhdesk rotate-key' works on a store file only; on an agency's server it is not " \
                  "available yet (see the README, agency mode).\n"


def test_writing_commands_on_the_server(caseload: AgencyDatabase, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Import contacts, print a packet, export a billing month, reset a checklist: each as on a file."""

    from hhdesk.domain.contacts_csv import HEADER_LINE

    admin = ("--store", caseload.url, "--user", caseload.admin)
    contacts = tmp_path / "contacts.csv"
    today = AgencyClock().today().isoformat()
    contacts.write_text(f"{HEADER_LINE}\n{medicaid_id(3)},{today},phone,15,{caseload.admin},member,CC,\n",
                        encoding="utf-8")
    code, out, err = run(capsys, "import", "contacts", str(contacts), *admin)
    assert (code, err) == (0, "") and out.startswith("Imported 1 contacts for 1 members")

    pdf = tmp_path / "packet.pdf"
    code, out, err = run(capsys, "print", "packet", medicaid_id(3), "--out", str(pdf), *admin)
    assert (code, err) == (0, "") and pdf.read_bytes().startswith(b"%PDF")

    export = tmp_path / "month.csv"
    code, out, err = run(capsys, "billing", "export", "--month", "2026-11", "--format", "csv", "--out",
                         str(export), *admin)
    assert (code, err) == (0, "") and export.exists()
    code, out, err = run(capsys, "billing", "history", *admin)
    assert (code, err) == (0, "") and "2026-11" in out

    code, out, err = run(capsys, "checklists", "reset", "skilled_nursing", *admin)
    assert (code, err) == (0, "")
