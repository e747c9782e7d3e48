"""`hhdesk --smoke-test` in-process (offscreen): it passes on a good build and names the step that breaks.

The frozen program runs the same function (`make dist`); here it runs from the source tree.
"""

from __future__ import annotations

import os
import sys

import pytest

from hhdesk.cli import smoke
from hhdesk.cli.main import main
from hhdesk.documents import packet
from hhdesk.ui import smoke as ui_smoke

STEP_NAMES = [
    "create store", "log in", "write member", "read member", "export list (.xlsx)", "read a payer's 999",
    "ICD-10-CM code set",
    "render packet PDF", "probe a host (TLS)", "start Qt", "Qt bindings refcounts", "load PDF with QtPdf", "open main window",
]


@pytest.fixture
def bindings_check_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rest of the smoke test, whatever the state of the Qt bindings (tested on its own below)."""
    monkeypatch.setattr(ui_smoke, "check_bindings", lambda: "skipped in this test")


def test_smoke_test_passes_and_reports_every_step(
    bindings_check_skipped: None, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir_before = os.environ.get("HHDESK_DATA_DIR")

    assert smoke.run_smoke_test() == 0

    out = capsys.readouterr().out
    step_lines = [line for line in out.splitlines() if line.startswith("  ")]
    assert [line.split(" ok ")[0].strip() for line in step_lines] == STEP_NAMES
    assert "pages)" in out and "sections, About" in out
    assert out.rstrip().splitlines()[-1].startswith("smoke test passed in ")
    # The run used its own temporary data folder and put the caller's back.
    assert os.environ.get("HHDESK_DATA_DIR") == data_dir_before


def test_the_command_line_flag_runs_it_even_without_a_console(
    bindings_check_skipped: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A windowed build on Windows starts with sys.stdout = None: the exit status still speaks.
    monkeypatch.setattr(sys, "stdout", None)
    assert main(["--smoke-test"]) == 0


def test_a_failing_step_returns_1_with_the_step_and_reason(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken_renderer(*_args: object, **_kwargs: object) -> bytes:
        raise RuntimeError("the renderer broke")

    monkeypatch.setattr(packet, "render_packet", broken_renderer)

    assert smoke.run_smoke_test() == 1

    out = capsys.readouterr().out
    assert "smoke test failed at render packet PDF: RuntimeError: the renderer broke" in out
    assert "start Qt" not in out  # nothing after the failed step ran
    assert "passed" not in out


def test_a_pdf_without_the_bundled_fonts_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(packet, "render_packet", lambda *_a, **_k: b"%PDF-1.4\n% Helvetica only\n%%EOF\n")

    assert smoke.run_smoke_test() == 1
    assert "failed at render packet PDF: the packet PDF has no embedded TrueType font" in capsys.readouterr().out


def test_a_pdf_qt_cannot_read_fails_at_the_qt_step(
    bindings_check_skipped: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(packet, "render_packet",
                        lambda *_a, **_k: b"%PDF-1.4\n/FontFile2 but nothing else a PDF needs\n")

    assert smoke.run_smoke_test() == 1
    assert "failed at load PDF with QtPdf: QPdfDocument could not load the packet" in capsys.readouterr().out


def test_a_user_error_is_reported_in_its_own_words(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hhdesk.errors import StorageProblem
    from hhdesk.services import users

    def full_disk(*_args: object, **_kwargs: object) -> str:
        raise StorageProblem("The disk is full.")

    monkeypatch.setattr(users, "create_store", full_disk)

    assert smoke.run_smoke_test() == 1
    assert "smoke test failed at create store: The disk is full.\n" in capsys.readouterr().out


def test_qt_bindings_keep_none_alive() -> None:
    """PySide6 6.12.0 on Python 3.11 takes a reference to None away on every Qt call that returns nothing,
    and the program aborts once they add up. This fails on that combination, as the smoke test does."""
    ui_smoke.start_qt()
    ui_smoke.check_bindings()
