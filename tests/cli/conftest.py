"""What the command-line tests share: the administrator's password, running `hhdesk`, and a fresh store.

`store` is a store made by `hhdesk init` (administrator "boss"), with HHDESK_PASSWORD set so that later
commands log in without asking; test modules that need data in it override `store` and ask for `new_store`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hhdesk.cli.main import main

ADMIN_PW = "correct horse battery 1"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`hhdesk argv…`: the exit status, what it printed, and what it wrote to stderr."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def without_bom(out: str) -> str:
    """CSV on the screen, as Excel needs it: a byte-order mark first (checked), removed for reading."""
    assert out.startswith("\ufeff"), "the CSV does not begin with a byte-order mark"
    return out[1:]


def init_store(path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    """`hhdesk init` a store at `path` for "boss" with ADMIN_PW; returns what init printed."""
    monkeypatch.setenv("HHDESK_NEW_PASSWORD", ADMIN_PW)
    assert main(["init", "--store", str(path), "--org", "Hudson Valley HH", "--admin", "boss"]) == 0
    out = capsys.readouterr().out
    monkeypatch.setenv("HHDESK_PASSWORD", ADMIN_PW)
    return out


@pytest.fixture
def new_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "cli.hhdesk"
    init_store(path, monkeypatch, capsys)
    return path


@pytest.fixture
def store(new_store: Path) -> Path:
    return new_store
