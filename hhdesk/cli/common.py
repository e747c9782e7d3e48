"""What every command shares: the store and user options, passwords, output formats, errors."""

from __future__ import annotations

import argparse
import getpass
import io
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from hhdesk.config import default_store_path
from hhdesk.domain import entered_dates
from hhdesk.errors import UserError
from hhdesk.exports.tables import Cell, Table, TableFormat, Workbook
from hhdesk.services import agency, list_exports, users
from hhdesk.services.connection_file import is_connection_file, read_connection_file
from hhdesk.services.context import AppSession, wait_for_other_writers
from hhdesk.services.join_file import SUFFIX as JOIN_FILE_SUFFIX
from hhdesk.services.list_exports import ListFilter, ListKind
from hhdesk.services.workstation_join import (
    JoinedHost,
    host_from_join_file,
    joined_host,
    reach,
    tell_when_host_moves,
)

# A command started during a long import waits for it (saying so) rather than failing; past this, one line.
WRITE_WAIT_LIMIT_SECONDS = 300


def store_location(text: str) -> Path | str | JoinedHost:
    """A --store value: a store file's path, or an agency server's postgresql:// URL kept as typed (read from
    a connection file, ``NAME.hhserver``, when given one), or the host a join file (``NAME.hhjoin``) names."""
    if is_connection_file(text):
        return read_connection_file(Path(text).expanduser())
    if text.lower().endswith(JOIN_FILE_SUFFIX):
        return host_from_join_file(Path(text).expanduser())
    return text if agency.is_server_url(text) else Path(text)


def default_store() -> Path | JoinedHost:
    """Where a command without --store works: the host this workstation joined, else the default store file."""
    return joined_host() or default_store_path()


def reach_store(args: argparse.Namespace) -> None:
    """Turn a joined host (named by --store FILE.hhjoin, or this workstation's default) into the URL of the
    address where it answers now, saying so on stderr when that address is new."""
    if not hasattr(args, "store") or getattr(args, "reaches_host_itself", False):
        return
    host = args.store if args.store is not None else joined_host()
    if isinstance(host, JoinedHost):
        args.store = reach(host, say_on_stderr)


def say_on_stderr(sentence: str) -> None:
    print(f"hhdesk: {sentence}", file=sys.stderr)


def add_store_user_options(parser: argparse.ArgumentParser, *, user: bool = True) -> None:
    parser.add_argument("--store", type=store_location, default=None,
                        help="the store file (default: the agency's host this workstation joined, else the "
                             "platform data folder), an agency server's "
                             "postgresql://HOST:PORT/DATABASE?sslmode=verify-full&sslrootcert=CA.crt, "
                             "a connection file (.hhserver) or a join file (.hhjoin)")
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


def entered_date(text: str) -> date:
    """An argparse type for a date option: YYYY-MM-DD in the digits 0-9, from 1900 to 2099 (else exit 2)."""
    value = entered_dates.parse_date(text, us_form=False)
    if value is None:
        problem = entered_dates.date_problem(text, us_form=False) or "must be a date like 2026-03-31."
        raise argparse.ArgumentTypeError(f"{text!r} {problem}")
    return value


def server_address(args: argparse.Namespace) -> agency.ServerAddress | None:
    """The agency server that --store names, or None for a store file."""
    return agency.ServerAddress.parse(args.store) if isinstance(args.store, str) else None


def store_path(args: argparse.Namespace) -> Path:
    if isinstance(args.store, str):
        raise _not_on_a_server(args)
    assert not isinstance(args.store, JoinedHost), "reach_store runs before every command"
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


class _WaitMessages:
    """Tells the user, on stderr, that the command waits for another one's save: at once, then every 10 s."""

    def __init__(self) -> None:
        self._last = -1.0

    def __call__(self, waited: float) -> None:
        if waited < self._last:  # a new wait
            self._last = -1.0
        if self._last < 0:
            print("hhdesk: another hhdesk command or window is saving (a large import?); waiting for it ...",
                  file=sys.stderr, flush=True)
        elif int(waited) // 10 > int(self._last) // 10:
            print(f"hhdesk: still waiting ({int(waited)} s) ...", file=sys.stderr, flush=True)
        self._last = waited


