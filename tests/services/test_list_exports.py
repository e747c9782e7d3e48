"""The list-export service: who may export which list, file names, whole files, and the audit event."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from hhdesk.domain.enums import Role
from hhdesk.errors import PermissionDenied, ValidationFailed
from hhdesk.exports.tables import Table, Workbook
from hhdesk.services import list_exports, maintenance
from hhdesk.services.list_exports import ListFilter, ListKind

BOOK = Workbook([Table("Caseload", ["Name"], [["Núñez, José"], ["=1+2"]])])


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """A folder of its own (the store lives in tmp_path)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


@pytest.mark.parametrize(("role", "kind"), [
    (Role.BILLING, ListKind.AUDIT_LOG),
    (Role.BILLING, ListKind.WORKLIST),
    (Role.CARE_MANAGER, ListKind.BILLING_PREVIEW),
    (Role.CARE_MANAGER, ListKind.CARE_MANAGER_COUNTS),
    (Role.READ_ONLY, ListKind.USERS),
])
def test_a_list_is_exported_only_by_who_may_see_it(login_as, out_dir: Path, role: Role,
                                                   kind: ListKind) -> None:
    with pytest.raises(PermissionDenied):
        list_exports.export_list(login_as(role), kind, "List", BOOK, out_dir / "list.xlsx")
    assert not list(out_dir.iterdir())


def test_the_file_name_says_the_format(admin, tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match=r"\.xlsx or \.csv"):
        list_exports.export_list(admin, ListKind.CASELOAD, "Caseload", BOOK, tmp_path / "list.txt")
    done = list_exports.export_list(admin, ListKind.CASELOAD, "Caseload", BOOK, tmp_path / "LIST.CSV")
    assert done.table_format.value == "csv" and done.rows == 2


def test_a_failed_write_leaves_no_file_and_no_event(admin, out_dir: Path) -> None:
    folder = out_dir / "list.xlsx"
    folder.mkdir()  # a folder where the file should go
    with pytest.raises(ValidationFailed, match="is a folder"):
        list_exports.export_list(admin, ListKind.CASELOAD, "Caseload", BOOK, folder)
    assert [p.name for p in out_dir.iterdir()] == ["list.xlsx"] and not list(folder.iterdir())
    assert not [e for e in maintenance.audit_log(admin) if e.action == "export_list"]


def test_the_event_has_the_hash_and_filters_but_no_member_data(admin, tmp_path: Path) -> None:
    out = tmp_path / "Núñez caseload.xlsx"
    done = list_exports.export_list(admin, ListKind.CASELOAD, "Caseload", BOOK, out,
                                    filters=[ListFilter("Status", "Enrolled"), ListFilter("Search", "núñez", True)])
    assert done.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert out.stat().st_mode & 0o077 == 0
    event = next(e for e in maintenance.audit_log(admin) if e.action == "export_list")
    assert event.entity == "list" and event.entity_id == "caseload"
    assert event.detail == (f"caseload as xlsx; 2 rows; Status: Enrolled; Search: (typed text, not recorded); "
                            f"sha256 {done.sha256}")
    assert "ñ" not in event.detail
