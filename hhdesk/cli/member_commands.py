"""Commands about members: list (and, with the enrolment feature, show and import)."""

from __future__ import annotations

import argparse

from hhdesk.cli.common import add_format_option, add_store_user_options, open_session, print_rows
from hhdesk.domain.enums import MemberStatus
from hhdesk.services import caseload


def register(sub: argparse._SubParsersAction) -> None:
    members = sub.add_parser("members", help="list and show members")
    members_sub = members.add_subparsers(dest="members_command", required=True, metavar="ACTION")
    p = members_sub.add_parser("list", help="list members, optionally by status")
    p.add_argument("--status", choices=["outreach", "enrolled", "disenrolled", "referred"])
    p.add_argument("--care-manager", metavar="USER", help="only this care manager's members")
    add_store_user_options(p)
    add_format_option(p)
    p.set_defaults(handler=cmd_members_list)


def cmd_members_list(args: argparse.Namespace) -> int:
    app = open_session(args)
    try:
        query = caseload.CaseloadQuery(
            status=MemberStatus(args.status) if args.status else None,
            care_manager=args.care_manager,
            limit=1_000_000,
        )
        rows = caseload.search(app, query)
    finally:
        app.close()
    print_rows(
        ["medicaid_id", "last_name", "first_name", "dob", "status", "tier", "care_manager"],
        [[r.medicaid_id, r.last_name, r.first_name, r.dob.isoformat(), r.status.value, r.tier, r.care_manager]
         for r in rows],
        args.format,
    )
    return 0