# What works on a store file only: the file's key (a server has none; README, agency mode). A restore names
# its destination with --to, a file or a server.
_FILE_ONLY = {("restore", None), ("rotate-key", None)}


def _not_on_a_server(args: argparse.Namespace) -> UserError:
    action = getattr(args, f"{args.command.replace('-', '_')}_command", None)
    name = " ".join(part for part in (args.command, action) if part)
    return UserError(f"'hhdesk {name}' works on a store file only; on an agency's server it is not "
                     "available yet (see the README, agency mode).")


def open_session(args: argparse.Namespace) -> AppSession:
    check_output_options(args)  # before the password prompt: a wrong option costs nothing
    address = server_address(args)
    if address is not None:
        action = getattr(args, f"{args.command.replace('-', '_')}_command", None)
        if (args.command, action) in _FILE_ONLY:
            raise _not_on_a_server(args)
        args.login_password = read_password(f"Password for {args.user} on {address.host}: ")
        app = agency.login(address, args.user, args.login_password, clock=args.clock)
        tell_when_host_moves(app, say_on_stderr)  # a long command (an import) goes on if the host moves
        return app
    path = store_path(args)
    if not path.exists():
        raise UserError(f"There is no store at {path}. Check --store, or create one with 'hhdesk init'.")
    args.login_password = read_password(f"Password for {args.user}: ")
    wait_for_other_writers(WRITE_WAIT_LIMIT_SECONDS, _WaitMessages())
    app = users.login(store_path(args), args.user, args.login_password, clock=args.clock)
    for finding in app.seal_findings:
        print(f"hhdesk: audit log: {finding} (recorded in the audit log; see 'hhdesk verify')", file=sys.stderr)
    return app


def add_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=["table", "csv", "xlsx"], default="table",
                        help="table (to read), csv (UTF-8 for Excel) or xlsx (an Excel workbook; needs --out)")
    parser.add_argument("--out", type=Path, metavar="FILE",
                        help="write the csv or xlsx to this file instead of the screen")
    parser.set_defaults(list_output=True)


def check_output_options(args: argparse.Namespace) -> None:
    if not getattr(args, "list_output", False):
        return  # a command whose --format and --out mean something else (billing export)
    fmt, out = args.format, args.out
    if fmt == "xlsx" and out is None:
        raise UserError("--format xlsx writes a workbook: add --out FILE.xlsx.")
    if fmt == "table" and out is not None:
        raise UserError("--out writes a file: add --format csv or --format xlsx.")
    if out is not None and out.suffix.lower() != f".{fmt}":
        raise UserError(f"With --format {fmt} the file name must end in .{fmt}.")


def emit_rows(app: AppSession, args: argparse.Namespace, kind: ListKind, title: str, header: Sequence[str],
              rows: Sequence[Sequence[Cell]], filters: Sequence[ListFilter] = (),
              extra: Sequence[Table] = (), member_id: int | None = None) -> None:
    """Print a list as a table, or export it (CSV to the screen or a file, xlsx to a file; audited)."""
    if args.format == "table":
        print_table(header, rows)
        return
    book = Workbook([Table(title, list(header), [list(row) for row in rows]), *extra])
    table_format = TableFormat(args.format)
    if args.out is not None:
        done = list_exports.export_list(app, kind, title, book, args.out, table_format, filters, member_id)
        print(f"Wrote {done.rows:,} rows to {args.out} (SHA-256 {done.sha256}).", file=sys.stderr)
        return
    sys.stdout.flush()
    # Redirected to a file (`> list.csv`) the CSV gets the byte-order mark Excel needs; on a terminal,
    # where it would only show as a stray character, it does not.
    bom = not (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
    stream = getattr(sys.stdout, "buffer", None)
    if stream is None:  # a text-only stdout (an embedding program): hand it the same characters
        buffer = io.BytesIO()
        list_exports.export_list(app, kind, title, book, buffer, table_format, filters, member_id, bom=bom)
        sys.stdout.write(buffer.getvalue().decode("utf-8"))
        return
    list_exports.export_list(app, kind, title, book, stream, table_format, filters, member_id, bom=bom)


def print_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A plain-text table for the terminal (csv and xlsx go through `emit_rows`)."""
    text_rows = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in text_rows]) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in text_rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
