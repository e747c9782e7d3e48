"""Parser for the contacts import: a CSV file of contacts kept in a spreadsheet before hhdesk.

The first line is the header, exactly::

    medicaid_id,date,mode,minutes,staff,with_whom,core_services,note

Each further line is one contact. ``date`` is ``YYYY-MM-DD`` (``M/D/YYYY``, as US spreadsheets save
dates, is accepted too), from 1900 on, and dates and minutes are written with the digits 0-9 only
(:mod:`hhdesk.domain.entered_dates`); ``mode`` one of :class:`ContactMode`; ``minutes`` a whole number from 0 to 600;
``staff`` a username of the agency; ``with_whom`` one of member, family, provider, agency;
``core_services`` empty or codes from CM;CC;TC;FS;RS;IT joined by ``;`` (spaces, letter case, repeats
and a trailing ``;`` are forgiven); ``note`` free text, which may span lines inside double quotes (line breaks are stored as ``\n``).
Blank lines, and lines whose fields are all empty (what a spreadsheet writes for an empty row), are
skipped. A UTF-8 byte-order mark before the header is ignored.

The contact rules of :mod:`hhdesk.domain.contact_rules` apply with the member's segment on the contact's
date, which the caller supplies through ``segment_on``. Every problem of every line is reported with the
line number (the header is line 1; a record spanning several lines is reported at its first line) and
the column, never with the value: the report must not carry member data. A contact dated outside any
segment is accepted with a warning (see :mod:`hhdesk.domain.contact_rules`); so is a line repeating an
earlier line exactly. The parser never raises on any text; whether a file with errors imports nothing is
the caller's rule (it should: all or nothing).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from typing import Literal

from hhdesk.domain import entered_dates
from hhdesk.domain.contact_rules import contact_field_problems, contact_warnings
from hhdesk.domain.enums import ContactMode, CoreService, SegmentType, WithWhom

HEADER: tuple[str, ...] = (
    "medicaid_id",
    "date",
    "mode",
    "minutes",
    "staff",
    "with_whom",
    "core_services",
    "note",
)
HEADER_LINE = ",".join(HEADER)
UNKNOWN_MEMBER: Literal["unknown_member"] = "unknown_member"
MAX_MEDICAID_ID_LENGTH = 32

SegmentLookup = Callable[[str, date], SegmentType | None | Literal["unknown_member"]]


_MODES: dict[str, ContactMode] = {mode.value: mode for mode in ContactMode}
_WITH_WHOM: dict[str, WithWhom] = {party.value: party for party in WithWhom}
_SERVICES: dict[str, CoreService] = {service.value: service for service in CoreService}

_MODE_EXPECTED = "must be one of " + ", ".join(_MODES) + "."
_WITH_WHOM_EXPECTED = "must be one of " + ", ".join(_WITH_WHOM) + "."
_SERVICES_EXPECTED = "must be empty or codes from " + ";".join(_SERVICES) + " joined by ';'."
_DATE_EXPECTED = "must be a real date written YYYY-MM-DD (or M/D/YYYY)."
_MINUTES_EXPECTED = "must be a whole number from 0 to 600."


@dataclass(frozen=True, slots=True)
class ContactRow:
    """One valid line of the file, ready for the service to store."""

    line: int
    medicaid_id: str
    contact_date: date
    mode: ContactMode
    minutes: int
    staff: str  # the username as the agency spells it
    with_whom: WithWhom
    core_services: frozenset[CoreService]
    note: str
    segment_type: SegmentType | None  # the member's segment on contact_date


@dataclass(frozen=True, slots=True)
class LineProblem:
    """What is wrong (or worth knowing) about one line; names the column, never quotes the value.

    Line 0 is the file as a whole (e.g. a file imported before).
    """

    line: int
    field: str | None
    message: str

    def __str__(self) -> str:
        if self.line == 0:
            return self.message
        where = f"Line {self.line}" + (f", {self.field}" if self.field else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ContactsParseResult:
    rows: tuple[ContactRow, ...]
    errors: tuple[LineProblem, ...]
    warnings: tuple[LineProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def _normalise_word(text: str) -> str:
    return text.strip().lower().replace(" ", "_").replace("-", "_")


def _parse_services(text: str) -> frozenset[CoreService] | None:
    services = set()
    for piece in text.split(";"):
        code = piece.strip().upper()
        if not code:
            continue
        service = _SERVICES.get(code)
        if service is None:
            return None
        services.add(service)
    return frozenset(services)


class _LineParser:
    """Checks one record's fields; holds what is shared by every line."""

    def __init__(self, usernames: Collection[str], segment_on: SegmentLookup, today: date) -> None:
        self._users = {name.casefold(): name for name in usernames}
        self._segment_on = segment_on
        self._today = today

    def parse(self, line: int, fields: list[str], errors: list[LineProblem], warnings: list[LineProblem]) -> ContactRow | None:
        problems: list[LineProblem] = []

        def problem(field: str | None, message: str) -> None:
            problems.append(LineProblem(line, field, message))

        raw_id, raw_date, raw_mode, raw_minutes, raw_staff, raw_whom, raw_services, note = fields
        if any("\x00" in value for value in fields):
            problem(None, "A field holds a NUL character: save the file again as UTF-8 CSV.")

        medicaid_id = raw_id.strip()
        if not medicaid_id:
            problem("medicaid_id", "is required.")
        elif len(medicaid_id) > MAX_MEDICAID_ID_LENGTH:
            problem("medicaid_id", f"is longer than {MAX_MEDICAID_ID_LENGTH} characters.")
            medicaid_id = ""

        contact_date = entered_dates.parse_date(raw_date)
        if contact_date is None:
            problem("date", entered_dates.date_problem(raw_date) or _DATE_EXPECTED)

        mode = _MODES.get(_normalise_word(raw_mode))
        if mode is None:
            problem("mode", _MODE_EXPECTED)

        minutes = entered_dates.parse_whole_number(raw_minutes, 4)
        if minutes is None:
            problem("minutes", _MINUTES_EXPECTED)

        staff = self._users.get(raw_staff.strip().casefold())
        if staff is None:
            problem("staff", "is not a username of this agency." if raw_staff.strip() else "is required.")

        with_whom = _WITH_WHOM.get(_normalise_word(raw_whom))
        if with_whom is None:
            problem("with_whom", _WITH_WHOM_EXPECTED)

        services = _parse_services(raw_services)
        if services is None:
            problem("core_services", _SERVICES_EXPECTED)

        segment_type: SegmentType | None = None
        segment_known = False
        if medicaid_id and contact_date is not None:
            found = self._segment_on(medicaid_id, contact_date)
            if found == UNKNOWN_MEMBER:
                problem("medicaid_id", "no member has this Medicaid ID.")
            else:
                segment_type = found
                segment_known = True

        # The contact rules, on whatever could be read: a field that failed above is replaced by a value
        # that cannot add a problem of its own, so each fault is reported once.
        rule_problems = contact_field_problems(
            segment_type,
            mode or ContactMode.IN_PERSON,
            services if (segment_known and mode is not None and services) else frozenset(),
            minutes if minutes is not None else 0,
            contact_date or self._today,
            self._today,
        )
        for field, message in rule_problems:
            problem(field, message)

        if problems:
            errors.extend(problems)
            return None
        assert contact_date is not None and mode is not None and minutes is not None  # for the type checker
        assert staff is not None and with_whom is not None and services is not None
        for message in contact_warnings(segment_type, services):
            warnings.append(LineProblem(line, "date", message))
        return ContactRow(
            line=line,
            medicaid_id=medicaid_id,
            contact_date=contact_date,
            mode=mode,
            minutes=minutes,
            staff=staff,
            with_whom=with_whom,
            core_services=services,
            note=note.replace("\r\n", "\n").replace("\r", "\n").strip(),
            segment_type=segment_type,
        )


