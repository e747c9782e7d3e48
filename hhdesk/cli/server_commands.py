"""Commands for an agency's server: moving a single-workstation store up to it, upgrading its schema."""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path

from hhdesk.cli.common import read_password
from hhdesk.clock import AgencyClock
from hhdesk.config import data_dir
from hhdesk.db.postgres import ServerAddress
from hhdesk.services import server_import, server_upgrade


def register(sub: argparse._SubParsersAction) -> None:
    server = sub.add_parser("server", help="an agency's PostgreSQL server: move a store up to it, upgrade it")
    server_sub = server.add_subparsers(dest="server_command", required=True, metavar="ACTION")
    p = server_sub.add_parser(
        "import", help="copy a store file into an empty PostgreSQL database (every row, the audit log checked)")
    p.add_argument("store_file", type=Path, metavar="STORE.hhdesk", help="the single-workstation store to copy")
    p.add_argument("--to", required=True, metavar="URL",
                   help="the empty database: postgresql://SETUP-ROLE@HOST:PORT/DATABASE?sslmode=verify-full"
                        "&sslrootcert=CA.crt (the role must be allowed to create roles; password from PGPASSWORD "
                        "or a prompt)")
    p.add_argument("--user", default=os.environ.get("HHDESK_USER") or getpass.getuser(),
                   help="an administrator of the store (password from HHDESK_PASSWORD or a prompt)")
    p.set_defaults(handler=cmd_server_import)
    p = server_sub.add_parser(
        "upgrade", help="upgrade an older agency database to this version's schema (after an encrypted backup)")
    p.add_argument("--store", required=True, metavar="URL",
                   help="the agency's database: postgresql://SETUP-ROLE@HOST:PORT/DATABASE?sslmode=verify-full"
                        "&sslrootcert=CA.crt, as the role that set the agency up and owns its tables (password "
                        "from PGPASSWORD or a prompt)")
    p.add_argument("--user", default=os.environ.get("HHDESK_USER") or getpass.getuser(),
                   help="an hhdesk administrator of the agency (password from HHDESK_PASSWORD or a prompt); the "
                        "backup opens with this password")
    p.add_argument("--backup-to", type=Path, metavar="FOLDER", default=None,
                   help="where the backup taken first goes (default: the backups folder in hhdesk's data folder)")
    p.set_defaults(handler=cmd_server_upgrade)


def cmd_server_import(args: argparse.Namespace) -> int:
    address = ServerAddress.parse(args.to)
    setup_user = address.url_user or getpass.getuser()
    password = read_password(f"Password of {args.user} in the store: ")
    setup_password = read_password(f"Password for the server role {setup_user}: ", env="PGPASSWORD")
    report = server_import.import_store(args.store_file.expanduser(), args.user, password, address, setup_user,
                                        setup_password)
    print(f"Copied {report.rows:,} rows in {report.tables} tables to {address.display}; the audit log verified "
          f"on arrival ({report.audit_events:,} events).")
    print(f"{args.user} logs in to the server with the same password as in the store.")
    if report.users_without_password:
        print("These users have no server password yet; set a temporary one for each (hhdesk users passwd NAME "
              "--store URL, or Users in the window): " + ", ".join(report.users_without_password))
    print(f"The store file {args.store_file} is unchanged; from now on everyone uses --store with the server's "
          "address.")
    return 0


def cmd_server_upgrade(args: argparse.Namespace) -> int:
    address = ServerAddress.parse(args.store)
    setup_user = address.url_user or getpass.getuser()
    password = read_password(f"Password of the administrator {args.user}: ")
    setup_password = read_password(f"Password for the server role {setup_user}: ", env="PGPASSWORD")
    folder = (args.backup_to or data_dir() / "backups").expanduser()
    report = server_upgrade.upgrade_server(address, setup_user, setup_password, args.user, password, folder,
                                           AgencyClock())
    if not report.upgraded:
        print(f"The agency's database at {address.display} already has this version's schema; nothing to do.")
        return 0
    print(f"Backed up the agency's database first: {report.backup} (sha256 {report.backup_sha256}); it opens "
          f"with {args.user}'s password.")
    print(f"Upgraded the schema from revision {report.from_revision} to {report.to_revision}; workstations with "
          "this version of hhdesk can open it now.")
    return 0
