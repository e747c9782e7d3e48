"""Commands for the agency's host computer: `hhdesk host setup|start|stop|status|backup|restore|verify|upgrade`."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from hhdesk.cli.common import read_new_password, read_password
from hhdesk.services import host_setup

GIB = 1024 ** 3


def register(sub: argparse._SubParsersAction) -> None:
    host = sub.add_parser("host", help="this computer as the agency's host: set it up, run it, back it up")
    host_sub = host.add_subparsers(dest="host_command", required=True, metavar="ACTION")

    def action(name: str, help_text: str, handler) -> argparse.ArgumentParser:
        p = host_sub.add_parser(name, help=help_text)
        p.add_argument("--data-dir", required=True, type=Path, metavar="DIR",
                       help="the host's data folder (the database, its certificate, its backups)")
        p.set_defaults(handler=handler)
        return p

    p = action("setup", "make this computer the agency's host (run once, as the computer's administrator)",
               cmd_host_setup)
    p.add_argument("--org", default="", help="the agency's name (with --import, the store's name is kept)")
    p.add_argument("--admin", default=os.environ.get("HHDESK_USER") or getpass.getuser(),
                   help="the first administrator's username (password from HHDESK_NEW_PASSWORD or a prompt; "
                        "with --import, a store administrator's password from HHDESK_PASSWORD)")
    p.add_argument("--join-file", required=True, type=Path, metavar="FILE.hhjoin",
                   help="where to write the join file that each workstation needs")
    p.add_argument("--port", type=int, default=5432, help="the port workstations connect to (default 5432)")
    p.add_argument("--staff", type=int, default=host_setup.DEFAULT_STAFF, metavar="N",
                   help="how many people will use hhdesk at once; the server's connection limit is sized for "
                        f"them (default {host_setup.DEFAULT_STAFF})")
    p.add_argument("--import", dest="import_store", type=Path, metavar="STORE.hhdesk",
                   help="move an existing single-workstation store to the host instead of starting empty")
    p.add_argument("--no-start-at-boot", dest="start_at_boot", action="store_false",
                   help="do not register the database service to start with the computer")
    p.add_argument("--no-nightly-backup", dest="nightly_backup", action="store_false",
                   help="do not schedule the nightly backup with the operating system")
    p.add_argument("--allow-unencrypted-disk", metavar="REASON",
                   help="go on although the data folder's disk is not known to be encrypted; the reason is "
                        "written to the audit log")
    action("start", "start the agency's database service", cmd_host_start)
    action("stop", "stop the agency's database service (workstations cannot connect until it starts)",
           cmd_host_stop)
    action("status", "whether the service runs, its version, connections, last backup, free disk",
           cmd_host_status)
    p = action("backup", "an encrypted backup of the agency's data now (the nightly job runs this)",
               cmd_host_backup)
    p.add_argument("--out", type=Path, help="the backup file (default: DIR/backups/host-backup-MOMENT.hhbak, keeping the newest 14)")
    p = action("restore", "make a new host in DIR (an empty folder) from a backup, opened with an "
               "administrator's password or the agency's recovery key", cmd_host_restore)
    p.add_argument("backup", type=Path, metavar="BACKUP.hhbak")
    p.add_argument("--admin", default=os.environ.get("HHDESK_USER") or getpass.getuser(),
                   help="an administrator whose password in the backup opens it (from HHDESK_PASSWORD or a "
                        "prompt); with the recovery key, the administrator who gets a new password")
    p.add_argument("--recovery-key", action="store_true",
                   help="open the backup with the agency's recovery key instead (from HHDESK_RECOVERY_KEY, which "
                        "alone also chooses this, or a prompt) and give --admin a new password (from "
                        "HHDESK_NEW_PASSWORD or a prompt)")
    p.add_argument("--join-file", required=True, type=Path, metavar="FILE.hhjoin",
                   help="where to write the new host's join file")
    p.add_argument("--port", type=int, default=5432)
    p.add_argument("--no-start-at-boot", dest="start_at_boot", action="store_false",
                   help="do not register the database service to start with the computer")
    p.add_argument("--no-nightly-backup", dest="nightly_backup", action="store_false",
                   help="do not schedule the nightly backup with the operating system")
    action("verify", "check the audit chain and the server's TLS, password and access settings", cmd_host_verify)
    action("upgrade", "move the host to the newest PostgreSQL installed here (a backup first; needs the agency's "
           "recovery key, from HHDESK_RECOVERY_KEY or a prompt)", cmd_host_upgrade)


def _progress(step: str) -> None:
    print(f"... {step}", file=sys.stderr)


def cmd_host_setup(args: argparse.Namespace) -> int:
    if args.import_store is not None:
        import_password = read_password(f"Password of {args.admin} in the store: ")
        admin_password = import_password
    else:
        import_password = None
        admin_password = read_new_password()
    request = host_setup.HostSetupRequest(
        data_dir=args.data_dir.expanduser().resolve(), org=args.org, admin=args.admin,
        admin_password=admin_password, join_file=args.join_file.expanduser().resolve(), port=args.port,
        staff=args.staff,
        import_store=args.import_store.expanduser() if args.import_store else None,
        import_password=import_password, allow_unencrypted_disk=args.allow_unencrypted_disk,
        start_at_boot=args.start_at_boot, nightly_backup=args.nightly_backup)
    report = host_setup.setup_host(request, _progress)
    for check in report.checks:
        mark = {True: "ok", False: "PROBLEM", None: "not confirmed"}[check.ok]
        print(f"{check.name}: {mark}: {check.finding}")
    print(f"This computer is now the agency's host (agency id {report.agency_id}).")
    _say_what_runs_by_itself(report)
    print(f"Join file for the workstations: {report.join_file}")
    print("Certificate fingerprint (read it aloud or print it; each workstation checks it when it joins):")
    print(f"    {report.fingerprint}")
    if report.recovery_key:
        print()
        print("RECOVERY KEY (shown once; print it and lock it away: it opens the host's backups and its "
              "database's maintenance password if every administrator password is lost):")
        print(f"    {report.recovery_key}")
    else:
        print("The store's recovery key stays the agency's recovery key.")
    return 0


def _say_what_runs_by_itself(report: host_setup.HostSetupReport) -> None:
    for sentence in (report.at_boot, report.nightly_backup, report.firewall):
        if sentence:
            print(sentence)


def cmd_host_start(args: argparse.Namespace) -> int:
    host_setup.host_start(args.data_dir.expanduser())
    print("The agency's database service is running.")
    return 0


def cmd_host_stop(args: argparse.Namespace) -> int:
    host_setup.host_stop(args.data_dir.expanduser())
    print("The agency's database service is stopped: workstations cannot connect until 'hhdesk host start'.")
    return 0


def cmd_host_status(args: argparse.Namespace) -> int:
    status = host_setup.host_status(args.data_dir.expanduser())
    print(f"service: {'running' if status.running else 'STOPPED'}")
    print(f"PostgreSQL version: {status.version}")
    print(f"connections: {status.connections if status.connections is not None else '-'}")
    if status.last_backup is None or status.last_backup_file is None:
        print("last backup: none yet")
    else:
        print(f"last backup: {status.last_backup:%Y-%m-%d %H:%M} ({status.last_backup_file.name})")
    print(f"free disk: {status.free_bytes / GIB:.1f} GB of {status.total_bytes / GIB:.1f} GB")
    return 0


def cmd_host_backup(args: argparse.Namespace) -> int:
    out = host_setup.host_backup(args.data_dir.expanduser(), args.out.expanduser() if args.out else None,
                                 clock=args.clock)
    print(f"Backup written: {out}")
    print("It opens with the first administrator's password (as it was at setup) or the agency's recovery key.")
    return 0


def cmd_host_restore(args: argparse.Namespace) -> int:
    # The key comes from the environment or a prompt, never the command line, which other users can list.
    recovery_key = None
    if args.recovery_key or os.environ.get("HHDESK_RECOVERY_KEY"):
        recovery_key = read_password("The agency's recovery key: ", env="HHDESK_RECOVERY_KEY")
        print(f"The recovery key opens the backup and gives {args.admin} a new password.", file=sys.stderr)
        password = read_new_password()
    else:
        password = read_password(f"Password of {args.admin} in the backup: ")
    report = host_setup.host_restore(
        args.data_dir.expanduser().resolve(), args.backup.expanduser(), admin=args.admin, admin_password=password,
        join_file=args.join_file.expanduser().resolve(), port=args.port, start_at_boot=args.start_at_boot,
        nightly_backup=args.nightly_backup, recovery_key=recovery_key, progress=_progress)
    print(f"This computer is now the agency's host, restored from {args.backup.name} "
          f"(agency id {report.agency_id}).")
    _say_what_runs_by_itself(report)
    print(f"New join file for the workstations (the host's certificate is new): {report.join_file}")
    print(f"Certificate fingerprint: {report.fingerprint}")
    if recovery_key is not None:
        print(f"{args.admin}'s password was reset with the recovery key; {args.admin} logs in with the new "
              "password, which also opens the host's backups from now on (the old one opens only older backups).")
    else:
        print(f"{args.admin} logs in with the same password.")
    print("Set a temporary password for each other user (hhdesk users passwd NAME --store FILE.hhjoin).")
    return 0


def cmd_host_verify(args: argparse.Namespace) -> int:
    report = host_setup.host_verify(args.data_dir.expanduser())
    if report.ok:
        print(f"ok: the audit chain ({report.audit_events:,} events) and the server's settings passed every check.")
        return 0
    for problem in report.problems:
        print(f"problem: {problem}", file=sys.stderr)
    print("hhdesk: the host failed verification.", file=sys.stderr)
    return 1


def cmd_host_upgrade(args: argparse.Namespace) -> int:
    recovery_key = read_password("The agency's recovery key: ", env="HHDESK_RECOVERY_KEY")
    report = host_setup.host_upgrade(args.data_dir.expanduser(), recovery_key, clock=args.clock,
                                     progress=_progress)
    print(report.message)
    if report.backup is not None:
        print(f"The backup taken first: {report.backup}")
    return 0
