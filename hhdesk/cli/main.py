"""The command line: `hhdesk COMMAND ...`. Every command calls the same services as the window.

Exit status: 0 success, 1 a user error (one line on stderr saying what to do), 2 wrong usage, 141 the
program reading the output stopped early (`hhdesk members list | head -3`), as other programs end then.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from hhdesk import __version__
from hhdesk.cli.common import reach_store
from hhdesk.clock import AgencyClock
from hhdesk.errors import UserError
from hhdesk.private_files import restrict_new_files

# Each module adds its commands with register(subparsers); later features add their module here.
COMMAND_MODULES = [
    "hhdesk.cli.admin_commands",
    "hhdesk.cli.settings_commands",
    "hhdesk.cli.member_commands",
    "hhdesk.cli.import_commands",
    "hhdesk.cli.referral_commands",
    "hhdesk.cli.care_commands",
    "hhdesk.cli.print_commands",
    "hhdesk.cli.billing_commands",
    "hhdesk.cli.bench_commands",
    "hhdesk.cli.server_commands",
    "hhdesk.cli.host_commands",
    "hhdesk.cli.join_commands",
]


OUTPUT_CLOSED = 141  # 128 + SIGPIPE: the status a shell shows for a program whose reader went away


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own exit(2), with a hint
        self.print_usage(sys.stderr)
        print(f"hhdesk: {message} (see 'hhdesk --help')", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hhdesk", description="Care management and billing for Medicaid Health Homes.")
    parser.add_argument("--version", action="version", version=f"hhdesk {__version__}")
    parser.add_argument("--smoke-test", action="store_true",
                        help="start offscreen on a temporary store, check the essentials, and exit")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    restrict_new_files()  # the store, backups, PDFs, exports and logs are the user's alone
    try:
        try:
            return _run(argv)
        finally:
            if sys.stdout is not None:  # None in a windowed build on Windows
                sys.stdout.flush()  # here, not at exit (--help exits too), so a closed pipe is caught below
    except BrokenPipeError:
        _silence_stdout()
        return OUTPUT_CLOSED


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        # --store reads a connection or join file while the command line is parsed
        args = parser.parse_args(argv)
        if args.smoke_test:
            from hhdesk.cli.smoke import run_smoke_test

            return run_smoke_test()
        if args.command is None:
            args = parser.parse_args(["gui", *(argv or [])])
        args.clock = AgencyClock()  # the command's one clock: its session and its file names read it
        reach_store(args)
        return int(args.handler(args) or 0)
    except UserError as exc:
        print(f"hhdesk: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("hhdesk: stopped; nothing more was changed.", file=sys.stderr)
        return 1


def _silence_stdout() -> None:
    """The reader closed the pipe: send what is still buffered nowhere, so exit prints no second error."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout is not a real file (a test's capture): nothing is buffered for it at exit
    finally:
        os.close(devnull)


if __name__ == "__main__":
    raise SystemExit(main())
