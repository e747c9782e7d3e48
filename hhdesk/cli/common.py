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
from hhdesk.services import users
from hhdesk.services.context import AppSession


def add_store_user_options(parser: argparse.ArgumentParser, *, user: bool = True) -> None:
    parser.add_argument("--store", type=Path, default=None,
                        help="the store file (default: the platform data folder)")
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


def store_path(args: argparse.Namespace) -> Path:
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
    first = getpass.getpass("New password (12 characters or more, hard to guess: a short sentence works): ")
    if getpass.getpass("Type it again: ") != first:
        raise UserError("The two passwords differ; nothing was changed.")
    return first


def open_session(args: argparse.Namespace) -> AppSession:
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
