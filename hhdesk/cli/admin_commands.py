"""Commands for the store and its people: init, gui, demo, users, backup, restore, verify, rotate-key, audit."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from hhdesk.cli.common import (
    add_format_option,
    add_store_user_options,
    default_store,
    emit_rows,
    entered_date,
    open_session,
    positive_int,
    read_new_password,
    read_password,
    server_address,
    store_location,
    store_path,
)
from hhdesk.errors import UserError, ValidationFailed
from hhdesk.services import agency, audit_seals, maintenance, members, users
from hhdesk.services.list_exports import ListFilter, ListKind
from hhdesk.services.settings import AgencyInfo


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="create a new store and its first administrator")
    add_store_user_options(p, user=False)
    p.add_argument("--org", required=True, help="the agency's name")
    p.add_argument("--admin", required=True, help="the first administrator's username")
    p.add_argument("--admin-name", default="", help="the administrator's full name")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("gui", help="open the window (what plain 'hhdesk' does)")
    add_store_user_options(p, user=False)
    # the window looks for a joined host itself, so that what it finds is said in the window
    p.set_defaults(handler=cmd_gui, reaches_host_itself=True)

    p = sub.add_parser("demo", help="build a demo store with synthetic members, then open the window")
    add_store_user_options(p, user=False)
    p.add_argument("--members", type=int, default=200)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--no-gui", action="store_true", help="build the store only")
    p.set_defaults(handler=cmd_demo)

    users_parser = sub.add_parser("users", help="list, add, disable users and set passwords")
    users_sub = users_parser.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    p = users_sub.add_parser("add", help="add a user (new password from HHDESK_NEW_PASSWORD or a prompt)")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=["admin", "supervisor", "care_manager", "billing",
                                                      "read_only"])
    p.add_argument("--full-name", default="")
    add_store_user_options(p)
    p.set_defaults(handler=cmd_users_add)
    p = users_sub.add_parser("passwd", help="set a user's password (your own: asks the old one)")
    p.add_argument("name")
    p.add_argument("--recovery-key", action="store_true",
                   help="use the printed recovery key (from HHDESK_RECOVERY_KEY or a prompt) instead")
    add_store_user_options(p)
    p.set_defaults(handler=cmd_users_passwd)
    p = users_sub.add_parser("disable", help="disable a user: their password no longer opens the store")
    p.add_argument("name")
    add_store_user_options(p)
    p.set_defaults(handler=cmd_users_disable)
    p = users_sub.add_parser("list", help="list users and roles")
    add_store_user_options(p)
    add_format_option(p)
    p.set_defaults(handler=cmd_users_list)

    p = sub.add_parser("backup", help="write an encrypted backup file")
    p.add_argument("--out", type=Path, required=True)
    add_store_user_options(p)
    p.set_defaults(handler=cmd_backup)

    p = sub.add_parser("restore", help="restore a backup into a new store path, and verify it")
    p.add_argument("file", type=Path)
    p.add_argument("--to", type=store_location, required=True,
                   help="a new path for the restored store, or an empty database on an agency's server: "
                        "postgresql://SETUP-ROLE@HOST:PORT/DATABASE?sslmode=verify-full&sslrootcert=CA.crt "
                        "(the role must be allowed to create roles; its password from PGPASSWORD or a prompt)")
    add_store_user_options(p)
    p.set_defaults(handler=cmd_restore)

    p = sub.add_parser("verify", help="check the encryption, the database and the audit chain")
    add_store_user_options(p)
    p.set_defaults(handler=cmd_verify)

    p = sub.add_parser("rotate-key", help="re-encrypt the store with a new key (after someone leaves)")
    add_store_user_options(p)
    p.set_defaults(handler=cmd_rotate_key)

    p = sub.add_parser("audit", help="show the audit log, or seal it ('hhdesk audit seal', administrators)")
    p.add_argument("what", nargs="?", choices=["seal"],
                   help="seal: sign where the log ends now (an administrator's login and backups also do)")
    p.add_argument("--member", metavar="MEDICAID_ID")
    p.add_argument("--since", type=entered_date, metavar="YYYY-MM-DD")
    p.add_argument("--limit", type=positive_int, default=200, help="show at most this many events (default 200)")
    add_store_user_options(p)
    add_format_option(p)
    p.set_defaults(handler=cmd_audit)



def cmd_init(args: argparse.Namespace) -> int:
    address = server_address(args)
    if address is not None:
        return _init_agency(args, address)
    path = store_path(args)
    password = read_new_password()
    recovery = users.create_store(path, AgencyInfo(name=args.org), args.admin, password, args.admin_name)
    print(f"Created the store at {path}")
    print(f"Administrator: {args.admin}")
    print()
    print("RECOVERY KEY (shown once; print it and lock it away, it opens the store if every password is lost):")
    print(f"    {recovery}")
    return 0


def _init_agency(args: argparse.Namespace, address: agency.ServerAddress) -> int:
    setup_user = address.url_user or getpass.getuser()
    setup_password = read_password(f"Password for the server role {setup_user}: ", env="PGPASSWORD")
    password = read_new_password()
    agency.create_agency(address, setup_user, setup_password, AgencyInfo(name=args.org), args.admin, password,
                         args.admin_name)
    print(f"Created the agency in the database {address.display}")
    print(f"Administrator: {args.admin} (logs in to the server with the password just set)")
    print("Each workstation connects with this address, its own user name and password: --store URL --user NAME")
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    from hhdesk.ui.app import run_gui

    if args.store is None:
        return run_gui(default_store())
    return run_gui(args.store if not isinstance(args.store, Path) else store_path(args))


def cmd_demo(args: argparse.Namespace) -> int:
    from hhdesk.tools.demo import DEMO_PASSWORD, DEMO_USER, build_demo_store

    if args.members < 1:
        raise ValidationFailed("--members must be at least 1.")
    address = server_address(args)
    if address is not None:
        return _demo_agency(args, address)
    path = store_path(args)
    if path.exists():
        print(f"Using the existing demo store at {path}")
    else:
        print(f"Building a demo store with {args.members} members at {path} ...", flush=True)
        build_demo_store(path, members=args.members, seed=args.seed)
    print(f"User: {DEMO_USER}   Password: {DEMO_PASSWORD}   (role: admin)")
    if args.no_gui:
        return 0
    from hhdesk.ui.app import run_gui

    return run_gui(path, username=DEMO_USER)


def _demo_agency(args: argparse.Namespace, address: agency.ServerAddress) -> int:
    """The demo in an empty database on an agency's server (made as `hhdesk init --store URL` would be)."""
    from hhdesk.tools.demo import DEMO_PASSWORD, DEMO_STAFF_PASSWORD, DEMO_USER, build_demo_agency

    setup_user = address.url_user or getpass.getuser()
    setup_password = read_password(f"Password for the server role {setup_user}: ", env="PGPASSWORD")
    print(f"Building a demo agency with {args.members} members in {address.display} ...", flush=True)
    report = build_demo_agency(address, setup_user, setup_password, members=args.members, seed=args.seed)
    print(f"Copied {report.rows:,} rows; the audit chain of {report.audit_events:,} events verified.")
    print(f"User: {DEMO_USER}   Password: {DEMO_PASSWORD}   (role: admin); the staff accounts' password: "
          f"{DEMO_STAFF_PASSWORD}")
    if args.no_gui:
        return 0
    from hhdesk.ui.app import run_gui

    return run_gui(args.store, username=DEMO_USER)


