"""The billing CSV: every member-month with its verdict, one row each (`hhdesk billing export --format csv`).

Written by the program's one table writer (`hhdesk.exports.tables`): UTF-8 with a byte-order mark (so
Excel reads accented names right), comma-separated, quoted where needed, CRLF line ends (RFC 4180), and text
that a spreadsheet would run as a formula defused. The same columns serve `hhdesk billing preview --format
csv`.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from hhdesk.exports.billing_data import BillingRow
from hhdesk.exports.tables import Cell, Table, csv_bytes

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


def format_amount(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount.quantize(Decimal('0.01'))}"


def yes_no(flag: bool | None) -> str:
    return "" if flag is None else ("Y" if flag else "N")


def billing_csv_record(row: BillingRow) -> list[Cell]:
    """One row's cells, in BILLING_CSV_COLUMNS order (counts and amounts as numbers)."""
    evaluation = row.evaluation
    return [
        str(evaluation.service_month),
        row.medicaid_id,
        row.last_name,
        row.first_name,
        row.dob,
        evaluation.segment.value if evaluation.segment else "",
        evaluation.tier.value if evaluation.tier else "",
        evaluation.qualifying_contacts,
        evaluation.in_person_contacts,
        ";".join(evaluation.core_services),
        yes_no(evaluation.billable),
        evaluation.reason.value if evaluation.reason else "",
        evaluation.note or "",
        evaluation.rate_code or "",
        None if evaluation.amount is None else evaluation.amount.quantize(Decimal("0.01")),
        row.care_manager,
    ]


def billing_csv_table(rows: Iterable[BillingRow]) -> Table:
    return Table("Billing", BILLING_CSV_COLUMNS, [billing_csv_record(row) for row in rows],
                 money=frozenset({"amount"}))


def billing_csv_bytes(rows: Iterable[BillingRow]) -> bytes:
    """The file's exact bytes (UTF-8 with a byte-order mark), ready to be written and hashed."""
    return csv_bytes(billing_csv_table(rows))


def billing_csv_text(rows: Iterable[BillingRow]) -> str:
    """The file as text, without the byte-order mark (for reading it back)."""
    return billing_csv_bytes(rows).decode("utf-8-sig")
