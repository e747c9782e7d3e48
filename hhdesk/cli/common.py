"""What every command shares: the store and user options, passwords, output formats, errors."""

from __future__ import annotations

import argparse
import csv
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from hhdesk.config import default_store_path
from hhdesk.errors import UserError
from hhdesk.services import agency, users
from hhdesk.services.context import AppSession


def store_location(text: str) -> Path | str:
    """A --store value: a store file's path, or an agency server's postgresql:// URL kept as typed."""
    return text if agency.is_server_url(text) else Path(text)


def add_store_user_options(parser: argparse.ArgumentParser, *, user: bool = True) -> None:
    parser.add_argument("--store", type=store_location, default=None,
                        help="the store file (default: the platform data folder), or an agency server's "
                             "postgresql://HOST:PORT/DATABASE?sslmode=verify-full&sslrootcert=CA.crt")
    if user:
        parser.add_argument("--user", default=os.environ.get("HHDESK_USER") or getpass.getuser(),
                            help="who is acting (default: $HHDESK_USER, else your login name)")


def positive_int(text: str) -> int:
    """An argparse type for a count such as --limit: a whole number of 1 or more (else exit status 2)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value


def server_address(args: argparse.Namespace) -> agency.ServerAddress | None:
    """The agency server that --store names, or None for a store file."""
    return agency.ServerAddress.parse(args.store) if isinstance(args.store, str) else None


def store_path(args: argparse.Namespace) -> Path:
    if isinstance(args.store, str):
        raise _not_on_a_server(args)
    return (args.store or default_store_path()).expanduser()


def read_password(prompt: str = "Password: ", env: str = "HHDESK_PASSWORD") -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin or not sys.stdin.isatty():
        raise UserError(f"No password: set {env} or run the command in a terminal to be asked.")
    return getpass.getpass(prompt)


def read_new_password(env: str = "HHDESK_NEW_PASSWORD") -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin or not sys.stdin.isatty():
        raise UserError(f"No new password: set {env} or run the command in a terminal to be asked.")
    first = getpass.getpass("New password (12 characters or more): ")
    if getpass.getpass("Type it again: ") != first:
        raise UserError("The two passwords differ; nothing was changed.")
    return first


# What works on a store file but not yet on an agency's server: the file's key and its backups (README,
# agency mode).
_FILE_ONLY = {("backup", None), ("restore", None), ("rotate-key", None)}


def _not_on_a_server(args: argparse.Namespace) -> UserError:
    action = getattr(args, f"{args.command.replace('-', '_')}_command", None)
    name = " ".join(part for part in (args.command, action) if part)
    return UserError(f"'hhdesk {name}' works on a store file only; on an agency's server it is not "
                     "available yet (see the README, agency mode).")


def open_session(args: argparse.Namespace) -> AppSession:
    address = server_address(args)
    if address is not None:
        action = getattr(args, f"{args.command.replace('-', '_')}_command", None)
        if (args.command, action) in _FILE_ONLY:
            raise _not_on_a_server(args)
        args.login_password = read_password(f"Password for {args.user} on {address.host}: ")
        return agency.login(address, args.user, args.login_password)
    path = store_path(args)
    if not path.exists():
        raise UserError(f"There is no store at {path}. Check --store, or create one with 'hhdesk init'.")
    args.login_password = read_password(f"Password for {args.user}: ")
    return users.login(store_path(args), args.user, args.login_password)


def add_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=["table", "csv"], default="table")


def print_rows(header: Sequence[str], rows: Sequence[Sequence[object]], fmt: str) -> None:
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
        return
    text_rows = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in text_rows]) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in text_rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