def cmd_users_add(args: argparse.Namespace) -> int:
    app = open_session(args)
    try:
        info = users.add_user(app, args.name, args.role, read_new_password(), args.full_name)
    finally:
        app.close()
    print(f"Added {info.username} ({info.role.value}).")
    return 0


def cmd_users_passwd(args: argparse.Namespace) -> int:
    if args.recovery_key:
        key = read_password("Recovery key: ", env="HHDESK_RECOVERY_KEY")
        users.recover(store_path(args), key, args.name, read_new_password())
        print(f"New password set for {args.name} with the recovery key.")
        return 0
    app = open_session(args)
    try:
        if args.name == app.actor.username:
            # The password just typed to log in is the old one.
            users.change_own_password(app, args.login_password, read_new_password())
        else:
            users.reset_password(app, args.name, read_new_password())
    finally:
        app.close()
    print(f"Password changed for {args.name}.")
    return 0


def cmd_users_disable(args: argparse.Namespace) -> int:
    app = open_session(args)
    try:
        users.set_disabled(app, args.name, True)
    finally:
        app.close()
    if server_address(args) is not None:
        print(f"Disabled {args.name}: their login no longer opens the agency's server.")
        return 0
    print(f"Disabled {args.name}. Consider 'hhdesk rotate-key' if they kept a copy of the store.")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    app = open_session(args)
    try:
        rows = users.list_users(app)
        emit_rows(app, args, ListKind.USERS, "Users", ["username", "full_name", "role", "disabled"],
                  [[u.username, u.full_name, u.role.value, "yes" if u.disabled else "no"] for u in rows])
    finally:
        app.close()
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    out = args.out.expanduser()
    if out.is_dir():  # checked before the password prompt; the service would name the wrong folder
        raise UserError(f"{out} is a folder: give a file name for the backup, e.g. {out / 'hhdesk-backup.hhbak'}.")
    app = open_session(args)
    try:
        digest = maintenance.backup_now(app, out)
    finally:
        app.close()
    print(f"Backup written to {args.out} (SHA-256 {digest}).")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    if not args.file.exists():
        raise UserError(f"There is no backup file at {args.file}.")
    if isinstance(args.to, str):
        return _restore_to_server(args, agency.ServerAddress.parse(args.to))
    report = maintenance.restore_to(args.file, args.to.expanduser(), args.user, read_password())
    print(f"Restored to {args.to} and verified: encryption and integrity ok, "
          f"audit chain of {report.audit_events} events intact.")
    return 0


