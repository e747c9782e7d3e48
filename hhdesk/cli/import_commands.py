"""`hhdesk import KIND FILE`: bring files from other systems into the store (all or nothing).

Each kind of file is one action of the ``import`` command; a feature adds its own by appending a
function to ``IMPORT_ACTIONS`` that adds a subparser to the ``import`` parser.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from hhdesk.cli.common import add_store_user_options, open_session
from hhdesk.errors import UserError
from hhdesk.services import billing_facts, roster_import
from hhdesk.services.roster_import import RosterImportReport


def _register_roster(import_sub: argparse._SubParsersAction) -> None:
    p = import_sub.add_parser(
        "roster", help="import a roster (assignment list) CSV file",
        description="Import a roster CSV. Columns, with a header row: " + roster_import.EXPECTED_HEADER
        + " (optionally followed by " + roster_import.OPTIONAL_HEADER + ": the member's payer code and the date "
        "it pays from). A Medicaid ID already in the store updates that member. One bad line rejects the whole file.",
    )
    p.add_argument("file", type=Path, metavar="FILE.csv")
    p.add_argument("--dry-run", action="store_true", help="check the file and report, change nothing")
    add_store_user_options(p)
    p.set_defaults(handler=cmd_import_roster)


def _register_contacts(import_sub: argparse._SubParsersAction) -> None:
    from hhdesk.cli.care_commands import add_import_contacts

    add_import_contacts(import_sub)


def _register_outreach_elsewhere(import_sub: argparse._SubParsersAction) -> None:
    p = import_sub.add_parser(
        "outreach-elsewhere", help="import outreach months billed by another Health Home or agency",
        description="Import the outreach months another Health Home or care management agency billed for your "
        "members (they count in the outreach limits: outreach follows the person). Columns, with a header row: "
        + billing_facts.HEADER_LINE + "; month as YYYY-MM. One bad line rejects the whole file.",
    )
    p.add_argument("file", type=Path, metavar="FILE.csv")
    p.add_argument("--dry-run", action="store_true", help="check the file and report, change nothing")
    add_store_user_options(p)
    p.set_defaults(handler=cmd_import_outreach_elsewhere)


def cmd_import_outreach_elsewhere(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise UserError(f"there is no file at {args.file}.")
    app = open_session(args)
    try:
        report = billing_facts.import_outreach_elsewhere(app, args.file, dry_run=args.dry_run)
    finally:
        app.close()
    if not report.ok:
        print(f"hhdesk: {report.summary()}", file=sys.stderr)
        print_line_report(tuple((problem.line, (f"column {problem.column}: " if problem.column else "")
                                 + problem.message) for problem in report.errors))
        return 1
    print(report.summary())
    return 0


IMPORT_ACTIONS: list[Callable[[argparse._SubParsersAction], None]] = [
    _register_roster, _register_contacts, _register_outreach_elsewhere,
]
"""One function per kind of file; each adds its action to the ``import`` parser."""


def register(sub: argparse._SubParsersAction) -> None:
    import_parser = sub.add_parser("import", help="import files from other systems (roster, ...)")
    import_sub = import_parser.add_subparsers(dest="import_command", required=True, metavar="KIND")
    for add_action in IMPORT_ACTIONS:
        add_action(import_sub)


def print_line_report(errors: tuple[tuple[int, str], ...], stream: TextIO | None = None) -> None:
    """Every bad line with its number and what is wrong, one problem a line (on stderr by default)."""
    stream = stream or sys.stderr
    for line, message in errors:
        where = f"line {line}" if line else "file"
        print(f"  {where}: {message}", file=stream)


def cmd_import_roster(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise UserError(f"there is no file at {args.file}.")
    app = open_session(args)
    try:
        report = roster_import.import_roster(app, args.file, dry_run=args.dry_run)
    finally:
        app.close()
    return _print_report(report)


def _print_report(report: RosterImportReport) -> int:
    if not report.ok:
        print(f"hhdesk: {report.summary()}", file=sys.stderr)
        print_line_report(report.errors)
        return 1
    print(report.summary())
    details = [("segments", report.segments_added), ("consent forms", report.consents_added),
               ("tiers", report.tiers_added), ("conditions", report.conditions_added)]
    added = ", ".join(f"{count} {name}" for name, count in details if count)
    if added:
        print(f"{'Would add' if report.dry_run else 'Added'}: {added}.")
    if report.warnings:
        print(f"{len(report.warnings)} warning(s):")
        print_line_report(report.warnings, sys.stdout)
    print(f"Took {report.seconds:.1f} s.")
    return 0
