"""Parser for the file of outreach months billed by another Health Home or care management agency.

NY DOH's interim outreach guidance (2017-10-18) says "Billable outreach is connected to the individual not
the Health Home or Care Management Agency", so the months another agency billed count in this agency's
outreach limits. Lead Health Homes report them (from MAPP) as a list; this reads it. The header is, in any
column order and letter case::

    medicaid_id,month,agency

``month`` is ``YYYY-MM`` (a full date is refused rather than cut to its month: a user must see what is
stored); ``agency`` the other Health Home or agency (1 to 200 characters). A month after the current one
(``today``) is refused: it cannot have been billed yet. The same member and month twice in one file is an
error. Blank lines are skipped and a UTF-8 byte-order mark is ignored. Every problem is reported with its
line number and column, never with the value (reports must not carry member data). The parser never raises;
that a file with any error imports nothing is the caller's rule.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from hhdesk.domain.identifiers import normalise_medicaid_id
from hhdesk.domain.service_month import ServiceMonth

HEADER: tuple[str, ...] = ("medicaid_id", "month", "agency")
HEADER_LINE = ",".join(HEADER)
MAX_AGENCY_LENGTH = 200
_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class OutreachElsewhereRow:
    line: int
    medicaid_id: str
    month: ServiceMonth
    agency: str


@dataclass(frozen=True)
class OutreachLineProblem:
    line: int  # 0: the file as a whole
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        column = f", column {self.column}" if self.column else ""
        return f"{where}{column}: {self.message}"


@dataclass(frozen=True)
class OutreachElsewhereParse:
    rows: tuple[OutreachElsewhereRow, ...]
    errors: tuple[OutreachLineProblem, ...]


def parse_outreach_elsewhere_csv(
    text: str, known_member: Callable[[str], bool], *, today: date
) -> OutreachElsewhereParse:
    """Every valid row and every problem; ``known_member(medicaid_id)`` says whether the store has the member."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        return OutreachElsewhereParse((), (OutreachLineProblem(1, None, f"The file is empty: the first line "
                                                                        f"must be {HEADER_LINE}."),))
    this_month = ServiceMonth.of(today)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[OutreachElsewhereRow] = []
    errors: list[OutreachLineProblem] = []
    seen: dict[tuple[str, ServiceMonth], int] = {}
    columns: dict[str, int] | None = None
    line = 0
    while True:
        start = line + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error:
            errors.append(OutreachLineProblem(start, None, "The line is not valid CSV (check the quotes)."))
            if reader.line_num <= line:
                break
            line = reader.line_num
            continue
        line = reader.line_num
        if not any(field.strip() for field in fields):
            continue
        if columns is None:
            names = [field.strip().lower() for field in fields]
            if sorted(names) != sorted(HEADER):
                errors.append(OutreachLineProblem(start, None, f"The first line must name the columns "
                                                               f"{HEADER_LINE} (in any order)."))
                return OutreachElsewhereParse((), tuple(errors))
            columns = {name: index for index, name in enumerate(names)}
            continue
        if len(fields) != len(HEADER):
            errors.append(OutreachLineProblem(start, None, f"The line has {len(fields)} fields; it needs "
                                                           f"{len(HEADER)} ({HEADER_LINE})."))
            continue
        medicaid_id = normalise_medicaid_id(fields[columns["medicaid_id"]])
        month_text = fields[columns["month"]].strip()
        agency = " ".join(fields[columns["agency"]].split())
        problems: list[OutreachLineProblem] = []
        if not medicaid_id:
            problems.append(OutreachLineProblem(start, "medicaid_id", "The Medicaid ID is empty."))
        elif not known_member(medicaid_id):
            problems.append(OutreachLineProblem(start, "medicaid_id", "No member with this Medicaid ID is in "
                                                                      "the store."))
        month: ServiceMonth | None = None
        match = _MONTH.fullmatch(month_text)
        if match is None or not 1 <= int(match.group(2)) <= 12:
            problems.append(OutreachLineProblem(start, "month", "The month must be written YYYY-MM, "
                                                                "for example 2024-03."))
        else:
            month = ServiceMonth(int(match.group(1)), int(match.group(2)))
            if month.index > this_month.index:
                problems.append(OutreachLineProblem(start, "month", "The month is in the future; it cannot "
                                                                    "have been billed yet."))
        if not agency:
            problems.append(OutreachLineProblem(start, "agency", "Name the Health Home or agency that billed "
                                                                 "the month."))
        elif len(agency) > MAX_AGENCY_LENGTH:
            problems.append(OutreachLineProblem(start, "agency", f"The agency name is longer than "
                                                                 f"{MAX_AGENCY_LENGTH} characters."))
        if not problems and month is not None:
            earlier = seen.get((medicaid_id, month))
            if earlier is not None:
                problems.append(OutreachLineProblem(start, None, f"The same member and month are on line "
                                                                 f"{earlier}."))
            else:
                seen[(medicaid_id, month)] = start
                rows.append(OutreachElsewhereRow(start, medicaid_id, month, agency))
        errors += problems
    if columns is None and not errors:
        errors.append(OutreachLineProblem(1, None, f"The first line must be {HEADER_LINE}."))
    return OutreachElsewhereParse(tuple(rows), tuple(errors))
