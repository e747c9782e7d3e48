"""`hhdesk members show` and `hhdesk import roster` as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from hhdesk.cli.main import main
from tests.cli.conftest import run
from tests.services.roster_factory import HEADER, medicaid_id, roster_line


def write_roster(tmp_path: Path, lines: list[str], name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def member_count(capsys, store: Path) -> int:
    code, out, _ = run(capsys, "members", "list", "--store", str(store), "--user", "boss", "--format", "csv")
    assert code == 0
    return len(out.strip().splitlines()) - 1


def test_dry_run_then_import_then_show(store: Path, tmp_path: Path, capsys) -> None:
    roster = write_roster(tmp_path, [roster_line(1, conditions="E11.9;I10"), roster_line(2, consent=False)])
    code, out, err = run(capsys, "import", "roster", str(roster), "--dry-run", "--store", str(store), "--user", "boss")
    assert code == 0 and err == ""
    assert "would create 2 member(s)" in out and "Nothing was changed" in out
    assert member_count(capsys, store) == 0

    code, out, _ = run(capsys, "import", "roster", str(roster), "--store", str(store), "--user", "boss")
    assert code == 0 and "created 2 member(s)" in out
    assert member_count(capsys, store) == 2

    code, out, err = run(capsys, "members", "show", medicaid_id(1).lower(), "--store", str(store), "--user", "boss")
    assert code == 0 and err == ""
    assert f"Medicaid ID   {medicaid_id(1)}" in out
    assert "Status        Enrolled since" in out
    # Two chronic conditions, but NY also needs an appropriateness criterion: said in words.
    assert "NOT ELIGIBLE" in out and "appropriateness criterion" in out
    assert "diabetes (E11.9)" in out and "DOH-5055" in out

    code, out, _ = run(capsys, "members", "show", medicaid_id(2), "--store", str(store), "--user", "boss")
    assert code == 0 and "! No consent on file" in out


def test_bad_file_exits_1_with_line_numbers_and_changes_nothing(store: Path, tmp_path: Path, capsys) -> None:
    run(capsys, "import", "roster", str(write_roster(tmp_path, [roster_line(1)], "first.csv")),
        "--store", str(store), "--user", "boss")
    bad_line = roster_line(3).replace(medicaid_id(3), "123")
    roster = write_roster(tmp_path, [roster_line(2), bad_line, roster_line(4).replace(",enrolled,", ",,")])
    code, out, err = run(capsys, "import", "roster", str(roster), "--store", str(store), "--user", "boss")
    assert code == 1 and out == ""
    assert err.startswith("hhdesk: The file was not imported: 2 line(s)")
    assert "  line 3: medicaid_id:" in err and "  line 4: segment:" in err
    assert "Traceback" not in err
    assert member_count(capsys, store) == 1


def test_show_unknown_member_and_missing_file(store: Path, tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, "members", "show", "ZZ99999Z", "--store", str(store), "--user", "boss")
    assert code == 1 and out == "" and err.startswith("hhdesk: No member has this Medicaid ID")
    code, _, err = run(capsys, "import", "roster", str(tmp_path / "nope.csv"), "--store", str(store), "--user", "boss")
    assert code == 1 and "there is no file" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "spreadsheet", "x.csv"])
    assert exit_info.value.code == 2
