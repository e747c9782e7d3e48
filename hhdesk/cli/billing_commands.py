"""Billing commands: preview, export, history; payers; replacement and void claims; payers' answers.

    hhdesk billing preview --month 2024-03 [--format table|csv]
    hhdesk billing export  --month 2024-03 --format 837i --out claims.x12 [--reason TEXT] [--late-reason TEXT]
    hhdesk billing history [--month 2024-03] [--format table|csv]
    hhdesk billing payers list | payers save CODE --name ... | payers member MEDICAID_ID --payer CODE --from DATE
    hhdesk billing correct --month 2024-03 --replace MEDICAID_ID --void MEDICAID_ID[=PAYER_CLAIM_NO] --out fix.x12
    hhdesk billing import FILE            (a 999, 277CA or 835 from a payer)
    hhdesk billing claims --month 2024-03 | billing unpaid   (the claims and the denied-and-unpaid work list)

A claim export writes one file per payer, named after the payer: --out claims.x12 gives claims-FFS.x12, ...

`preview --format csv` prints the same columns as `export --format csv`.
"""

from __future__ import annotations

import argparse
from datetime import date
from decimal import Decimal
from pathlib import Path

from hhdesk.cli.common import add_format_option, add_store_user_options, emit_rows, open_session, print_table
from hhdesk.errors import NotFound, UserError, ValidationFailed
from hhdesk.exports.billing_csv import BILLING_CSV_COLUMNS, billing_csv_record, format_amount
from hhdesk.exports.billing_data import PayerInfo
from hhdesk.exports.tables import Cell
from hhdesk.services import billing, claims, members, payers
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
    p.add_argument("--late-reason", metavar="TEXT",
                   help="why claims past their payer's filing limit are sent (needed when some are)")
    add_store_user_options(p)
    p.set_defaults(handler=cmd_export)

    p = actions.add_parser("payers", help="the payer table, and each member's payer over time")
    payer_actions = p.add_subparsers(dest="payers_command", required=True, metavar="ACTION")
    q = payer_actions.add_parser("list", help="the payer table")
    add_store_user_options(q)
    add_format_option(q)
    q.set_defaults(handler=cmd_payers_list)
    q = payer_actions.add_parser("save", help="add a payer or change one (administrators)")
    q.add_argument("code", metavar="CODE", help="a short code, e.g. FFS or FIDELIS (also in file names)")
    q.add_argument("--name", required=True, help="the payer's name on the claim")
    q.add_argument("--payer-id", required=True, help="the payer's identifier on the claim (2010BB)")
    q.add_argument("--receiver-id", required=True, help="the receiver's identifier (ISA08, GS03)")
    q.add_argument("--receiver-name", required=True, help="the receiver's name (1000B)")
    q.add_argument("--filing-limit-days", type=int, default=90, help="days after the month to send claims (90)")
    q.add_argument("--fee-for-service", action="store_true", help="Medicaid fee-for-service, not a plan")
    q.add_argument("--inactive", action="store_true", help="no longer billed")
    add_store_user_options(q)
    q.set_defaults(handler=cmd_payers_save)
    q = payer_actions.add_parser("member", help="record a member's payer from a date on")
    q.add_argument("medicaid_id", metavar="MEDICAID_ID")
    q.add_argument("--payer", required=True, metavar="CODE")
    q.add_argument("--from", dest="effective", required=True, type=date.fromisoformat, metavar="YYYY-MM-DD")
    q.add_argument("--note", default="")
    add_store_user_options(q)
    q.set_defaults(handler=cmd_payers_member)

    p = actions.add_parser("correct", help="replacement (7) or void (8) claims for a month already sent")
    p.add_argument("--month", required=True, metavar="YYYY-MM")
    p.add_argument("--replace", action="append", default=[], metavar="MEDICAID_ID[=PAYER_CLAIM_NO]",
                   help="send the month again as it stands now, replacing the claim sent")
    p.add_argument("--void", action="append", default=[], metavar="MEDICAID_ID[=PAYER_CLAIM_NO]",
                   help="cancel the claim sent")
    p.add_argument("--out", required=True, type=Path, metavar="FILE", help="the file(s) to write, one per payer")
    add_store_user_options(p)
    p.set_defaults(handler=cmd_correct)

    p = actions.add_parser("import", help="apply a payer's 999, 277CA or 835 file to the claims sent")
    p.add_argument("file", type=Path, metavar="FILE")
    add_store_user_options(p)
    p.set_defaults(handler=cmd_import)

    p = actions.add_parser("claims", help="the claims sent for a month and what the payers said")
    p.add_argument("--month", required=True, metavar="YYYY-MM")
    add_store_user_options(p)
    add_format_option(p)
    p.set_defaults(handler=cmd_claims)

    p = actions.add_parser("unpaid", help="the denied-and-unpaid work list: denied and rejected first")
    add_store_user_options(p)
    add_format_option(p)
    p.set_defaults(handler=cmd_unpaid)

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
         "reason_or_note", "rate_code", "amount", "payer", "filing_deadline"],
        [[item.medicaid_id, f"{item.last_name}, {item.first_name}", item.segment.value if item.segment else "",
          item.tier.value if item.tier else "", item.qualifying_contacts, item.in_person_contacts,
          ";".join(item.core_services), "Y" if item.billable else "N", item.reason_text, item.rate_code or "",
          format_amount(item.amount), item.payer_code,
          (item.filing_deadline.isoformat() + (" LATE" if item.past_filing_limit and item.billable else ""))
          if item.filing_deadline else ""]
         for item in result.rows],
    )
    print()
    print(f"{month}: {len(result.rows)} member-months under {result.profile_title} ({result.region})")
    for line in billing.format_totals(result):
        print(line)
    for line in result.filing_warnings():
        print(f"Past the filing limit: {line}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    month = billing.parse_month(args.month)
    export_format = billing.parse_format(args.format)
    app = open_session(args)
    try:
        outcome = billing.export(app, month, export_format, args.out, reason=args.reason,
                                 late_reason=args.late_reason)
    except billing.AlreadyExported as exc:
        last = exc.earlier[0]
        raise UserError(
            f"{month} was already exported as {export_format.value} on "
            f"{last.created_local:%m/%d/%Y %H:%M} by {last.created_by or 'someone'}; to export it again, "
            "run the command again with --reason TEXT saying why."
        ) from None
    except billing.PastFilingLimit as exc:
        raise UserError(
            "Some claims are past their payer's filing limit (" + "; ".join(exc.warnings)
            + "); to send them anyway, run the command again with --late-reason TEXT saying why.") from None
    finally:
        app.close()
    for run in outcome.runs:
        claims_text = (f"{run.billable_count} claims" if export_format.claim_type is not None
                       else f"{run.billable_count} billable")
        payer = f" for payer {run.payer_code}" if run.payer_code else ""
        print(f"Exported {month} as {export_format.value}{payer} to {run.file_name}: {run.member_months} "
              f"member-months, {claims_text}, total ${run.total_amount:,.2f}.")
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
            ["month", "format", "payer", "who", "when", "member_months", "billable", "total", "interchange",
             "group", "sha256", "file", "repeat_reason", "late_reason", "correction"],
            [[run.service_month, run.format, run.payer_code, run.created_by, f"{run.created_local:%Y-%m-%d %H:%M}",
              run.member_months, run.billable_count, run.total_amount.quantize(Decimal("0.01")),
              run.interchange_control_number, run.group_control_number, run.sha256, run.file_name,
              run.repeat_reason, run.late_reason, "Y" if run.correction else ""] for run in runs],
            [ListFilter("Month", str(month))] if month else [],
        )
    finally:
        app.close()
    return 0


