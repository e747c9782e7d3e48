"""The roster import file: parse and check every line, report every problem by line number.

Columns, in this order, with a header row:

    medicaid_id,last_name,first_name,dob,sex,phone,address_line1,city,state,zip,language,plan_id,
    segment,segment_start,consent_date,tier,conditions,care_manager

and, optionally, two more at the end: ``payer,payer_from`` (the code of the member's Medicaid plan or
fee-for-service in the agency's payer table, and the date from which it pays; both or neither).

The parser never raises on any text. It returns the rows it could read and one ``LineError`` per
problem; the caller decides (all-or-nothing: any error rejects the file). Line numbers are those of the
file as an editor shows them, the header being line 1; a quoted field spanning lines is reported at the
line where its record starts. Messages name the field and what is expected, never the value found, so a
report can be shown or logged without exposing member data.

Choices where the issue was silent (product decisions):
- Dates are YYYY-MM-DD; MM/DD/YYYY (what Excel writes in the USA) is accepted too. Two-digit years are not.
- Empty optional fields: phone, address, city, state, zip, language, plan_id, conditions, care_manager.
  ``consent_date`` may be blank on any row; ``tier`` may be blank on an outreach row only.
- ``sex`` is M, F, X or U (unknown); blank is taken as U.
- ICD-10-CM codes are accepted with or without the dot, in any case, and stored with the dot; a code
  listed twice on a row is kept once. Any code in the code set counts, including non-billable headers.
- ``care_manager`` matches a known username ignoring case; the row carries the username as known.
- A date after ``today`` is rejected, as are a segment start or consent date before the date of birth.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date

from hhdesk.domain.conditions import is_icd10_format, is_known_icd10, normalise_icd10
from hhdesk.domain.enums import SegmentType, Tier
from hhdesk.domain.errors import DomainError
from hhdesk.domain.identifiers import normalise_medicaid_id
from hhdesk.domain.program_profile import ProgramProfile

ROSTER_COLUMNS: tuple[str, ...] = (
    "medicaid_id",
    "last_name",
    "first_name",
    "dob",
    "sex",
    "phone",
    "address_line1",
    "city",
    "state",
    "zip",
    "language",
    "plan_id",
    "segment",
    "segment_start",
    "consent_date",
    "tier",
    "conditions",
    "care_manager",
)
# Optional trailing columns: the member's payer from a date (docs/billing.md, "Payers").
PAYER_COLUMNS: tuple[str, ...] = ("payer", "payer_from")

SEX_VALUES = ("M", "F", "X", "U")
MAX_TEXT_LENGTH = 200  # a longer name or address is a broken file, not a person
_EARLIEST_DATE = date(1900, 1, 1)
# Control characters, line and paragraph separators, and lone surrogates (undecodable bytes) have no
# place in a name or address; spaces of any kind (Excel's no-break space) are fine.
_FORBIDDEN_CHARACTER_CATEGORIES = frozenset({"Cc", "Zl", "Zp", "Cs"})


@dataclass(frozen=True)
class RosterRow:
    """One checked roster line, values normalised (Medicaid ID and codes upper case, phone digits only)."""

    line_no: int
    medicaid_id: str
    last_name: str
    first_name: str
    dob: date
    sex: str
    phone: str
    address_line1: str
    city: str
    state: str
    zip: str
    language: str
    plan_id: str
    segment: SegmentType
    segment_start: date
    consent_date: date | None
    tier: Tier | None
    conditions: tuple[str, ...]
    care_manager: str
    payer: str = ""  # a payer-table code, upper case; empty when the file has no payer columns or none given
    payer_from: date | None = None


@dataclass(frozen=True)
class LineError:
    """One problem on one line; ``field`` is the column name, or None for a problem with the whole line."""

    line_no: int
    message: str
    field: str | None = None

    def __str__(self) -> str:
        where = f"line {self.line_no}" + (f", {self.field}" if self.field else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class RosterParseResult:
    rows: tuple[RosterRow, ...]
    errors: tuple[LineError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def decode_csv_bytes(data: bytes) -> str:
    """Decode an uploaded roster file: UTF-8 (with or without BOM), or UTF-16 with a BOM.

    Other encodings are refused rather than guessed, since a wrong guess silently garbles names; the
    error says on which line the first undecodable byte is and how to save the file as UTF-8.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise DomainError("The file starts like UTF-16 text but is not valid UTF-16.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_no = data.count(b"\n", 0, exc.start) + 1
        raise DomainError(
            f"The file is not UTF-8 text (the first unreadable character is on line {line_no}). "
            "Save it as 'CSV UTF-8 (Comma delimited)' and import it again."
        ) from None


def parse_roster(
    source: str | Iterable[str],
    *,
    profile: ProgramProfile,
    known_usernames: Collection[str],
    today: date,
) -> RosterParseResult:
    """Parse roster text (or an iterable of lines with their line endings) and check every line."""
    usernames = {name.casefold(): name for name in known_usernames}
    lines = io.StringIO(source, newline="") if isinstance(source, str) else iter(source)
    reader = csv.reader(lines)

    rows: list[RosterRow] = []
    errors: list[LineError] = []
    first_line_of: dict[str, int] = {}
    header_seen = False
    columns = ROSTER_COLUMNS
    last_line = 0
    while True:
        record_line = last_line + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error:
            errors.append(LineError(record_line, "this line cannot be read as CSV (check its quotes)"))
            if reader.line_num <= last_line:  # the reader made no progress; stop rather than spin
                break
            last_line = reader.line_num
            continue
        last_line = reader.line_num
        if not header_seen:
            if record and record[0].startswith("\ufeff"):
                record[0] = record[0][1:]
            if _is_blank(record):
                errors.append(
                    LineError(record_line, "the file is empty; the first line must be the header row")
                )
                return RosterParseResult((), tuple(errors))
            header_seen = True
            header_errors = _check_header(record, record_line)
            if len(record) == len(ROSTER_COLUMNS) + len(PAYER_COLUMNS):
                columns = ROSTER_COLUMNS + PAYER_COLUMNS
            if header_errors:
                # Columns cannot be trusted without the right header, so the rows are not checked.
                return RosterParseResult((), tuple(errors + header_errors))
            continue
        if _is_blank(record):
            continue
        row, row_errors, medicaid_id = _parse_row(record, record_line, profile, usernames, today, columns)
        # A line with other problems still claims its Medicaid ID, so a duplicate is reported as well.
        if medicaid_id:
            first = first_line_of.setdefault(medicaid_id, record_line)
            if first != record_line:
                row_errors.append(
                    LineError(record_line, f"the same Medicaid ID is already on line {first}", "medicaid_id")
                )
        errors.extend(row_errors)
        if row is not None and not row_errors:
            rows.append(row)

    if not header_seen:
        errors.append(LineError(1, "the file is empty; the first line must be the header row"))
    elif not rows and not errors:
        errors.append(LineError(last_line or 1, "the file has a header but no member rows"))
    return RosterParseResult(tuple(rows), tuple(errors))


def _is_blank(record: list[str]) -> bool:
    return all(not field.strip() for field in record)


def _check_header(record: list[str], line_no: int) -> list[LineError]:
    found = [name.strip().casefold() for name in record]
    if tuple(found) in (ROSTER_COLUMNS, ROSTER_COLUMNS + PAYER_COLUMNS):
        return []
    expected = ",".join(ROSTER_COLUMNS)
    if len(found) == len(ROSTER_COLUMNS) + len(PAYER_COLUMNS):
        position = next(i for i, (a, b) in enumerate(zip(found, ROSTER_COLUMNS + PAYER_COLUMNS, strict=True))
                        if a != b)
        detail = f"column {position + 1} should be {(ROSTER_COLUMNS + PAYER_COLUMNS)[position]}"
        return [LineError(line_no, f"the header row must be exactly: {expected} (optionally followed by "
                                   f"{','.join(PAYER_COLUMNS)}) ({detail})")]
    if len(found) != len(ROSTER_COLUMNS):
        detail = f"it has {len(found)} columns, expected {len(ROSTER_COLUMNS)}"
    else:
        position = next(i for i, (a, b) in enumerate(zip(found, ROSTER_COLUMNS, strict=True)) if a != b)
        detail = f"column {position + 1} should be {ROSTER_COLUMNS[position]}"
    return [LineError(line_no, f"the header row must be exactly: {expected} ({detail})")]


class _RowChecker:
    """Collects the problems of one line while reading its fields."""

    def __init__(self, record: list[str], line_no: int, columns: tuple[str, ...] = ROSTER_COLUMNS) -> None:
        self.values = dict(zip(columns, (field.strip() for field in record), strict=True))
        self.line_no = line_no
        self.errors: list[LineError] = []

    def fail(self, field: str, message: str) -> None:
        self.errors.append(LineError(self.line_no, message, field))

    def text(self, field: str, *, required: bool = False) -> str:
        value = self.values[field]
        if required and not value:
            self.fail(field, "is required")
        elif len(value) > MAX_TEXT_LENGTH:
            self.fail(field, f"is longer than {MAX_TEXT_LENGTH} characters")
        elif any(unicodedata.category(ch) in _FORBIDDEN_CHARACTER_CATEGORIES for ch in value):
            self.fail(field, "contains a line break or another control character")
        return value

    def parsed(
        self, field: str, parse: Callable[[str], object | None], expected: str, *, required: bool
    ) -> object | None:
        value = self.values[field]
        if not value:
            if required:
                self.fail(field, f"is required ({expected})")
            return None
        result = parse(value)
        if result is None:
            self.fail(field, f"expected {expected}")
        return result

    def day(self, field: str, today: date, *, required: bool) -> date | None:
        value = self.parsed(field, _parse_date, "a date as YYYY-MM-DD or MM/DD/YYYY", required=required)
        if not isinstance(value, date):
            return None
        if value > today:
            self.fail(field, "is in the future")
            return None
        if value < _EARLIEST_DATE:
            self.fail(field, "is before 1900")
            return None
        return value


def _parse_row(
    record: list[str],
    line_no: int,
    profile: ProgramProfile,
    usernames: dict[str, str],
    today: date,
    columns: tuple[str, ...] = ROSTER_COLUMNS,
) -> tuple[RosterRow | None, list[LineError], str | None]:
    """The row (None if the line has problems), the problems, and the line's valid Medicaid ID if any."""
    if len(record) != len(columns):
        if len(record) > len(columns):
            hint = " (is there an unquoted comma inside a field?)"
        else:
            hint = " (is a field missing, or a quote left open?)"
        return (
            None,
            [LineError(line_no, f"expected {len(columns)} columns, found {len(record)}{hint}")],
            None,
        )
    check = _RowChecker(record, line_no, columns)

    medicaid_id: str | None = normalise_medicaid_id(check.text("medicaid_id", required=True))
    if check.errors:
        medicaid_id = None
    elif profile.medicaid_id_regex.fullmatch(medicaid_id or "") is None:
        check.fail("medicaid_id", f"expected a Medicaid ID like {profile.medicaid_id_example}")
        medicaid_id = None
    last_name = check.text("last_name", required=True)
    first_name = check.text("first_name", required=True)
    dob = check.day("dob", today, required=True)

    sex = check.text("sex").upper() or "U"
    if sex not in SEX_VALUES:
        check.fail("sex", f"expected one of {', '.join(SEX_VALUES)}")

    phone = _parse_phone(check.text("phone"))
    if phone is None:
        check.fail("phone", "expected a 10-digit US phone number")
    address_line1 = check.text("address_line1")
    city = check.text("city")
    state = check.text("state").upper()
    if state and not re.fullmatch(r"[A-Z]{2}", state):
        check.fail("state", "expected a two-letter state code")
    zip_code = check.text("zip")
    if zip_code and not re.fullmatch(r"[0-9]{5}(?:-?[0-9]{4})?", zip_code):
        check.fail("zip", "expected a ZIP code of 5 digits, or ZIP+4")
    language = check.text("language")
    plan_id = check.text("plan_id")

    segment = check.parsed("segment", _enum_parser(SegmentType), "outreach or enrolled", required=True)
    segment_start = check.day("segment_start", today, required=True)
    consent_date = check.day("consent_date", today, required=False)
    if dob is not None:
        if segment_start is not None and segment_start < dob:
            check.fail("segment_start", "is before the date of birth")
        if consent_date is not None and consent_date < dob:
            check.fail("consent_date", "is before the date of birth")

    tier = check.parsed(
        "tier",
        _enum_parser(Tier),
        "one of " + "|".join(str(t) for t in Tier),
        required=segment is SegmentType.ENROLLED,
    )
    conditions = _parse_conditions(check)

    payer, payer_from = _parse_payer(check, today) if "payer" in check.values else ("", None)
    care_manager = check.text("care_manager")
    if care_manager:
        known = usernames.get(care_manager.casefold())
        if known is None:
            check.fail("care_manager", "is not the username of a user of this program")
        else:
            care_manager = known

    if check.errors:
        return None, check.errors, medicaid_id
    assert medicaid_id and dob is not None and segment_start is not None and isinstance(segment, SegmentType)
    return (
        RosterRow(
            line_no=line_no,
            medicaid_id=medicaid_id,
            last_name=last_name,
            first_name=first_name,
            dob=dob,
            sex=sex,
            phone=phone or "",
            address_line1=address_line1,
            city=city,
            state=state,
            zip=zip_code,
            language=language,
            plan_id=plan_id,
            segment=segment,
            segment_start=segment_start,
            consent_date=consent_date,
            tier=tier if isinstance(tier, Tier) else None,
            conditions=conditions,
            care_manager=care_manager,
            payer=payer,
            payer_from=payer_from,
        ),
        [],
        medicaid_id,
    )


def _parse_payer(check: _RowChecker, today: date) -> tuple[str, date | None]:
    payer = check.text("payer").upper()
    payer_from = check.day("payer_from", today, required=bool(payer))
    if payer and not re.fullmatch(r"[A-Z0-9][A-Z0-9_-]{0,19}", payer):
        check.fail("payer", "expected a payer code from the payer table, like FFS")
    if payer_from is not None and not payer:
        check.fail("payer", "is required when payer_from is given")
    return payer, payer_from


def _parse_conditions(check: _RowChecker) -> tuple[str, ...]:
    raw = check.text("conditions")
    codes: list[str] = []
    for position, piece in enumerate(raw.split(";"), start=1):
        code = piece.strip()
        if not code:
            continue
        if not is_icd10_format(code):
            check.fail("conditions", f"code {position} is not shaped like an ICD-10-CM code (e.g. E11.9)")
        elif not is_known_icd10(code):
            check.fail("conditions", f"code {position} is not in the ICD-10-CM code set")
        else:
            codes.append(normalise_icd10(code))
    return tuple(dict.fromkeys(codes))


_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def _parse_date(text: str) -> date | None:
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
    elif match := _US_DATE.fullmatch(text):
        month, day, year = match.groups()
    else:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _parse_phone(text: str) -> str | None:
    """Digits only; '' for no phone, None for something that is not a US phone number."""
    if not text:
        return ""
    if re.fullmatch(r"[0-9()+.\- ]+", text) is None:
        return None
    digits = re.sub(r"[^0-9]", "", text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits if len(digits) == 10 else None


def _enum_parser(enum: type[SegmentType] | type[Tier]) -> Callable[[str], object | None]:
    def parse(text: str) -> object | None:
        try:
            return enum(text.strip().lower())
        except ValueError:
            return None

    return parse
