"""`hhdesk worklist`, `hhdesk transitions list`, `hhdesk print transition`, `hhdesk import contacts`, `hhdesk quality`."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest

from hhdesk.clock import AgencyClock, local_naive
from hhdesk.domain.contacts_csv import HEADER_LINE
from hhdesk.domain.enums import SegmentType, TransitionSetting
from hhdesk.services import transitions, users
from hhdesk.services.transitions import EpisodeInput
from tests.cli.conftest import ADMIN_PW, run, without_bom
from tests.services.care_helpers import add_member


@pytest.fixture
def episode(store: Path) -> int:
    app = users.login(store, "boss", ADMIN_PW)
    try:
        member = add_member(app, "AB12345C", segments=((SegmentType.ENROLLED, date(2025, 1, 1), None),),
                            care_manager="boss")
        now = transitions.local_now(AgencyClock())
        view = transitions.open_episode(app, member, EpisodeInput(
            TransitionSetting.INPATIENT_MEDICAL, (now - timedelta(days=5)).date(), now - timedelta(days=5),
            "Phone call from the facility", facility_name="General Hospital"), now=now)
        transitions.record_discharge(app, view.episode_id, now - timedelta(days=3), "Home", now=now)
        return view.episode_id
    finally:
        app.close()


def test_worklist_csv_lists_overdue_items_first(store: Path, episode: int, capsys) -> None:
    code, out, err = run(capsys, "worklist", "--store", str(store), "--user", "boss", "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(without_bom(out))))
    assert rows and rows[0]["overdue"] == "yes" and rows[0]["kind"] == "checklist_item"
    assert rows[0]["tab"] == "transitions" and rows[0]["medicaid_id"] == "AB12345C"
    assert rows[0]["group"] == "Transition of care"
    assert list(rows[0]) == ["group", "due", "overdue", "when", "kind", "medicaid_id", "member", "care_manager", "task",
                             "detail", "tab"]
    code, out, _ = run(capsys, "worklist", "--store", str(store), "--user", "boss", "--for", "*")
    assert code == 0 and "overdue" in out.splitlines()[2]
    code, out, _ = run(capsys, "worklist", "--store", str(store), "--user", "boss", "--format", "csv",
                       "--kind", "monthly_contacts")
    kinds = {row["kind"] for row in csv.DictReader(io.StringIO(out))}
    assert code == 0 and kinds == {"monthly_contacts"}


def test_transitions_list_csv_header_and_open_filter(store: Path, episode: int, capsys) -> None:
    code, out, _ = run(capsys, "transitions", "list", "--open", "--store", str(store), "--user", "boss",
                       "--format", "csv")
    assert code == 0
    header, first = without_bom(out).splitlines()[:2]
    assert header.startswith("episode_id,medicaid_id,setting,admitted,discharged")
    assert first.startswith(f"{episode},AB12345C,inpatient_medical,")


def test_print_transition_writes_a_pdf(store: Path, episode: int, capsys, tmp_path: Path) -> None:
    out_file = tmp_path / "summary.pdf"
    code, out, err = run(capsys, "print", "transition", str(episode), "--out", str(out_file), "--store", str(store),
                         "--user", "boss")
    assert code == 0, err
    assert out_file.read_bytes().startswith(b"%PDF") and "Wrote" in out
    assert not list(tmp_path.glob("*.part"))
    code, _, err = run(capsys, "print", "transition", "999", "--out", str(out_file), "--store", str(store),
                       "--user", "boss")
    assert code == 1 and "is in the store: check the number" in err
    code, _, err = run(capsys, "print", "transition", str(episode), "--out", str(tmp_path / "no" / "x.pdf"),
                       "--store", str(store), "--user", "boss")
    assert code == 1 and "does not exist" in err


def test_import_contacts_reports_lines_and_imports_all_or_nothing(store: Path, episode: int, capsys,
                                                                   tmp_path: Path) -> None:
    today = AgencyClock().today()
    good = f"AB12345C,{today.isoformat()},phone,15,boss,member,CC,"
    path = tmp_path / "contacts.csv"
    path.write_text(f"{HEADER_LINE}\n{good}\nAB12345C,{today.isoformat()},mail,5,boss,member,CM,\n")
    code, _, err = run(capsys, "import", "contacts", str(path), "--store", str(store), "--user", "boss")
    assert code == 1 and "Nothing was imported" in err and "Line 3, core_services:" in err
    path.write_text(f"{HEADER_LINE}\n{good}\n")
    code, out, _ = run(capsys, "import", "contacts", str(path), "--dry-run", "--store", str(store), "--user", "boss")
    assert code == 0 and out.startswith("Dry run: 1 contacts")
    code, out, _ = run(capsys, "import", "contacts", str(path), "--store", str(store), "--user", "boss")
    assert code == 0 and out.startswith("Imported 1 contacts for 1 members")


def test_quality_measures_on_the_command_line(store: Path, episode: int, capsys) -> None:
    today = local_naive(AgencyClock().now()).date()
    code, out, _ = run(capsys, "quality", "--from", (today - timedelta(days=30)).isoformat(), "--to",
                       today.isoformat(), "--store", str(store), "--user", "boss", "--format", "csv")
    assert code == 0
    assert out.splitlines()[3] == "readmission_30_days,1,0,0.0%,0"


def test_an_administrator_edits_a_checklist_template(store: Path, capsys, tmp_path: Path) -> None:
    import json

    code, out, _ = run(capsys, "checklists", "show", "skilled_nursing")
    template = json.loads(out)
    template["items"] = template["items"][:3]
    edited = tmp_path / "snf.json"
    edited.write_text(json.dumps(template))
    code, out, err = run(capsys, "checklists", "save", "skilled_nursing", str(edited), "--store", str(store),
                         "--user", "boss")
    assert code == 0, err
    assert "3 items" in out
    code, out, _ = run(capsys, "checklists", "list")
    assert any(line.startswith("skilled_nursing") and "edited" in line for line in out.splitlines())
    edited.write_text(json.dumps({**template, "items": [{"key": "x", "label": "", "anchor": "later"}]}))
    code, _, err = run(capsys, "checklists", "save", "skilled_nursing", str(edited), "--store", str(store),
                       "--user", "boss")
    assert code == 1 and "label" in err and "anchor" in err
    assert run(capsys, "checklists", "reset", "skilled_nursing", "--store", str(store), "--user", "boss")[0] == 0
    code, out, _ = run(capsys, "checklists", "list")
    assert any(line.startswith("skilled_nursing") and "bundled" in line for line in out.splitlines())