def cmd_payers_list(args: argparse.Namespace) -> int:
    app = open_session(args)
    try:
        table = payers.list_payers(app)
        emit_rows(app, args, ListKind.PAYERS, "Payers",
                  ["code", "name", "payer_id", "receiver_id", "receiver_name", "filing_limit_days", "fee_for_service",
                   "active"],
                  [[p.code, p.name, p.payer_id, p.receiver_id, p.receiver_name, p.filing_limit_days,
                    "Y" if p.fee_for_service else "N", "Y" if p.active else "N"] for p in table])
    finally:
        app.close()
    return 0


def cmd_payers_save(args: argparse.Namespace) -> int:
    app = open_session(args)
    try:
        saved = payers.save_payer(app, PayerInfo(args.code, args.name, args.payer_id, args.receiver_id,
                                                 args.receiver_name, args.filing_limit_days, args.fee_for_service,
                                                 not args.inactive))
    finally:
        app.close()
    print(f"Saved payer {saved.code} ({saved.name}), filing limit {saved.filing_limit_days} days.")
    return 0


def cmd_payers_member(args: argparse.Namespace) -> int:
    app = open_session(args)
    try:
        member_id = members.find_by_medicaid_id(app, args.medicaid_id)
        if member_id is None:
            raise NotFound("No member has this Medicaid ID. Check it, or search with 'hhdesk members list'.")
        period = payers.add_member_payer(app, member_id, args.payer, args.effective, args.note)
    finally:
        app.close()
    print(f"From {period.effective_date:%m/%d/%Y} the member's months go to {period.payer_code} "
          f"({period.payer_name}).")
    return 0


