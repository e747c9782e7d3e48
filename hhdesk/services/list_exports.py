"""Lists leaving the program: any list the window or the command line shows, written as .xlsx or CSV, and
recorded in the audit log.

The caller (a view, a command) hands over what it shows, as `exports.tables` tables, with the filters that
made it. The service checks that the acting user may see that kind of list, writes the file whole or not
at all (a temporary file beside it, renamed into place; private to the user), and records an
`export_list` event: which list, the format, how many rows, the filters and the file's SHA-256. The event
carries no member data: filters typed as free text (a search for a name) are recorded as "given", never
as typed, and the file's name, which the user chose and may hold a name, is not recorded either.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from hhdesk.clock import local_naive
from hhdesk.domain.permissions import Permission
from hhdesk.errors import ValidationFailed
from hhdesk.exports.tables import TableFormat, Workbook, encode
from hhdesk.private_files import publish_staged, stage_private_file
from hhdesk.services.context import AppSession


class ListKind(StrEnum):
    CASELOAD = "caseload"
    CARE_MANAGER_COUNTS = "care_manager_counts"
    WORKLIST = "worklist"
    TRANSITIONS = "transitions"
    REFERRALS = "referrals"
    REFERRAL_SUMMARY = "referral_summary"
    QUALITY = "quality"
    BILLING_PREVIEW = "billing_preview"
    BILLING_HISTORY = "billing_history"
    AUDIT_LOG = "audit_log"
    DIRECTORY = "directory"
    USERS = "users"
    PAYERS = "payers"
    BILLING_CLAIMS = "billing_claims"


# Who may take each list out of the program: whoever may see it in the first place.
REQUIRED: dict[ListKind, Permission] = {
    ListKind.CASELOAD: Permission.VIEW_MEMBERS,
    ListKind.CARE_MANAGER_COUNTS: Permission.ASSIGN_CASELOAD,
    ListKind.WORKLIST: Permission.VIEW_CLINICAL,
    ListKind.TRANSITIONS: Permission.VIEW_CLINICAL,
    ListKind.REFERRALS: Permission.VIEW_CLINICAL,
    ListKind.REFERRAL_SUMMARY: Permission.VIEW_CLINICAL,
    ListKind.QUALITY: Permission.VIEW_CLINICAL,
    ListKind.BILLING_PREVIEW: Permission.BILLING,
    ListKind.BILLING_HISTORY: Permission.BILLING,
    ListKind.AUDIT_LOG: Permission.VIEW_AUDIT,
    ListKind.DIRECTORY: Permission.VIEW_MEMBERS,
    ListKind.USERS: Permission.MANAGE_USERS,
    ListKind.PAYERS: Permission.BILLING,
    ListKind.BILLING_CLAIMS: Permission.BILLING,
}


@dataclass(frozen=True)
class ListFilter:
    """One filter as the user set it. `typed` marks free text (a search) that may name a member: it goes
    into the file's "About" sheet but not into the audit log."""

    label: str
    value: str
    typed: bool = False

    @property
    def for_audit(self) -> str:
        return f"{self.label}: {'(typed text, not recorded)' if self.typed else self.value}"


@dataclass(frozen=True)
class ListExported:
    table_format: TableFormat
    rows: int
    sha256: str
    path: Path | None  # None: written to a stream (the command line's standard output)


def format_of(path: Path) -> TableFormat:
    """The format a file name asks for; a name without .xlsx or .csv is refused."""
    suffix = path.suffix.lower()
    for table_format in TableFormat:
        if suffix == table_format.suffix:
            return table_format
    raise ValidationFailed("Save the list as a .xlsx workbook or a .csv file: the file name must end in .xlsx "
                           "or .csv.")


def _with_notes(book: Workbook, kind_title: str, filters: Sequence[ListFilter], actor: str,
                now: datetime) -> Workbook:
    notes = [("List", kind_title), ("Exported by", actor), ("Exported at", now.strftime("%m/%d/%Y %I:%M %p"))]
    notes += [(f.label, f.value) for f in filters] or [("Filters", "none: the whole list")]
    notes.append(("Rows", f"{len(book.main.rows):,}"))
    return replace(book, notes=[*book.notes, *notes])


def _write_whole(out: Path, data: bytes) -> None:
    """The bytes appear at `out` whole or not at all; the file is private to the user (mkstemp: 0600)."""
    if out.is_dir():
        raise ValidationFailed(f"{out} is a folder: give a file name, e.g. {out / 'list.xlsx'}.")
    if not out.parent.is_dir():
        raise ValidationFailed(f"There is no folder {out.parent}: choose an existing folder. Nothing was saved.")
    try:
        staged = stage_private_file(out, data)
    except OSError as exc:
        raise ValidationFailed(f"The file could not be written in {out.parent} ({exc.strerror or 'disk error'}); "
                               "nothing was saved.") from None
    try:
        publish_staged(staged, out)
    except OSError as exc:
        staged.unlink(missing_ok=True)
        reason = "it is open in another program, or " if isinstance(exc, PermissionError) else ""
        raise ValidationFailed(f"The file could not be saved as {out} ({reason}{exc.strerror or 'disk error'}); "
                               "nothing was saved.") from None


def export_list(app: AppSession, kind: ListKind, title: str, book: Workbook, out: Path | BinaryIO,
                table_format: TableFormat | None = None, filters: Sequence[ListFilter] = (),
                member_id: int | None = None, now: datetime | None = None, bom: bool = True) -> ListExported:
    """Write `book` (its first table only, for a CSV) to a file or a binary stream and record the export.

    `title` names the list as the user knows it ("Caseload"); `member_id` links the event to a member when
    the list is about one member only (as the audit log links every event about a member).
    """
    app.require(REQUIRED[kind])
    if table_format is None:
        if not isinstance(out, Path):
            raise ValueError("a stream needs an explicit format")
        table_format = format_of(out)
    now = now or local_naive(app.clock.now())
    book = _with_notes(book, title, filters, app.actor.username, now)
    try:
        data = encode(book, table_format, bom=bom)
    except ValueError as exc:  # too many rows for a sheet
        raise ValidationFailed(str(exc)) from None
    digest = hashlib.sha256(data).hexdigest()
    rows = len(book.main.rows)
    detail = "; ".join([f"{kind.value} as {table_format.value}", f"{rows} rows",
                        *(f.for_audit for f in filters), f"sha256 {digest}"])
    with app.work(None) as uow:
        uow.audit("export_list", "list", kind.value, member_id=member_id,
                  detail=detail + ("; to standard output" if not isinstance(out, Path) else ""))
        # Inside the transaction: if the file cannot be written, the event is not recorded either.
        if isinstance(out, Path):
            _write_whole(out.expanduser(), data)
        else:
            out.write(data)
            out.flush()
    return ListExported(table_format, rows, digest, out if isinstance(out, Path) else None)
