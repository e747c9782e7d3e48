"""A listing piped into a program that stops reading (`hhdesk members list | head -1`) ends quietly.

The reader's end of the pipe is closed before the command runs, so its very first write fails, whatever
the size of its output: the command must print no traceback and exit with the shell's status for it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hhdesk.cli.main import OUTPUT_CLOSED, build_parser, main

LISTINGS = [
    ["users", "list"],
    ["settings", "list"],
    ["audit"],
    ["members", "list"],
    ["members", "list", "--format", "csv"],
    ["referrals", "list", "--format", "csv"],
    ["referrals", "summary"],
    ["worklist"],
    ["transitions", "list"],
    ["checklists", "list"],
    ["quality", "--from", "2026-01-01", "--to", "2026-11-30"],
    ["billing", "preview", "--month", "2026-11"],
    ["billing", "history"],
    ["verify"],
]
NEEDS_NO_STORE = {"checklists"}


def run_into_closed_pipe(argv: list[str]) -> subprocess.CompletedProcess[str]:
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run([sys.executable, "-m", "hhdesk", *argv], stdout=writer, stderr=subprocess.PIPE,
                              text=True, timeout=120, check=False)
    finally:
        os.close(writer)


@pytest.mark.parametrize("argv", LISTINGS, ids=lambda argv: " ".join(argv))
def test_a_listing_into_a_closed_pipe_prints_no_traceback(store: Path, argv: list[str]) -> None:
    store_args = [] if argv[0] in NEEDS_NO_STORE else ["--store", str(store), "--user", "boss"]
    done = run_into_closed_pipe([*argv, *store_args])
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode == OUTPUT_CLOSED, done.stderr


def test_help_into_a_closed_pipe_prints_no_traceback() -> None:
    done = run_into_closed_pipe(["--help"])
    # argparse itself drops help it cannot write; either way nothing is printed on stderr.
    assert done.stderr == "" and done.returncode in (0, OUTPUT_CLOSED)


def test_every_list_command_is_tried() -> None:
    """A new `… list` command joins LISTINGS, so the closed-pipe test covers it."""
    parser = build_parser()
    tried = {" ".join(argv[:2]) for argv in LISTINGS}
    for command, sub in _subparsers(parser).items():
        for action, _ in _subparsers(sub).items():
            if action == "list":
                assert f"{command} list" in tried


def test_a_broken_pipe_inside_a_command_is_the_closed_pipe_status(monkeypatch: pytest.MonkeyPatch) -> None:
    def cut_off(_argv: object) -> int:
        raise BrokenPipeError

    monkeypatch.setattr("hhdesk.cli.main._run", cut_off)
    assert main(["users", "list"]) == OUTPUT_CLOSED


def _subparsers(parser: object) -> dict[str, object]:
    import argparse

    assert isinstance(parser, argparse.ArgumentParser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}
