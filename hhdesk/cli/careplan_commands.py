"""The care plan's documents on the command line: `hhdesk print care-plan`, `print packet`, `print packets`.

The actions are added to the `print` command group by :func:`add_print_care_plan_actions` (listed in
``hhdesk.cli.print_commands.PRINT_ACTIONS``). Each calls the same service as the window, so each print is
an audit event. ``--protect`` asks for a password (or takes it from ``HHDESK_PDF_PASSWORD``) that the PDF
will then need to open.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hhdesk.cli.common import add_store_user_options, open_session, read_password
from hhdesk.cli.pdf_output import add_out_option, check_out, write_pdf
from hhdesk.errors import NotFound, UserError
from hhdesk.services import careplans, members, printing
from hhdesk.services.context import AppSession

PDF_PASSWORD_ENV = "HHDESK_PDF_PASSWORD"


def add_print_care_plan_actions(actions: argparse._SubParsersAction) -> None:
    """Add `care-plan`, `packet` and `packets` to the `print` command group."""
    for name, helptext in (("care-plan", "a member's care plan, as a PDF"),
                           ("packet", "a member's care-plan packet (summary, care team, plan, referrals, "
                                      "transitions, signature page), as a PDF")):
        p = actions.add_parser(name, help=helptext)
        p.add_argument("medicaid_id", metavar="MEDICAID_ID")
        add_out_option(p)
        p.add_argument("--version", type=int, default=None, metavar="N",
                       help="print version N of the plan (default: the active version, else the draft)")
        _add_protect(p)
        add_store_user_options(p)
        p.set_defaults(handler=cmd_print_care_plan if name == "care-plan" else cmd_print_packet)

    p = actions.add_parser("packets", help="care-plan packets for a caseload, one PDF per member or combined")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--care-manager", metavar="USER",
                     help="this care manager's enrolled members (default: your own caseload)")
    who.add_argument("--member", action="append", metavar="MEDICAID_ID", dest="members",
                     help="a member to print (repeat for more)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="the folder for the PDFs (with --combined: the folder, or the file name.pdf)")
    p.add_argument("--combined", action="store_true", help="one PDF with every packet instead of one per member")
    _add_protect(p)
    add_store_user_options(p)
    p.set_defaults(handler=cmd_print_packets)


def _add_protect(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--protect", action="store_true",
                        help=f"protect the PDF with a password (from {PDF_PASSWORD_ENV} or a prompt)")


def _password(args: argparse.Namespace) -> str | None:
    if not args.protect:
        return None
    password = read_password("Password for the PDF: ", env=PDF_PASSWORD_ENV)
    if len(password) < 8:
        raise UserError("The PDF's password needs 8 characters or more; nothing was printed.")
    return password


def _member_id(app: AppSession, medicaid_id: str) -> int:
    member_id = members.find_by_medicaid_id(app, medicaid_id)
    if member_id is None:
        raise NotFound("No member has this Medicaid ID. Check it, or search with 'hhdesk members list'.")
    return member_id


def _version_id(app: AppSession, member_id: int, number: int | None) -> int | None:
    if number is None:
        return None
    for version in careplans.list_versions(app, member_id):
        if version.version_no == number:
            return version.id
    raise NotFound(f"This member's care plan has no version {number}.")


def _print_one(args: argparse.Namespace, render) -> int:  # printing.care_plan_pdf or packet_pdf
    out = check_out(args.out)
    password = _password(args)
    app = open_session(args)
    try:
        member_id = _member_id(app, args.medicaid_id)
        pdf = render(app, member_id, password, version_id=_version_id(app, member_id, args.version))
    finally:
        app.close()
    write_pdf(out, pdf)
    return 0


def cmd_print_care_plan(args: argparse.Namespace) -> int:
    return _print_one(args, printing.care_plan_pdf)


def cmd_print_packet(args: argparse.Namespace) -> int:
    return _print_one(args, printing.packet_pdf)


def cmd_print_packets(args: argparse.Namespace) -> int:
    out = args.out.expanduser()
    if args.combined:
        combined = out if out.suffix.lower() == ".pdf" else out / f"care-plan-packets-{args.clock.today():%Y-%m-%d}.pdf"
        out_dir = None
    else:
        if out.exists() and not out.is_dir():
            raise UserError(f"{out} is a file; give a folder for the packets, or add --combined.")
        combined, out_dir = None, out
    password = _password(args)
    app = open_session(args)
    try:
        member_ids = [_member_id(app, medicaid_id) for medicaid_id in args.members] if args.members else None
        care_manager = None if member_ids else (args.care_manager or app.actor.username)
        progress = _progress_printer() if sys.stderr.isatty() else None
        result = printing.print_packets(app, member_ids=member_ids, care_manager=care_manager, out_dir=out_dir,
                                        combined_file=combined, password=password, progress=progress)
    finally:
        app.close()
    if progress is not None:
        print(file=sys.stderr)
    count = f"{result.printed} packet{'s' if result.printed != 1 else ''}"
    print(f"Wrote {count} into {combined}" if combined else f"Wrote {count} into {out_dir}")
    return 0


def _progress_printer():  # a progress callback
    def report(done: int, total: int, text: str) -> None:
        print(f"\r{text}   ", end="", file=sys.stderr, flush=True)

    return report
