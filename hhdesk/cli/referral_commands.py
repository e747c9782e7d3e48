"""Commands about referrals: `hhdesk referrals list` and `hhdesk referrals summary`.

The letter is printed with `hhdesk print referral REFERRAL_ID --out FILE.pdf` (see `print_referral`, which
the `print` command group calls).
"""

from __future__ import annotations

import argparse

from hhdesk.cli.common import add_format_option, add_store_user_options, emit_rows, open_session
from hhdesk.domain.enums import ReferralCategory, ReferralStatus
from hhdesk.services import referrals
from hhdesk.services.context import AppSession
from hhdesk.services.list_exports import ListFilter, ListKind

LIST_COLUMNS = ["referral_id", "medicaid_id", "category", "agency", "status", "sent", "status_date", "follow_up",
                "sent_how", "care_manager", "waiting"]


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("referrals", help="list and summarise referrals to community supports")
    actions = group.add_subparsers(dest="referrals_command", required=True, metavar="ACTION")

    p = actions.add_parser("list", help="list referrals, newest sent first")
    p.add_argument("--status", choices=[s.value for s in ReferralStatus])
    p.add_argument("--open", action="store_true", help="only referrals still open (sent or accepted)")
    p.add_argument("--waiting", action="store_true", help="only open referrals whose follow-up date has come")
    p.add_argument("--category", choices=[c.value for c in ReferralCategory])
    p.add_argument("--agency", type=int, metavar="ENTRY_ID", help="only referrals to this directory entry")
    p.add_argument("--care-manager", metavar="USER", help="only members of this care manager ('' for unassigned)")
    add_store_user_options(p)
    add_format_option(p)
    p.set_defaults(handler=cmd_referrals_list)

    p = actions.add_parser("summary", help="closed referrals and median days to close, by category and agency")
    p.add_argument("--category", choices=[c.value for c in ReferralCategory])
    p.add_argument("--care-manager", metavar="USER", help="only members of this care manager")
    add_store_user_options(p)
    add_format_option(p)
    p.set_defaults(handler=cmd_referrals_summary)


def referral_number(text: str) -> int:
    """The number in a referral reference: '12' or 'R-12' (what the window and the letter show)."""
    digits = text.strip().upper().removeprefix("R-")
    if not digits.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a referral number like 12 or R-12")
    return int(digits)


def add_print_referral(actions: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add `referral` to the `print` command group's actions."""
    p = actions.add_parser("referral", help="the referral letter to the agency, as a PDF")
    p.add_argument("referral_id", type=referral_number, metavar="REFERRAL_ID",
                   help="the referral's number, as listed (12) or as on the letter (R-12)")
    from hhdesk.cli.pdf_output import add_out_option

    add_out_option(p)
    p.add_argument("--fax-cover", action="store_true", help="put a fax cover sheet in front of the letter")
    p.add_argument("--fax-note", default="", metavar="TEXT", help="the message on the fax cover sheet")
    add_store_user_options(p)
    p.set_defaults(handler=cmd_print_referral)
    return p


def _filters(args: argparse.Namespace) -> referrals.ReferralFilter:
    return referrals.ReferralFilter(
        status=ReferralStatus(args.status) if getattr(args, "status", None) else None,
        open_only=getattr(args, "open", False),
        waiting_only=getattr(args, "waiting", False),
        category=ReferralCategory(args.category) if args.category else None,
        agency_id=getattr(args, "agency", None),
        care_manager=args.care_manager,
        limit=1_000_000_000,
    )


def cmd_referrals_list(args: argparse.Namespace) -> int:
    app = open_session(args)
    try:
        rows = referrals.list_referrals(app, _filters(args))
        emit_rows(
            app, args, ListKind.REFERRALS, "Referrals",
            LIST_COLUMNS,
            [[r.referral_id, r.medicaid_id, r.category.value, r.agency_name, r.status.value, r.sent_on,
              r.status_on, r.follow_up_on, r.sent_how.value, r.care_manager, "yes" if r.waiting else "no"]
             for r in rows],
            _list_filters(args),
        )
    finally:
        app.close()
    return 0


def _list_filters(args: argparse.Namespace) -> list[ListFilter]:
    """The options given, for the export's record (none of them is member data)."""
    given = [("Status", getattr(args, "status", None)), ("Open only", "yes" if getattr(args, "open", False) else None),
             ("Follow-up due only", "yes" if getattr(args, "waiting", False) else None),
             ("Category", args.category), ("Agency (directory entry)", getattr(args, "agency", None)),
             ("Care manager", "unassigned" if args.care_manager == "" else args.care_manager)]
    return [ListFilter(label, str(value)) for label, value in given if value]


def _days(value: float | None) -> int | float | None:
    """A median in days as a number: 4 rather than 4.0, 4.5 as it is."""
    return int(value) if value is not None and float(value).is_integer() else value


def cmd_referrals_summary(args: argparse.Namespace) -> int:
    app = open_session(args)
    try:
        report = referrals.summarise(app, _filters(args))
        _emit_summary(app, args, report)
    finally:
        app.close()
    return 0


def _emit_summary(app: AppSession, args: argparse.Namespace, report: referrals.ReferralSummaryReport) -> None:
    rows = [["all", "all", report.overall.total, report.overall.closed, report.overall.completed,
             _days(report.overall.median_days_to_close)]]
    rows += [["category", line.key.value, line.counts.total, line.counts.closed, line.counts.completed,
              _days(line.counts.median_days_to_close)] for line in report.by_category]
    rows += [["agency", line.label, line.counts.total, line.counts.closed, line.counts.completed,
              _days(line.counts.median_days_to_close)] for line in report.by_agency]
    emit_rows(app, args, ListKind.REFERRAL_SUMMARY, "Referral summary",
              ["group", "name", "referrals", "closed", "completed", "median_days_to_close"], rows,
              _list_filters(args))


def cmd_print_referral(args: argparse.Namespace) -> int:
    from hhdesk.cli.pdf_output import check_out, write_pdf

    out = check_out(args.out)
    app = open_session(args)
    try:
        pdf = referrals.print_letter(app, args.referral_id, fax_cover=args.fax_cover, fax_note=args.fax_note)
    finally:
        app.close()
    write_pdf(out, pdf)
    return 0
