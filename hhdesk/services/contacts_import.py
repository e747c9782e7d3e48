"""The contacts import (``hhdesk import contacts FILE.csv``): a spreadsheet's history of contacts, all or nothing.

The file format and every rule are in :mod:`hhdesk.domain.contacts_csv`. This service supplies what the
parser looks up (usernames, and each member's segment on each contact's date from every member's segments,
loaded once), then, if no line has an error, stores every row in one transaction with a Core bulk insert.
A file with any error stores nothing; the report lists every problem with its line number and column, never
a value from the file.

A dry run checks everything and stores nothing. A real import is checked again inside the transaction that
stores it, so a change made between the two cannot slip through. Disabled users are accepted as staff:
a spreadsheet's history is full of people who have left.

Audit: one ``contacts_imported`` event per member (how many contacts) and one summary event for the file.
TC contacts after a discharge complete the "member contacted" item of open episodes, as in the window.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from hhdesk.db.models import ChecklistItem, Contact, Member, TransitionEpisode, User
from hhdesk.db.models.base import utcnow
from hhdesk.domain import segments as domain_segments
from hhdesk.domain.checklists import MEMBER_CONTACTED_KEY, tc_contact_completes_member_contacted
from hhdesk.domain.contacts_csv import (
    UNKNOWN_MEMBER,
    ContactRow,
    ContactsParseResult,
    LineProblem,
    parse_contacts_csv,
)
from hhdesk.domain.enums import ChecklistItemStatus, CoreService, SegmentType
from hhdesk.domain.identifiers import normalise_medicaid_id
from hhdesk.domain.permissions import Permission
from hhdesk.errors import ValidationFailed
from hhdesk.services.contacts import completion_time, encode_services, member_segments_by_id
from hhdesk.services.context import AppSession, UnitOfWork

ProgressCallback = Callable[[int, int, str], None]
"""progress(done, total, text): ``total`` 0 means "busy, size unknown"."""

CHUNK_ROWS = 5_000
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_REPORTED_PROBLEMS = 1_000
PREVIEW_ROWS = 200


@dataclass(frozen=True)
class ContactsImportReport:
    """What an import found and did. ``imported`` is 0 whenever there are errors or it was a dry run."""

    rows: int  # valid contact lines read
    imported: int
    errors: tuple[LineProblem, ...]
    warnings: tuple[LineProblem, ...]
    dry_run: bool
    seconds: float
    members: int = 0  # distinct members in the file's valid rows
    preview: tuple[ContactRow, ...] = ()  # the first valid rows, for the window's preview

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            count = len(self.errors)
            return (f"Nothing was imported: {count} {'problem' if count == 1 else 'problems'} "
                    "must be fixed first (see the lines below).")
        if self.dry_run:
            return (f"Dry run: {self.rows:,} contacts for {self.members:,} members would be imported; "
                    "nothing was changed.")
        return f"Imported {self.imported:,} contacts for {self.members:,} members in {self.seconds:.1f} s."

    def report_lines(self, limit: int = MAX_REPORTED_PROBLEMS) -> list[str]:
        """The summary, then every error and warning as 'Line N, column: message' (at most ``limit``)."""
        lines = [self.summary()]
        problems = [f"error: {p}" for p in self.errors] + [f"warning: {p}" for p in self.warnings]
        lines.extend(problems[:limit])
        if len(problems) > limit:
            lines.append(f"... and {len(problems) - limit:,} more.")
        return lines


def read_text(path: Path) -> str:
    """The file as text (UTF-8, with or without a byte-order mark); a clear error otherwise."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ValidationFailed("The file was not found; check its name and folder.") from None
    except OSError:
        raise ValidationFailed("The file could not be opened; check that you may read it.") from None
    if size > MAX_FILE_BYTES:
        raise ValidationFailed("The file is larger than 200 MB; split it into several files.")
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ValidationFailed(
            f"Line {line} is not UTF-8 text: save the spreadsheet as 'CSV UTF-8' and import again."
        ) from None
    except OSError:
        raise ValidationFailed("The file could not be read; check that you may read it.") from None


@dataclass
class _Lookups:
    member_ids: dict[str, int]
    segments: dict[int, list[domain_segments.Segment]]
    users: dict[str, int]

    def segment_on(self, medicaid_id: str, day: date) -> SegmentType | None | str:
        member_id = self.member_ids.get(medicaid_id)
        if member_id is None:
            member_id = self.member_ids.get(normalise_medicaid_id(medicaid_id))
        if member_id is None:
            return UNKNOWN_MEMBER
        segment = domain_segments.segment_on(self.segments.get(member_id, ()), day)
        return segment.type if segment else None


def _lookups(session: Session) -> _Lookups:
    return _Lookups(
        member_ids={medicaid_id: member_id for medicaid_id, member_id in session.execute(select(Member.medicaid_id, Member.id))},
        segments=member_segments_by_id(session),
        users={username: user_id for username, user_id in session.execute(select(User.username, User.id))},
    )


def _check(session: Session, text: str, today: date, progress: ProgressCallback | None
           ) -> tuple[_Lookups, ContactsParseResult]:
    if progress:
        progress(0, 0, "Reading members and segments")
    lookups = _lookups(session)
    if progress:
        progress(0, 0, "Checking every line")
    result = parse_contacts_csv(text, lookups.users.keys(), lookups.segment_on, today=today)
    return lookups, result


