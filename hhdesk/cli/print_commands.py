"""`hhdesk print KIND ID --out FILE.pdf`: documents as PDF files, one action per kind of document.

A feature adds its document by appending a function to ``PRINT_ACTIONS`` that adds its action to the
``print`` parser (``actions.add_parser("care-plan", ...)``) and sets its handler. Handlers use
:mod:`hhdesk.cli.pdf_output` so that every document is written the same way.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from hhdesk.cli.careplan_commands import add_print_care_plan_actions
from hhdesk.cli.common import add_store_user_options, open_session
from hhdesk.cli.pdf_output import add_out_option, check_out, write_pdf
from hhdesk.cli.referral_commands import add_print_referral


def _add_transition(actions: argparse._SubParsersAction) -> None:
    p = actions.add_parser("transition", help="the transition-of-care summary for the PCP, as a PDF")
    p.add_argument("episode_id", type=int, metavar="EPISODE_ID")
    add_out_option(p)
    p.add_argument("--to", type=int, default=None, metavar="ENTRY_ID",
                   help="the directory entry it is for (default: the member's PCP)")
    add_store_user_options(p)
    p.set_defaults(handler=cmd_print_transition)


def cmd_print_transition(args: argparse.Namespace) -> int:
    from hhdesk.services import transitions

    out = check_out(args.out)
    app = open_session(args)
    try:
        pdf = transitions.render_transition_summary_pdf(app, args.episode_id, recipient_entry_id=args.to)
    finally:
        app.close()
    write_pdf(out, pdf)
    return 0


def _add_referral(actions: argparse._SubParsersAction) -> None:
    add_print_referral(actions)


PRINT_ACTIONS: list[Callable[[argparse._SubParsersAction], None]] = [_add_transition, _add_referral,
                                                                      add_print_care_plan_actions]
"""One function per kind of document; each adds its action to the ``print`` parser."""


def register(sub: argparse._SubParsersAction) -> None:
    print_parser = sub.add_parser("print", help="write a document as a PDF file (transition summary, ...)")
    actions = print_parser.add_subparsers(dest="print_command", required=True, metavar="DOCUMENT")
    for add_action in PRINT_ACTIONS:
        add_action(actions)
