"""The contacts import (``hhdesk import contacts FILE.csv``): a spreadsheet's history of contacts, all or nothing.

The file format and every rule are in :mod:`hhdesk.domain.contacts_csv`. This service supplies what the
parser looks up (usernames, and each member's segment on each contact's date from every member's segments,
loaded once), then, if no line has an error, stores every row in one transaction with a Core bulk insert.
A file with any error stores nothing; the report lists every problem with its line number and column, never
a value from the file.

Everything slow (reading, parsing, checking every line against the store) happens in a read transaction,
before the write lock is taken, so other windows and commands keep working meanwhile; only the inserts
hold the lock. If the store changed between the check and the lock (members, segments, users, contacts,
or another import of the same file), the file is checked again under the lock, so no such change slips
through. A dry run checks everything and stores nothing. Disabled users are accepted as staff: a
spreadsheet's history is full of people who have left.

Importing twice: the SHA-256 of every imported file is kept in its audit event, and a file imported before
is refused, as is any line whose contact the store already holds (same member, date, mode, staff and
minutes: a contact has no time of day). With ``skip_duplicates`` such lines are skipped instead, each
reported as a warning, and the rest is imported (a spreadsheet that grows month by month).

Audit: one ``contacts_imported`` event per member (how many contacts) and one summary event for the file.
TC contacts after a discharge complete the "member contacted" item of open episodes, as in the window.
"""

from __future__ import annotations

import hashlib
import time as clock
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hhdesk.clock import local_naive
from hhdesk.db.bulk import insert_many
from hhdesk.db.imported_files import contacts_file_imported
from hhdesk.db.models import ChecklistItem, Contact, Member, TransitionEpisode, User
from hhdesk.db.models.base import utcnow
from hhdesk.db.turns import Turn, take_turn
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
    members: int = 0  # distinct members in the rows imported (or that a dry run would import)
    preview: tuple[ContactRow, ...] = ()  # the first valid rows, for the window's preview
    skipped: int = 0  # lines whose contact the store already holds, skipped (skip_duplicates)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            count = len(self.errors)
            return (f"Nothing was imported: {count} {'problem' if count == 1 else 'problems'} "
                    "must be fixed first (see the lines below).")
        new = self.rows - self.skipped
        if self.skipped and not new:
            which = "its one contact is" if self.skipped == 1 else f"all {self.skipped:,} of its contacts are"
            return f"Nothing new to import from this file: {which} already in the store."
        skipped = f" ({self.skipped:,} already in the store {'would be ' if self.dry_run else ''}skipped)" \
            if self.skipped else ""
        if self.dry_run:
            return (f"Dry run: {new:,} contacts for {self.members:,} members would be imported{skipped}; "
                    "nothing was changed.")
        return f"Imported {self.imported:,} contacts for {self.members:,} members{skipped} in {self.seconds:.1f} s."

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


DUPLICATE_ERROR = ("the store already holds this contact (same member, date, mode, staff and minutes), "
                   "from an earlier import or the window. Remove the line, or skip duplicates.")
DUPLICATE_SKIPPED = "already in the store (same member, date, mode, staff and minutes): skipped."


@dataclass(frozen=True)
class _StoreState:
    """What a check depended on; if any of it differs under the write lock, the file is checked again."""

    lookups: _Lookups
    contacts: tuple[int, int | None, datetime | None]  # count, highest id, latest change
    earlier_import: tuple[str, str] | None  # when and by whom this very file was imported


@dataclass(frozen=True)
class _Checked:
    state: _StoreState
    result: ContactsParseResult  # errors include repeated-file and duplicate problems
    new_rows: tuple[ContactRow, ...]  # the rows to store: valid, and not in the store yet


def file_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _store_state(session: Session, digest: str) -> _StoreState:
    contacts = session.execute(
        select(func.count(Contact.id), func.max(Contact.id), func.max(Contact.updated_at))
    ).one()
    return _StoreState(_lookups(session), tuple(contacts), contacts_file_imported(session, digest))


def _duplicate_key(member_id: int, day: date, mode: str, staff_id: int | None, minutes: int) -> tuple[object, ...]:
    return member_id, day, mode, staff_id, minutes


def _lines_already_stored(session: Session, rows: tuple[ContactRow, ...], lookups: _Lookups) -> set[int]:
    """The line numbers of rows whose contact the store already holds."""
    if not rows:
        return set()
    first = min(row.contact_date for row in rows)
    last = max(row.contact_date for row in rows)
    stored = {
        _duplicate_key(*found)
        for found in session.execute(
            select(Contact.member_id, Contact.contact_date, Contact.mode, Contact.staff_id, Contact.minutes)
            .where(Contact.contact_date.between(first, last))
        )
    }
    if not stored:
        return set()
    return {
        row.line for row in rows
        if _duplicate_key(_member_id(lookups, row), row.contact_date, row.mode.value, lookups.users[row.staff],
                          row.minutes) in stored
    }


def _member_id(lookups: _Lookups, row: ContactRow) -> int:
    return lookups.member_ids[normalise_medicaid_id(row.medicaid_id)]


