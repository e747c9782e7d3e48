"""`hhdesk print care-plan`, `print packet` and `print packets` as a user runs them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from hhdesk.clock import AgencyClock
from hhdesk.db.models import AuditEvent, EnrolmentSegment
from hhdesk.services import users
from hhdesk.services.settings import AgencyInfo
from tests.cli.conftest import ADMIN_PW, run
from tests.documents.pdf_helpers import all_text, reader
from tests.services import careplan_data

STAFF_PW = "a staff passphrase here"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.hhdesk"
    users.create_store(path, AgencyInfo(name="Hudson Valley Health Home", phone="8455550100"), "admin",
                       ADMIN_PW, "Ada Admin")
    app = users.login(path, "admin", ADMIN_PW)
    try:
        users.add_user(app, "caremanager", "care_manager", STAFF_PW)
        users.add_user(app, "readonly", "read_only", STAFF_PW)
        world = careplan_data.seed(app)
        careplan_data.signed_plan(app, world, date(2026, 3, 2))
        with app.store.write_session() as session:
            session.add(EnrolmentSegment(member_id=world.member_id, kind="enrolled", start_date=date(2025, 12, 1)))
    finally:
        users.logout(app)
    monkeypatch.setenv("HHDESK_PASSWORD", STAFF_PW)
    return path


def _prints(store: Path) -> list[tuple[str, str]]:
    app = users.login(store, "admin", ADMIN_PW)
    try:
        with app.store.read_session() as session:
            return [(e.username, e.detail) for e in session.execute(
                select(AuditEvent).where(AuditEvent.action == "print").order_by(AuditEvent.id)).scalars()]
    finally:
        app.close()


def test_print_care_plan_and_packet(store: Path, tmp_path: Path, capsys) -> None:
    plan = tmp_path / "plan.pdf"
    code, out, err = run(capsys, "print", "care-plan", "ab-12345-c", "--out", str(plan), "--store", str(store),
                         "--user", "caremanager")
    assert (code, err) == (0, "") and out == f"Wrote {plan}\n"
    assert careplan_data.GOALS[0] in all_text(plan.read_bytes())

    packet = tmp_path / "packet.pdf"
    code, _, _ = run(capsys, "print", "packet", "AB12345C", "--out", str(packet), "--version", "1",
                     "--store", str(store), "--user", "caremanager")
    text = all_text(packet.read_bytes())
    assert code == 0 and "José Núñez-Peña" in text and "Dutchess Housing Coalition" in text
    assert _prints(store) == [("caremanager", "care plan, version 1"),
                              ("caremanager", "care-plan packet, version 1")]


def test_print_packets_into_a_folder_and_combined(store: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    folder = tmp_path / "packets"
    code, out, _ = run(capsys, "print", "packets", "--out", str(folder), "--store", str(store),
                       "--user", "caremanager")
    assert code == 0 and out == f"Wrote 1 packet into {folder}\n"
    [written] = [p.name for p in folder.iterdir()]
    assert written.startswith("packet-member-") and "nunez" not in written and "AB12345C" not in written

    monkeypatch.setenv("HHDESK_PDF_PASSWORD", "blue heron 42")
    code, out, _ = run(capsys, "print", "packets", "--care-manager", "caremanager", "--out", str(tmp_path),
                       "--combined", "--protect", "--store", str(store), "--user", "caremanager")
    combined = tmp_path / f"care-plan-packets-{AgencyClock().today():%Y-%m-%d}.pdf"
    assert code == 0 and out == f"Wrote 1 packet into {combined}\n"
    assert reader(combined.read_bytes()).is_encrypted
    assert "Núñez" in all_text(combined.read_bytes(), "blue heron 42")


def test_a_read_only_user_may_not_print(store: Path, tmp_path: Path, capsys) -> None:
    out_file = tmp_path / "plan.pdf"
    code, out, err = run(capsys, "print", "packet", "AB12345C", "--out", str(out_file), "--store", str(store),
                         "--user", "readonly")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "may not print documents" in err and not out_file.exists()
    assert _prints(store) == []


def test_unknown_member_version_and_folder_are_one_line_errors(store: Path, tmp_path: Path, capsys) -> None:
    common = ["--store", str(store), "--user", "caremanager"]
    code, _, err = run(capsys, "print", "care-plan", "ZZ99999Z", "--out", str(tmp_path / "a.pdf"), *common)
    assert code == 1 and "No member has this Medicaid ID" in err and "ZZ99999Z" not in err
    code, _, err = run(capsys, "print", "care-plan", "AB12345C", "--out", str(tmp_path / "a.pdf"),
                       "--version", "7", *common)
    assert code == 1 and "no version 7" in err
    code, _, err = run(capsys, "print", "packet", "AB12345C", "--out", str(tmp_path / "nope" / "a.pdf"), *common)
    assert code == 1 and "does not exist" in err
