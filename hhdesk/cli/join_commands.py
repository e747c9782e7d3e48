"""`hhdesk join FILE`: this workstation joins the agency's host named by a join file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hhdesk.errors import ServerUnreachable
from hhdesk.services import workstation_join


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("join", help="make the agency's host (from the join file the administrator gave you) "
                                    "this workstation's store")
    p.add_argument("file", type=Path, metavar="FILE", help="the join file (NAME.hhjoin) written by 'hhdesk host setup'")
    p.set_defaults(handler=cmd_join)


def cmd_join(args: argparse.Namespace) -> int:
    host = workstation_join.join(args.file.expanduser())
    details = host.details
    print(f"Joined {details.organization}'s host {details.computer_name or details.host_name} "
          f"(port {details.port}).")
    print(f"Certificate fingerprint: {details.fingerprint}")
    print("Compare it with the fingerprint the administrator reads aloud or printed; if they differ, do not log in.")
    try:
        address = workstation_join.find(host, print)
    except ServerUnreachable as exc:  # the host may be off now: the workstation has joined all the same
        print(f"hhdesk: {exc}", file=sys.stderr)
    else:
        print(f"The host answers with its certificate at {address}.")
    print("From now on 'hhdesk' and every command without --store use the host; log in with your own user name "
          "and password.")
    return 0
