"""`hhdesk referrals list|summary` and `hhdesk print referral` as a user runs them."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from hhdesk.domain.enums import ReferralCategory, ReferralStatus, Role
from hhdesk.services import referrals, users
from hhdesk.services.referrals import NewReferral
from tests.cli.conftest import ADMIN_PW, run, without_bom
from tests.documents.pdf_helpers import all_text
from tests.services.referral_data import seed

CLERK_PW = "the counting desk phrase"


@pytest.fixture
def store(new_store: Path) -> Path:
    path = new_store
    app = users.login(path, "boss", ADMIN_PW)
    try:
        users.add_user(app, "caremanager", Role.CARE_MANAGER, "phrase CA12 is long enough")
        users.add_user(app, "clerk", Role.BILLING, CLERK_PW)
        world = seed(app)
        first = referrals.create_referral(app, NewReferral(
            world.member_id, world.housing_id, ReferralCategory.HOUSING, "Living in a shelter.",
            sent_on=date(2026, 2, 2), consent_to_share=True)).row.referral_id
        referrals.change_status(app, first, ReferralStatus.ACCEPTED, date(2026, 2, 9))
        referrals.create_referral(app, NewReferral(
            world.other_member_id, world.food_id, ReferralCategory.FOOD, "Pantry", sent_on=date(2026, 2, 20)))
    finally:
        app.close()
    return path


def test_referrals_list_as_csv(store: Path, capsys) -> None:
    code, out, err = run(capsys, "referrals", "list", "--store", str(store), "--user", "boss", "--format", "csv")
    assert code == 0, err
    lines = without_bom(out).splitlines()
    assert lines[0].startswith("referral_id,medicaid_id,category,agency,status,sent")
    rows = list(csv.DictReader(io.StringIO(without_bom(out))))
    assert [(r["medicaid_id"], r["category"], r["agency"], r["status"], r["sent"]) for r in rows] == [
        ("CD67890E", "food", "Hudson Valley Food Bank", "sent", "2026-02-20"),
        ("AB12345C", "housing", "Dutchess Housing Coalition", "accepted", "2026-02-02"),
    ]
    code, out, _ = run(capsys, "referrals", "list", "--status", "accepted", "--store", str(store), "--user", "boss",
                       "--format", "csv")
    assert code == 0 and [r["medicaid_id"] for r in csv.DictReader(io.StringIO(without_bom(out)))] == ["AB12345C"]
    code, out, _ = run(capsys, "referrals", "list", "--store", str(store), "--user", "boss")
    assert code == 0 and out.splitlines()[0].split()[:6] == [
        "referral_id", "medicaid_id", "category", "agency", "status", "sent"]


def test_referrals_summary(store: Path, capsys) -> None:
    code, out, _ = run(capsys, "referrals", "summary", "--store", str(store), "--user", "boss", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(without_bom(out))))
    assert rows[0] == {"group": "all", "name": "all", "referrals": "2", "closed": "0", "completed": "0",
                       "median_days_to_close": ""}


def test_a_billing_clerk_cannot_list_referrals(store: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("HHDESK_PASSWORD", CLERK_PW)
    code, out, err = run(capsys, "referrals", "list", "--store", str(store), "--user", "clerk")
    assert code == 1 and out == "" and "may not view clinical" in err and err.count("\n") == 1


def test_print_referral_makes_a_pdf(store: Path, capsys, tmp_path: Path) -> None:
    out_file = tmp_path / "letter.pdf"
    code, out, err = run(capsys, "print", "referral", "1", "--out", str(out_file), "--fax-cover",
                         "--store", str(store), "--user", "boss")
    assert code == 0, err
    pdf = out_file.read_bytes()
    assert pdf.startswith(b"%PDF")
    text = all_text(pdf)
    assert "José Núñez-Peña" in text and "Living in a shelter." in text and "Fax" in text


def test_print_referral_without_consent_says_what_to_do(store: Path, capsys, tmp_path: Path) -> None:
    out_file = tmp_path / "letter.pdf"
    code, _, err = run(capsys, "print", "referral", "2", "--out", str(out_file), "--store", str(store),
                       "--user", "boss")
    assert code == 1 and "consent to share" in err and not out_file.exists()
    code, _, err = run(capsys, "print", "referral", "99", "--out", str(out_file), "--store", str(store),
                       "--user", "boss")
    assert code == 1 and "is in the store: check the number" in err