def _check(session: Session, text: str, digest: str, today: date, skip_duplicates: bool,
           progress: ProgressCallback | None) -> _Checked:
    if progress:
        progress(0, 0, "Reading members and segments")
    state = _store_state(session, digest)
    if progress:
        progress(0, 0, "Checking every line")
    result = parse_contacts_csv(text, state.lookups.users.keys(), state.lookups.segment_on, today=today)
    if result.errors:
        return _Checked(state, result, ())
    errors: list[LineProblem] = []
    warnings = list(result.warnings)
    if state.earlier_import is not None and not skip_duplicates:
        at, username = state.earlier_import
        errors.append(LineProblem(0, None, (
            f"This file was imported before, on {at[:10]} by {username}. To import only the contacts that are "
            "not in the store yet, tick \"Skip contacts already in the store\" (--skip-duplicates on the "
            "command line).")))
    if progress:
        progress(0, 0, "Looking for contacts already in the store")
    stored = _lines_already_stored(session, result.rows, state.lookups)
    if stored and not skip_duplicates:
        errors.extend(LineProblem(line, None, DUPLICATE_ERROR) for line in sorted(stored))
    elif stored:
        warnings.extend(LineProblem(line, None, DUPLICATE_SKIPPED) for line in sorted(stored))
    new_rows = tuple(row for row in result.rows if row.line not in stored)
    return _Checked(state, replace(result, errors=tuple(errors), warnings=tuple(sorted(warnings, key=_line_order))),
                    new_rows if not errors else ())


def _line_order(problem: LineProblem) -> int:
    return problem.line


def import_contacts(app: AppSession, path: Path, *, dry_run: bool = False, skip_duplicates: bool = False,
                    progress: ProgressCallback | None = None, today: date | None = None) -> ContactsImportReport:
    """Check a contacts CSV file and, unless ``dry_run`` or anything is wrong, store every contact.

    Never raises for a problem inside the file: the report carries it, and nothing is stored. Raises
    ValidationFailed if the file cannot be read at all.
    """
    app.require(Permission.IMPORT_DATA)
    return import_contacts_text(app, read_text(Path(path)), dry_run=dry_run, skip_duplicates=skip_duplicates,
                                progress=progress, today=today)


def import_contacts_text(app: AppSession, text: str, *, dry_run: bool = False, skip_duplicates: bool = False,
                         progress: ProgressCallback | None = None, today: date | None = None
                         ) -> ContactsImportReport:
    """:func:`import_contacts` on the file's text."""
    started = clock.perf_counter()
    today = today or app.clock.today()
    app.require(Permission.IMPORT_DATA)
    app.require(Permission.EDIT_CLINICAL)
    digest = file_digest(text)
    with app.read(Permission.IMPORT_DATA) as session:
        checked = _check(session, text, digest, today, skip_duplicates, progress)
    if dry_run or checked.result.errors:
        return _report(checked, 0, dry_run=dry_run, started=started)

    if progress:
        progress(0, 0, "Waiting to save (another window or command is saving)")
    with app.work(Permission.IMPORT_DATA) as uow:
        # In turn with every other import before the store is looked at again: the same file imported from
        # two workstations at once is then refused (or its lines skipped) the second time, as it is one after
        # the other. A store file needs nothing more: its BEGIN IMMEDIATE already lets one writer in at a time.
        take_turn(uow.session, Turn.IMPORTS)
        if _store_state(uow.session, digest) != checked.state:
            checked = _check(uow.session, text, digest, today, skip_duplicates, progress)
            if checked.result.errors:
                return _report(checked, 0, dry_run=False, started=started)
        rows, lookups = checked.new_rows, checked.state.lookups
        _store(uow, rows, lookups, progress)
        _audit(uow, rows, lookups, digest, skipped=len(checked.result.rows) - len(rows))
        _complete_checklist_items(uow, rows, lookups)
        if progress:
            progress(len(rows), len(rows), "Saving")
    return _report(checked, len(rows), dry_run=False, started=started)


def _report(checked: _Checked, imported: int, *, dry_run: bool, started: float) -> ContactsImportReport:
    result = checked.result
    return ContactsImportReport(
        rows=len(result.rows),
        imported=imported,
        errors=result.errors,
        warnings=result.warnings,
        dry_run=dry_run,
        seconds=clock.perf_counter() - started,
        members=len({normalise_medicaid_id(row.medicaid_id) for row in checked.new_rows}),
        preview=result.rows[:PREVIEW_ROWS],
        skipped=len(result.rows) - len(checked.new_rows) if not result.errors else 0,
    )


def _store(uow: UnitOfWork, rows: tuple[ContactRow, ...], lookups: _Lookups,
           progress: ProgressCallback | None) -> None:
    now = utcnow()
    total = len(rows)
    table = Contact.__table__
    for start in range(0, total, CHUNK_ROWS):
        chunk = rows[start:start + CHUNK_ROWS]
        # One executemany per chunk, straight to the driver: the write lock is held for the inserts only.
        insert_many(uow.session, table, [
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


def _audit(uow: UnitOfWork, rows: tuple[ContactRow, ...], lookups: _Lookups, digest: str, *,
           skipped: int) -> None:
    per_member: dict[int, int] = {}
    for row in rows:
        member_id = lookups.member_ids[normalise_medicaid_id(row.medicaid_id)]
        per_member[member_id] = per_member.get(member_id, 0) + 1
    for member_id, count in sorted(per_member.items()):
        uow.audit("contacts_imported", "member", member_id, member_id, f"{count} contacts")
    # The file's hash is how a second import of the same file is recognised (see the module's docstring).
    detail = f"{len(rows)} contacts for {len(per_member)} members; sha256 {digest}"
    if skipped:
        detail += f"; {skipped} already in the store skipped"
    uow.audit("contacts_import", "import", "contacts", detail=detail)


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
    now = local_naive(uow.clock.now())
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