def _corrections(values: list[str], kind: str) -> list[claims.ClaimCorrection]:
    found = []
    for value in values:
        medicaid_id, _, number = value.partition("=")
        if not medicaid_id.strip():
            raise ValidationFailed(f"--{kind} needs a Medicaid ID, optionally =PAYER_CLAIM_NO.")
        found.append(claims.ClaimCorrection(medicaid_id.strip(), kind, number.strip()))
    return found


def cmd_correct(args: argparse.Namespace) -> int:
    month = billing.parse_month(args.month)
    wanted = _corrections(args.replace, "replace") + _corrections(args.void, "void")
    if not wanted:
        raise ValidationFailed("Name at least one member-month with --replace MEDICAID_ID or --void MEDICAID_ID.")
    app = open_session(args)
    try:
        outcome = claims.correct_claims(app, month, wanted, args.out)
    finally:
        app.close()
    for run in outcome.runs:
        print(f"Wrote {run.billable_count} replacement/void claim(s) of {month} for payer {run.payer_code} to "
              f"{run.file_name} (interchange {run.interchange_control_number}).")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    app = open_session(args)
    try:
        result = claims.import_response(app, args.file)
    finally:
        app.close()
    for line in result.lines():
        print(line)
    return 0


def _claim_rows(views: list[claims.ClaimView]) -> list[list[Cell]]:
    return [[v.service_month, v.medicaid_id, v.member_name, v.payer_code, v.claim_id, v.frequency,
             _money(v.amount), _money(v.paid_amount), v.status_words, v.status_detail,
             v.payer_claim_number, f"{v.sent_at:%Y-%m-%d}", v.filing_deadline.isoformat() if v.filing_deadline else ""]
            for v in views]


def _money(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else amount.quantize(Decimal("0.01"))


CLAIM_COLUMNS = ["month", "medicaid_id", "name", "payer", "claim_id", "frequency", "amount", "paid", "status",
                 "detail", "payer_claim_no", "sent", "filing_deadline"]


def cmd_claims(args: argparse.Namespace) -> int:
    month = billing.parse_month(args.month)
    app = open_session(args)
    try:
        views = claims.claims_of_month(app, month)
        summary = claims.reconciliation(app, month)
        emit_rows(app, args, ListKind.BILLING_CLAIMS, f"Claims {month}", CLAIM_COLUMNS, _claim_rows(views),
                  [ListFilter("Month", str(month))])
    finally:
        app.close()
    if args.format == "table":
        print()
        print(f"{month}: " + (", ".join(f"{claims.STATUS_WORDS.get(k, k)} {n}" for k, n in sorted(summary.items()))
                              or "no claims sent"))
    return 0


def cmd_unpaid(args: argparse.Namespace) -> int:
    app = open_session(args)
    try:
        views = claims.unpaid_claims(app)
        emit_rows(app, args, ListKind.BILLING_CLAIMS, "Denied and unpaid claims", CLAIM_COLUMNS, _claim_rows(views))
    finally:
        app.close()
    return 0
