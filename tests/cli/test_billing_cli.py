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
    assert "Interchange control number 2, group control number 2." in out  # the second payer's file
    assert (tmp_path / "claims-FFS.x12").read_text(encoding="ascii").startswith("ISA*00*")
    assert (tmp_path / "claims-PLAN1.x12").read_text(encoding="ascii").startswith("ISA*00*")

    again = tmp_path / "again.x12"
    code, out, err = run(capsys, *base, "--out", str(again))
    assert code == 1 and out == "" and not list(tmp_path.glob("again*"))
    assert "already exported as 837i" in err and "--reason" in err and err.count("\n") == 1

    code, out, err = run(capsys, *base, "--out", str(again), "--reason", "Clearinghouse rejected the first file")
    assert code == 0, err
    assert "Interchange control number 3" in out

    code, out, _ = run(capsys, "billing", "history", "--month", month, "--format", "csv",
                       "--store", str(store), "--user", "boss")
    rows = list(csv.DictReader(io.StringIO(without_bom(out))))
    assert [row["repeat_reason"] for row in rows] == ["Clearinghouse rejected the first file"] * 2 + ["", ""]
    assert {row["payer"] for row in rows} == {"FFS", "PLAN1"}
    assert hashlib.sha256((tmp_path / "claims-FFS.x12").read_bytes()).hexdigest() in {row["sha256"] for row in rows}



def test_payers_answers_corrections_and_the_work_list(store: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from tests.exports.x12_response_factory import read_claim_file, write_277ca, write_835, write_999

    month = str(last_full_month())
    opts = ["--store", str(store), "--user", "boss"]
    code, out, err = run(capsys, "billing", "payers", "list", "--format", "csv", *opts)
    assert code == 0 and "FFS,NYS Medicaid,141797357,NYSDOH" in out
    code, out, err = run(capsys, "billing", "payers", "save", "mvp", "--name", "MVP Health Care", "--payer-id", "MVP1",
                         "--receiver-id", "MVPCLEAR", "--receiver-name", "MVP", "--filing-limit-days", "120", *opts)
    assert code == 0 and "Saved payer MVP" in out
    code, out, err = run(capsys, "billing", "export", "--month", month, "--format", "837i",
                         "--out", str(tmp_path / "c.x12"), *opts)
    assert code == 0, err
    sent = read_claim_file((tmp_path / "c-FFS.x12").read_text(encoding="ascii"))
    denied = sent.claims[0].claim_id
    for name, text in (("a.999", write_999(sent)), ("a.277", write_277ca(sent)),
                       ("a.835", write_835(sent, denied={denied: ("16", "MA130")}))):
        (tmp_path / name).write_text(text, encoding="ascii")
        code, out, err = run(capsys, "billing", "import", str(tmp_path / name), *opts)
        assert code == 0, err
    assert "Denied: 1" in out and "Paid:" in out
    code, out, err = run(capsys, "billing", "import", str(tmp_path / "a.835"), *opts)
    assert code == 1 and "imported before" in err
    code, out, err = run(capsys, "billing", "unpaid", "--format", "csv", *opts)
    rows = list(csv.DictReader(io.StringIO(without_bom(out))))
    assert rows[0]["claim_id"] == denied and rows[0]["status"] == "Denied"
    assert "CARC 16: the claim lacks information" in rows[0]["detail"] and "RARC MA130" in rows[0]["detail"]
    code, out, err = run(capsys, "billing", "correct", "--month", month, "--replace", sent.claims[0].medicaid_id,
                         "--out", str(tmp_path / "fix.x12"), *opts)
    assert code == 0, err
    assert "*34:A:7*" in (tmp_path / "fix-FFS.x12").read_text(encoding="ascii")
    code, out, err = run(capsys, "billing", "claims", "--month", month, *opts)
    assert code == 0 and "Replaced by a later claim" in out and "Sent, no answer yet" in out.splitlines()[-1]


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
