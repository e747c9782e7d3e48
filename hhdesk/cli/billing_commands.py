"""Billing commands: preview a month, export it (csv, billing-support, 837i, 837p), list past exports.

    hhdesk billing preview --month 2024-03 [--format table|csv]
    hhdesk billing export  --month 2024-03 --format 837i --out claims.x12 [--reason TEXT]
    hhdesk billing history [--month 2024-03] [--format table|csv]

`preview --format csv` prints the same columns as `export --format csv`.
"""

from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path

from hhdesk.cli.common import add_format_option, add_store_user_options, emit_rows, open_session, print_table
from hhdesk.errors import UserError
from hhdesk.exports.billing_csv import BILLING_CSV_COLUMNS, billing_csv_record, format_amount
from hhdesk.services import billing
from hhdesk.services.list_exports import ListFilter, ListKind


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("billing", help="preview and export a month's billing")
    actions = parser.add_subparsers(dest="billing_command", required=True, metavar="ACTION")

    p = actions.add_parser("preview", help="every member-month of a month, billable or not, and why")
    p.add_argument("--month", required=True, metavar="YYYY-MM", help="the service month, e.g. 2024-03")
    add_store_user_options(p)
    add_format_option(p)
    p.set_defaults(handler=cmd_preview)

    p = actions.add_parser("export", help="write a month's billing file and record the export")
    p.add_argument("--month", required=True, metavar="YYYY-MM", help="the service month, e.g. 2024-03")
    p.add_argument("--format", required=True, choices=[f.value for f in billing.ExportFormat],
                   help="csv (every member-month), billing-support, 837i or 837p (claim files)")
    p.add_argument("--out", required=True, type=Path, metavar="FILE", help="the file to write")
    p.add_argument("--reason", metavar="TEXT",
                   help="why the month is exported again in this format (needed when it was exported before)")
    add_store_user_options(p)
    p.set_defaults(handler=cmd_export)

    p = actions.add_parser("history", help="past exports: month, format, who, when, SHA-256")
    p.add_argument("--month", metavar="YYYY-MM", help="only this month")
    add_store_user_options(p)
    add_format_option(p)
    p.set_defaults(handler=cmd_history)


def cmd_preview(args: argparse.Namespace) -> int:
    month = billing.parse_month(args.month)  # before the password prompt: a typo costs nothing
    app = open_session(args)
    try:
        result = billing.preview(app, month)
        if args.format != "table":
            emit_rows(app, args, ListKind.BILLING_PREVIEW, f"Billing {month}", BILLING_CSV_COLUMNS,
                      [billing_csv_record(item.row) for item in result.rows], [ListFilter("Month", str(month))])
            return 0
    finally:
        app.close()
    print_table(
        ["medicaid_id", "name", "segment", "tier", "contacts", "in_person", "core_services", "billable",
         "reason_or_note", "rate_code", "amount"],
        [[item.medicaid_id, f"{item.last_name}, {item.first_name}", item.segment.value if item.segment else "",
          item.tier.value if item.tier else "", item.qualifying_contacts, item.in_person_contacts,
          ";".join(item.core_services), "Y" if item.billable else "N", item.reason_text, item.rate_code or "",
          format_amount(item.amount)]
         for item in result.rows],
    )
    print()
    print(f"{month}: {len(result.rows)} member-months under {result.profile_title} ({result.region})")
    for line in billing.format_totals(result):
        print(line)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    month = billing.parse_month(args.month)
    export_format = billing.parse_format(args.format)
    app = open_session(args)
    try:
        run = billing.export(app, month, export_format, args.out, reason=args.reason)
    except billing.AlreadyExported as exc:
        last = exc.earlier[0]
        raise UserError(
            f"{month} was already exported as {export_format.value} on "
            f"{last.created_local:%m/%d/%Y %H:%M} by {last.created_by or 'someone'}; to export it again, "
            "run the command again with --reason TEXT saying why."
        ) from None
    finally:
        app.close()
    claims = (f"{run.billable_count} claims" if export_format.claim_type is not None
              else f"{run.billable_count} billable")
    print(f"Exported {month} as {export_format.value} to {args.out}: {run.member_months} member-months, "
          f"{claims}, total ${run.total_amount:,.2f}.")
    if run.interchange_control_number is not None:
        print(f"Interchange control number {run.interchange_control_number}, "
              f"group control number {run.group_control_number}.")
    print(f"SHA-256 {run.sha256}")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    month = billing.parse_month(args.month) if args.month else None
    app = open_session(args)
    try:
        runs = billing.history(app, month)
        emit_rows(
            app, args, ListKind.BILLING_HISTORY, "Billing exports",
            ["month", "format", "who", "when", "member_months", "billable", "total", "interchange", "group",
             "sha256", "file", "repeat_reason"],
            [[run.service_month, run.format, run.created_by, f"{run.created_local:%Y-%m-%d %H:%M}",
              run.member_months, run.billable_count, run.total_amount.quantize(Decimal("0.01")),
              run.interchange_control_number, run.group_control_number, run.sha256, run.file_name,
              run.repeat_reason] for run in runs],
            [ListFilter("Month", str(month))] if month else [],
        )
    finally:
        app.close()
    return 0
