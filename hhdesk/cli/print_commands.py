"""`hhdesk print KIND ID --out FILE.pdf`: documents as PDF files, one action per kind of document.

A feature adds its document by appending a function to ``PRINT_ACTIONS`` that adds its action to the
``print`` parser (``actions.add_parser("care-plan", ...)``) and sets its handler. Handlers may use
:func:`add_out_option`, :func:`check_out` and :func:`write_pdf` so that every document is written the same
way: the --out folder is checked before anything is read or audited, and the file is written whole or not
at all.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from hhdesk.cli.common import add_store_user_options, open_session
from hhdesk.errors import UserError
from hhdesk.private_files import write_private_bytes


def add_out_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, metavar="FILE.pdf", help="where to write the PDF")


def check_out(out: Path) -> Path:
    """Refuse an --out whose folder does not exist before anything is read or audited."""
    out = out.expanduser()
    if not out.parent.exists():
        raise UserError(f"The folder {out.parent} does not exist; choose another --out.")
    if out.is_dir():
        raise UserError(f"{out} is a folder; give a file name, e.g. {out / 'document.pdf'}.")
    return out


def write_pdf(out: Path, pdf: bytes) -> None:
    """Write the whole PDF or nothing (a half-written file would print as a broken page)."""
    partial = out.with_name(out.name + ".part")
    try:
        write_private_bytes(partial, pdf)
        os.replace(partial, out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UserError(f"Could not write {out}: {exc.strerror or 'the disk said no'}.") from None
    print(f"Wrote {out}")


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
    from hhdesk.cli.referral_commands import add_print_referral

    add_print_referral(actions)


def _add_care_plans(actions: argparse._SubParsersAction) -> None:
    from hhdesk.cli.careplan_commands import add_print_care_plan_actions

    add_print_care_plan_actions(actions)


PRINT_ACTIONS: list[Callable[[argparse._SubParsersAction], None]] = [_add_transition, _add_referral,
                                                                      _add_care_plans]
"""One function per kind of document; each adds its action to the ``print`` parser."""


def register(sub: argparse._SubParsersAction) -> None:
    print_parser = sub.add_parser("print", help="write a document as a PDF file (transition summary, ...)")
    actions = print_parser.add_subparsers(dest="print_command", required=True, metavar="DOCUMENT")
    for add_action in PRINT_ACTIONS:
        add_action(actions)
