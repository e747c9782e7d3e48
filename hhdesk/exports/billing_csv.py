"""The billing CSV: every member-month with its verdict, one row each (`hhdesk billing export --format csv`).

UTF-8 without a byte-order mark, comma-separated, quoted by the csv module where needed, CRLF line ends
(RFC 4180). The same columns serve `hhdesk billing preview --format csv`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import TextIO

from hhdesk.exports.billing_data import BillingRow

BILLING_CSV_COLUMNS: tuple[str, ...] = (
    "service_month",
    "medicaid_id",
    "last_name",
    "first_name",
    "dob",
    "segment",
    "tier",
    "qualifying_contacts",
    "in_person_contacts",
    "core_services",
    "billable",
    "reason",
    "note",
    "rate_code",
    "amount",
    "care_manager",
)

# A spreadsheet runs a cell that starts with one of these as a formula; a leading apostrophe stops that.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Keep free text from being run as a formula when the file is opened in a spreadsheet."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def format_amount(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount.quantize(Decimal('0.01'))}"


def yes_no(flag: bool | None) -> str:
    return "" if flag is None else ("Y" if flag else "N")


def billing_csv_record(row: BillingRow) -> list[str]:
    """One row's cells, in BILLING_CSV_COLUMNS order."""
    evaluation = row.evaluation
    return [
        str(evaluation.service_month),
        spreadsheet_safe(row.medicaid_id),
        spreadsheet_safe(row.last_name),
        spreadsheet_safe(row.first_name),
        row.dob.isoformat(),
        evaluation.segment.value if evaluation.segment else "",
        evaluation.tier.value if evaluation.tier else "",
        str(evaluation.qualifying_contacts),
        str(evaluation.in_person_contacts),
        ";".join(evaluation.core_services),
        yes_no(evaluation.billable),
        evaluation.reason.value if evaluation.reason else "",
        evaluation.note or "",
        evaluation.rate_code or "",
        format_amount(evaluation.amount),
        spreadsheet_safe(row.care_manager),
    ]


def write_records(stream: TextIO, header: list[str], records: Iterable[list[str]]) -> int:
    """Header, then one CRLF-ended line per record (what spreadsheet programs expect); returns the count."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for record in records:
        writer.writerow(record)
        count += 1
    return count


def records_text(header: list[str], records: Iterable[list[str]]) -> str:
    buffer = io.StringIO(newline="")
    write_records(buffer, header, records)
    return buffer.getvalue()


def write_billing_csv(rows: Iterable[BillingRow], stream: TextIO) -> int:
    """Write the header and one line per row to a text stream (open files with newline=""); returns rows."""
    return write_records(stream, list(BILLING_CSV_COLUMNS), (billing_csv_record(row) for row in rows))


def billing_csv_text(rows: Iterable[BillingRow]) -> str:
    return records_text(list(BILLING_CSV_COLUMNS), (billing_csv_record(row) for row in rows))


def billing_csv_bytes(rows: Iterable[BillingRow]) -> bytes:
    """The file's exact bytes (UTF-8), ready to be written and hashed."""
    return billing_csv_text(rows).encode("utf-8")
