"""The one table writer of the program: every list hhdesk writes as CSV or as an Excel workbook (.xlsx).

Spreadsheets run a cell as a formula when its text begins with `=`, `+`, `-` or `@` (and some also when it
begins with a tab or a carriage return), so a member named `=HYPERLINK(...)` in a roster could run code on
the computer of whoever opens the export. Following the OWASP advice on CSV injection:

- CSV: a text cell that begins with one of those characters gets a leading apostrophe (`'=HYPERLINK(...)`),
  which every spreadsheet shows as text; the csv module quotes cells holding commas, quotes or line breaks.
  Numbers that are numbers (int, Decimal, float) are written as they are, so `-12.50` stays a number.
- .xlsx: every text cell is stored as a string (never as a formula, whatever it begins with), and the
  risky ones also carry Excel's "quote prefix" so that editing the cell later does not turn it into a
  formula either. Numbers and dates are stored as numbers and dates.

CSV files begin with a UTF-8 byte-order mark, which is how Excel knows the file is UTF-8 (without it,
"Núñez" opens as "NÃºÃ±ez"), and end lines with CRLF (RFC 4180).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import BinaryIO

Cell = str | int | float | Decimal | date | datetime | bool | None

# What makes a spreadsheet run a cell's text (OWASP "CSV Injection"); LF for good measure.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
BOM = "\ufeff"
XLSX_MAX_ROWS = 1_048_576  # Excel's limit, the header included
XLSX_SHEET_NAME_MAX = 31
# Characters XML 1.0 cannot hold; openpyxl refuses them, so they become U+FFFD (never seen in real data).
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class TableFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"

    @property
    def suffix(self) -> str:
        return f".{self.value}"


@dataclass(frozen=True)
class Table:
    """One sheet: a title (the sheet's name in a workbook), the column headings and the rows.

    Cells are plain values: text, numbers (int, float, Decimal), dates, True/False, or None for empty.
    `money` names columns holding amounts of money (shown with a $ and two decimals in a workbook).
    """

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    money: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Workbook:
    """Tables that leave the program together: a workbook has a sheet for each; a CSV holds the main one."""

    tables: Sequence[Table]
    notes: Sequence[tuple[str, str]] = ()  # (label, value) lines for the workbook's last sheet, "About"
    csv_table: int = 0  # which table a CSV holds (a CSV has room for one list)

    @property
    def main(self) -> Table:
        return self.tables[self.csv_table]


def is_risky(text: str) -> bool:
    """Would a spreadsheet take this text for a formula?"""
    return text.startswith(FORMULA_STARTS)


def spreadsheet_safe(text: str) -> str:
    """Text for a CSV cell that no spreadsheet runs as a formula."""
    return "'" + text if is_risky(text) else text


def csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    return spreadsheet_safe(str(value))


def write_csv(table: Table, stream: BinaryIO, *, bom: bool = True) -> int:
    """Write the table as UTF-8 CSV (with a byte-order mark unless told otherwise); returns the rows written."""
    text = io.StringIO(newline="")
    if bom:
        text.write(BOM)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([csv_cell(title) for title in table.columns])
    count = 0
    for row in table.rows:
        writer.writerow([csv_cell(value) for value in row])
        count += 1
        if count % 5000 == 0:  # keep memory flat on long lists
            stream.write(text.getvalue().encode("utf-8"))
            text.seek(0)
            text.truncate()
    stream.write(text.getvalue().encode("utf-8"))
    return count


def csv_bytes(table: Table, *, bom: bool = True) -> bytes:
    buffer = io.BytesIO()
    write_csv(table, buffer, bom=bom)
    return buffer.getvalue()


def records_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Table:
    return Table(title, list(columns), list(rows))


# ---- .xlsx ------------------------------------------------------------------------------------------


def sheet_name(title: str, taken: set[str]) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = _SHEET_NAME_FORBIDDEN.sub(" ", title).strip().strip("'") or "Sheet"
    name = base[:XLSX_SHEET_NAME_MAX]
    number = 2
    while name.casefold() in taken:
        suffix = f" ({number})"
        name = base[:XLSX_SHEET_NAME_MAX - len(suffix)] + suffix
        number += 1
    taken.add(name.casefold())
    return name


def _xlsx_text(text: str) -> str:
    return _XML_ILLEGAL.sub("\ufffd", text)


def write_xlsx(book: Workbook, stream: BinaryIO) -> int:
    """Write every table as a sheet (heading row bold and frozen, a filter on it), then an "About" sheet with
    the notes; returns the rows of the main table. Raises ValueError when a table is too long for Excel."""
    from openpyxl import Workbook as XlsxWorkbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for table in book.tables:
        if len(table.rows) + 1 > XLSX_MAX_ROWS:
            raise ValueError(f"{table.title} has {len(table.rows):,} rows; an Excel sheet holds at most "
                             f"{XLSX_MAX_ROWS - 1:,}. Narrow the list, or export it as CSV.")
    workbook = XlsxWorkbook(write_only=True)
    bold = Font(bold=True)
    taken: set[str] = set()

    def cell(sheet, value: Cell, money: bool = False):  # openpyxl's own types
        if isinstance(value, str):
            result = WriteOnlyCell(sheet, value=_xlsx_text(value))
            # openpyxl reads "=..." as a formula; the cell is text, whatever it begins with.
            result.data_type = "s"
            if is_risky(value):
                result.quotePrefix = True
            return result
        if isinstance(value, datetime):
            result = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
            result.number_format = "mm/dd/yyyy hh:mm"
            return result
        if isinstance(value, date):
            result = WriteOnlyCell(sheet, value=value)
            result.number_format = "mm/dd/yyyy"
            return result
        if isinstance(value, bool):
            return WriteOnlyCell(sheet, value="Yes" if value else "No")
        result = WriteOnlyCell(sheet, value=value)
        if money:
            result.number_format = '"$"#,##0.00'
        return result

    for table in book.tables:
        sheet = workbook.create_sheet(sheet_name(table.title, taken))
        sheet.freeze_panes = "A2"
        widths = [min(max(len(str(title)), 6) + 2, 60) for title in table.columns]
        for row in table.rows[:200]:  # widths from the first screenful are good enough
            for number, value in enumerate(row[:len(widths)]):
                shown = len(csv_cell(value)) if value is not None else 0
                widths[number] = min(max(widths[number], shown + 2), 60)
        for number, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(number)].width = width
        if table.columns:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"
        heading = []
        for title in table.columns:
            heading_cell = cell(sheet, str(title))
            heading_cell.font = bold
            heading.append(heading_cell)
        sheet.append(heading)
        money_columns = {number for number, title in enumerate(table.columns) if title in table.money}
        for row in table.rows:
            sheet.append([cell(sheet, value, number in money_columns) for number, value in enumerate(row)])
    if book.notes:
        sheet = workbook.create_sheet(sheet_name("About this export", taken))
        sheet.column_dimensions["A"].width = 24
        sheet.column_dimensions["B"].width = 80
        for label, value in book.notes:
            label_cell = cell(sheet, label)
            label_cell.font = bold
            sheet.append([label_cell, cell(sheet, value)])
    workbook.save(stream)
    return len(book.main.rows)


def xlsx_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(book, buffer)
    return buffer.getvalue()


def encode(book: Workbook, table_format: TableFormat, *, bom: bool = True) -> bytes:
    """The file's exact bytes in the chosen format (a CSV holds the workbook's main table; `bom=False` only
    for CSV shown on a terminal, where nobody opens it in Excel)."""
    if table_format is TableFormat.XLSX:
        return xlsx_bytes(book)
    return csv_bytes(book.main, bom=bom)