def import_contacts(app: AppSession, path: Path, *, dry_run: bool = False,
                    progress: ProgressCallback | None = None, today: date | None = None) -> ContactsImportReport:
    """Check a contacts CSV file and, unless ``dry_run`` or anything is wrong, store every contact.

    Never raises for a problem inside the file: the report carries it, and nothing is stored. Raises
    ValidationFailed if the file cannot be read at all.
    """
    app.require(Permission.IMPORT_DATA)
    return import_contacts_text(app, read_text(Path(path)), dry_run=dry_run, progress=progress, today=today)


def import_contacts_text(app: AppSession, text: str, *, dry_run: bool = False,
                         progress: ProgressCallback | None = None, today: date | None = None
                         ) -> ContactsImportReport:
    """:func:`import_contacts` on the file's text."""
    started = clock.perf_counter()
    today = today or date.today()
    app.require(Permission.IMPORT_DATA)
    app.require(Permission.EDIT_CLINICAL)
    if dry_run:
        with app.read(Permission.IMPORT_DATA) as session:
            _found, result = _check(session, text, today, progress)
        return _report(result, 0, dry_run=True, started=started)

    with app.work(Permission.IMPORT_DATA) as uow:
        lookups, result = _check(uow.session, text, today, progress)
        if result.errors:
            return _report(result, 0, dry_run=False, started=started)
        _store(uow, result.rows, lookups, progress)
        _audit(uow, result.rows, lookups)
        _complete_checklist_items(uow, result.rows, lookups)
        if progress:
            progress(len(result.rows), len(result.rows), "Saving")
    return _report(result, len(result.rows), dry_run=False, started=started)


def _report(result: ContactsParseResult, imported: int, *, dry_run: bool, started: float) -> ContactsImportReport:
    return ContactsImportReport(
        rows=len(result.rows),
        imported=imported,
        errors=result.errors,
        warnings=result.warnings,
        dry_run=dry_run,
        seconds=clock.perf_counter() - started,
        members=len({normalise_medicaid_id(row.medicaid_id) for row in result.rows}) if not result.errors else 0,
        preview=result.rows[:PREVIEW_ROWS],
    )


def _store(uow: UnitOfWork, rows: tuple[ContactRow, ...], lookups: _Lookups,
           progress: ProgressCallback | None) -> None:
    now = utcnow()
    total = len(rows)
    table = Contact.__table__
    for start in range(0, total, CHUNK_ROWS):
        chunk = rows[start:start + CHUNK_ROWS]
        # One executemany per chunk: Core, not ORM objects, so 100,000 rows take seconds, not minutes.
        uow.session.execute(insert(table), [
            {
                "member_id": lookups.member_ids[normalise_medicaid_id(row.medicaid_id)],
                "contact_date": row.contact_date,
                "mode": row.mode.value,
                "with_whom": row.with_whom.value,
                "minutes": row.minutes,
                "staff_id": lookups.users[row.staff],
                "core_services": encode_services(row.core_services),
                "note": row.note,
                "created_at": now,
                "updated_at": now,
            }
            for row in chunk
        ])
        if progress:
            progress(start + len(chunk), total, f"Saving contacts: {start + len(chunk):,} of {total:,}")


def _audit(uow: UnitOfWork, rows: tuple[ContactRow, ...], lookups: _Lookups) -> None:
    per_member: dict[int, int] = {}
    for row in rows:
        member_id = lookups.member_ids[normalise_medicaid_id(row.medicaid_id)]
        per_member[member_id] = per_member.get(member_id, 0) + 1
    for member_id, count in sorted(per_member.items()):
        uow.audit("contacts_imported", "member", member_id, member_id, f"{count} contacts")
    uow.audit("contacts_import", "import", "contacts",
              detail=f"{len(rows)} contacts for {len(per_member)} members")


def _complete_checklist_items(uow: UnitOfWork, rows: tuple[ContactRow, ...], lookups: _Lookups) -> None:
    """A few open "member contacted" items at most: load them, then test only the TC rows in memory."""
    session = uow.session
    open_items = session.execute(
        select(ChecklistItem, TransitionEpisode)
        .join(TransitionEpisode, TransitionEpisode.id == ChecklistItem.episode_id)
        .where(TransitionEpisode.closed_at.is_(None), TransitionEpisode.discharged_at.is_not(None),
               ChecklistItem.key == MEMBER_CONTACTED_KEY,
               ChecklistItem.status == ChecklistItemStatus.OPEN.value)
    ).all()
    if not open_items:
        return
    by_member: dict[int, list[tuple[ChecklistItem, TransitionEpisode]]] = {}
    for item, episode in open_items:
        by_member.setdefault(episode.member_id, []).append((item, episode))
    now = datetime.now()
    for row in rows:
        if CoreService.TC not in row.core_services:
            continue
        member_id = lookups.member_ids[normalise_medicaid_id(row.medicaid_id)]
        for item, episode in by_member.get(member_id, ()):
            if item.status != ChecklistItemStatus.OPEN.value:
                continue
            if tc_contact_completes_member_contacted(
                episode.discharged_at, row.contact_date, row.mode, row.core_services, row.with_whom,
                within_hours=item.due_hours if item.due_hours is not None else 48,
            ):
                item.status = ChecklistItemStatus.DONE.value
                item.done_at = completion_time(row.contact_date, episode.discharged_at, now)
                item.done_by_id = lookups.users[row.staff]
                uow.audit("checklist_item_done", "checklist_item", item.id, member_id,
                          f"{item.key} by imported contact (line {row.line})")
