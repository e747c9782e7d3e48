"""`hhdesk billing preview | export | history` as a billing clerk runs them."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest

from hhdesk.services import users
from tests.billing_store import fill_billing_store, last_full_month
from tests.cli.conftest import ADMIN_PW, run, without_bom


@pytest.fixture
def store(new_store: Path) -> Path:
    app = users.login(new_store, "boss", ADMIN_PW)
    try:
        fill_billing_store(app.store, members=30, contacts_per_member=24, months=14)
    finally:
        app.close()
    return new_store


def test_preview_csv_has_the_export_columns_and_rows(store: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    month = str(last_full_month())
    code, out, err = run(capsys, "billing", "preview", "--month", month, "--format", "csv",
                         "--store", str(store), "--user", "boss")
    assert code == 0, err
    preview_rows = list(csv.reader(io.StringIO(without_bom(out))))
    exported = tmp_path / "month.csv"
    code, out, err = run(capsys, "billing", "export", "--month", month, "--format", "csv", "--out", str(exported),
                         "--store", str(store), "--user", "boss")
    assert code == 0, err
    export_rows = list(csv.reader(io.StringIO(without_bom(exported.read_text(encoding="utf-8")), newline="")))
    assert preview_rows[0] == export_rows[0]
    assert preview_rows[0][:3] == ["service_month", "medicaid_id", "last_name"]
    assert preview_rows == export_rows
    assert f"Exported {month} as csv" in out
    assert hashlib.sha256(exported.read_bytes()).hexdigest() in out


def test_preview_table_ends_with_the_totals(store: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "billing", "preview", "--month", str(last_full_month()),
                       "--store", str(store), "--user", "boss")
    assert code == 0
    assert "reason_or_note" in out.splitlines()[0]
    assert "Billable: " in out and "member-months under New York Health Home serving adults" in out


def test_a_bad_month_is_one_sentence_and_exit_1(store: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, "billing", "preview", "--month", "03/2024", "--store", str(store), "--user", "boss")
    assert code == 1 and out == ""
    assert "YYYY-MM" in err and err.count("\n") == 1 and "Traceback" not in err


def test_claim_export_then_a_repeat_needs_a_reason(store: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    month = str(last_full_month())
    claims = tmp_path / "claims.x12"
    base = ["billing", "export", "--month", month, "--format", "837i", "--store", str(store), "--user", "boss"]
    code, out, err = run(capsys, *base, "--out", str(claims))
    assert code == 0, err
    assert "Interchange control number 1, group control number 1." in out
    assert claims.read_text(encoding="ascii").startswith("ISA*00*")

    again = tmp_path / "again.x12"
    code, out, err = run(capsys, *base, "--out", str(again))
    assert code == 1 and out == "" and not again.exists()
    assert "already exported as 837i" in err and "--reason" in err and err.count("\n") == 1

    code, out, err = run(capsys, *base, "--out", str(again), "--reason", "Clearinghouse rejected the first file")
    assert code == 0, err
    assert "Interchange control number 2" in out

    code, out, _ = run(capsys, "billing", "history", "--month", month, "--format", "csv",
                       "--store", str(store), "--user", "boss")
    rows = list(csv.DictReader(io.StringIO(without_bom(out))))
    assert [row["repeat_reason"] for row in rows] == ["Clearinghouse rejected the first file", ""]
    assert rows[1]["sha256"] == hashlib.sha256(claims.read_bytes()).hexdigest()


def test_the_wrong_claim_format_says_which_to_use(store: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "billing", "export", "--month", str(last_full_month()), "--format", "837p",
                       "--out", str(tmp_path / "c.x12"), "--store", str(store), "--user", "boss")
    assert code == 1 and "choose the 837i export" in err


def test_import_outreach_billed_elsewhere_is_all_or_nothing(new_store: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from tests.billing_store import add_member

    app = users.login(new_store, "boss", ADMIN_PW)
    try:
        add_member(app, "AC11111A", "Elsewhere", segments=[("outreach", "2024-01-01", None)])
    finally:
        app.close()
    bad = tmp_path / "bad.csv"
    bad.write_text("medicaid_id,month,agency\nAC11111A,2024-01,Other HH\nAC11111A,January,Other HH\n",
                   encoding="utf-8")
    code, out, err = run(capsys, "import", "outreach-elsewhere", str(bad), "--store", str(new_store), "--user", "boss")
    assert code == 1 and "Nothing was imported" in err and "line 3: column month" in err
    good = tmp_path / "good.csv"
    good.write_text("medicaid_id,month,agency\nAC11111A,2024-01,Other HH\n", encoding="utf-8")
    code, out, err = run(capsys, "import", "outreach-elsewhere", str(good), "--dry-run", "--store", str(new_store),
                         "--user", "boss")
    assert code == 0 and "Dry run: 1 outreach month would be recorded" in out
    code, out, err = run(capsys, "import", "outreach-elsewhere", str(good), "--store", str(new_store), "--user", "boss")
    assert code == 0 and "Recorded 1 outreach month billed elsewhere" in out