def _header_problems(fields: list[str]) -> list[LineProblem]:
    found = [value.strip() for value in fields]
    if len(found) != len(HEADER):
        return [
            LineProblem(
                1,
                None,
                f"The first line must be the header {HEADER_LINE} ({len(HEADER)} columns, found {len(found)}).",
            )
        ]
    # Name the expected column, never echo what was found: a file without a header has data there.
    return [
        LineProblem(1, None, f"Column {position} of the header must be {expected}.")
        for position, (expected, actual) in enumerate(zip(HEADER, found, strict=True), start=1)
        if actual != expected
    ]


def parse_contacts_csv(
    text: str,
    usernames: Collection[str],
    segment_on: SegmentLookup,
    *,
    today: date,
) -> ContactsParseResult:
    """Read the whole file and return every valid row and every problem, line by line.

    ``segment_on(medicaid_id, contact_date)`` returns the member's segment type on that date, ``None``
    if no segment covers it, or :data:`UNKNOWN_MEMBER`. It is called once per line whose Medicaid ID and
    date could be read, so it should be a lookup in memory, not a query per line.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        return ContactsParseResult((), (LineProblem(1, None, f"The file is empty: the first line must be {HEADER_LINE}."),))

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line_parser = _LineParser(usernames, segment_on, today)
    rows: list[ContactRow] = []
    errors: list[LineProblem] = []
    warnings: list[LineProblem] = []
    seen: dict[tuple[object, ...], int] = {}
    header_done = False
    last_line = 0

    while True:
        start = last_line + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.append(LineProblem(start, None, _csv_error_message(str(error), start, reader.line_num)))
            if reader.line_num <= last_line:  # no progress: stop rather than loop
                break
            last_line = reader.line_num
            continue
        end = reader.line_num
        last_line = end

        if not header_done:
            header_done = True
            header_problems = _header_problems(fields) if start == 1 else [
                LineProblem(1, None, f"The first line must be the header {HEADER_LINE}.")
            ]
            if header_problems:
                return ContactsParseResult((), tuple(header_problems))
            continue

        if not any(value.strip() for value in fields):
            continue
        if len(fields) != len(HEADER):
            message = f"Expected {len(HEADER)} fields, found {len(fields)}."
            if end > start:
                message += f" The line runs on to line {end}: check for a double quote that is not closed."
            errors.append(LineProblem(start, None, message))
            continue

        row = line_parser.parse(start, fields, errors, warnings)
        if row is None:
            continue
        identity = (
            row.medicaid_id,
            row.contact_date,
            row.mode,
            row.minutes,
            row.staff,
            row.with_whom,
            row.core_services,
            row.note,
        )
        earlier = seen.setdefault(identity, start)
        if earlier != start:
            warnings.append(LineProblem(start, None, f"Same contact as line {earlier}: it would be imported twice."))
        rows.append(row)

    if not header_done:
        errors.insert(0, LineProblem(1, None, f"The first line must be the header {HEADER_LINE}."))
        rows.clear()
    return ContactsParseResult(tuple(rows), tuple(errors), tuple(warnings))


def _csv_error_message(reason: str, start: int, end: int) -> str:
    if "unexpected end of data" in reason:
        message = "A double quote opened on this line is never closed"
        if end > start:
            message += f", so lines {start} to {end} could not be read"
        return message + ". Close the quote and import again."
    if "field larger than field limit" in reason:
        return (
            f"A field is too long (over {csv.field_size_limit():,} characters); a double quote that is not "
            "closed may be the cause."
        )
    return "The line is not valid CSV: a double quote inside a field must be doubled (\"\")."