def _restore_to_server(args: argparse.Namespace, address: agency.ServerAddress) -> int:
    from hhdesk.services import server_restore

    password = read_password(f"Password of {args.user} in the backup: ")
    setup_user = address.url_user or getpass.getuser()
    setup_password = read_password(f"Password for the server role {setup_user}: ", env="PGPASSWORD")
    report = server_restore.restore_to_server(args.file, address, args.user, password, setup_user, setup_password)
    print(f"Restored {report.rows:,} rows to {address.display}; the audit chain of {report.audit_events:,} events "
          "verified on arrival.")
    if report.users_without_password:
        print("These users have no server password yet; set a temporary one for each (hhdesk users passwd NAME "
              "--store URL): " + ", ".join(report.users_without_password))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    app = open_session(args)
    try:
        report = maintenance.verify(app)
    finally:
        app.close()
    proved = [f"  {line}" for line in maintenance.what_verify_proved(report)]
    if report.ok:
        print("\n".join(["ok: the store passed every check.", *proved]))
        return 0
    for problem in report.cipher_and_integrity:
        print(f"integrity: {problem}", file=sys.stderr)
    if report.audit_problem:
        print(f"audit chain broken: {report.audit_problem}", file=sys.stderr)
    for problem in report.seal_problems:
        print(f"audit seal: {problem}", file=sys.stderr)
    print("\n".join(proved), file=sys.stderr)
    print("hhdesk: the store failed verification. Restore the newest good backup "
          "and keep this copy for investigation.", file=sys.stderr)
    return 1


def cmd_rotate_key(args: argparse.Namespace) -> int:
    app = open_session(args)
    try:
        users.rotate_key(app)
    finally:
        app.close()
    print("The store is now encrypted with a new key; every current password and the recovery key still open it.")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    if args.what == "seal":
        return _seal_audit_log(args)
    app = open_session(args)
    try:
        rows = maintenance.audit_log(app, args.member, args.since, args.limit)
        # The audit log links events to a member by the member's record, never by a typed ID.
        filters = [ListFilter("Member (Medicaid ID)", args.member, typed=True)] if args.member else []
        member_id = members.find_by_medicaid_id(app, args.member) if args.member else None
        if args.since:
            filters.append(ListFilter("Since", args.since.isoformat()))
        filters.append(ListFilter("At most", f"{args.limit} events, newest first"))
        emit_rows(app, args, ListKind.AUDIT_LOG, "Audit log",
                  ["id", "at", "user", "action", "entity", "entity_id", "medicaid_id", "detail"],
                  [[r.id, r.at, r.username, r.action, r.entity, r.entity_id, r.medicaid_id, r.detail]
                   for r in rows], filters, member_id=member_id)
    finally:
        app.close()
    return 0


def _seal_audit_log(args: argparse.Namespace) -> int:
    app = open_session(args)
    try:
        seal, findings = audit_seals.seal_by_hand(app)
        key = audit_seals.seal_status(app).key_fingerprint
    finally:
        app.close()
    for finding in findings:
        print(f"audit seal: found and recorded in the log: {finding}", file=sys.stderr)
    print(f"Sealed: events 1 to {seal.events:,} of the audit log, {seal.at[:16].replace('T', ' ')} UTC by {seal.by}. "
          f"Sealing key {key}.")
    return 0
