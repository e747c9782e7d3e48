"""The background runner: results and errors come back on the UI thread; Cancel stops a job."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from PySide6.QtCore import QThread

from hhdesk.errors import UserError
from hhdesk.ui import workers
from hhdesk.ui.workers import Cancelled, Progress, run_in_background


@pytest.fixture
def threaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "SYNCHRONOUS", False)


def test_a_job_runs_off_the_ui_thread_and_reports_back_on_it(qtbot: Any, threaded: None) -> None:
    ui_thread = QThread.currentThread()
    seen: dict[str, Any] = {}

    def job(progress: Progress) -> int:
        seen["job_thread"] = threading.current_thread()
        for step in range(1, 4):
            progress.report(step, 3, f"Step {step}")
        return 42

    def done(result: int) -> None:
        seen["result"] = result
        seen["done_on_ui_thread"] = QThread.currentThread() is ui_thread

    handle = run_in_background(None, "Counting", job, done)
    assert workers.active_jobs() == 1
    qtbot.waitUntil(lambda: "result" in seen, timeout=5000)
    assert seen["result"] == 42 and seen["done_on_ui_thread"]
    assert seen["job_thread"] is not threading.main_thread()
    assert not handle.running and workers.active_jobs() == 0
    assert handle.progress.last == (3, 3, "Step 3")


def test_errors_go_to_on_error(qtbot: Any, threaded: None) -> None:
    errors: list[BaseException] = []

    def job(_progress: Progress) -> None:
        raise UserError("The disk is full: free some space and try again.")

    run_in_background(None, "Failing", job, lambda _r: pytest.fail("no result expected"), errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert str(errors[0]) == "The disk is full: free some space and try again."


def test_cancel_stops_a_job_without_callbacks(qtbot: Any, threaded: None) -> None:
    started = threading.Event()
    called: list[str] = []

    def job(progress: Progress) -> None:
        started.set()
        while True:
            progress.check()
            time.sleep(0.01)

    handle = run_in_background(None, "Waiting", job, lambda _r: called.append("done"),
                               lambda _e: called.append("error"))
    assert started.wait(5)
    handle.dialog.canceled.emit()  # what the dialog's Cancel button does
    assert handle.progress.cancelled
    assert handle.dialog.labelText() == "Stopping…"
    qtbot.waitUntil(lambda: not handle.running, timeout=5000)
    assert called == []


def test_synchronous_mode_finishes_before_returning(message_boxes: list) -> None:
    assert workers.SYNCHRONOUS, "tests/ui/conftest.py switches it on"
    results: list[str] = []
    handle = run_in_background(None, "Now", lambda progress: progress.report(1, 1) or "done", results.append)
    assert results == ["done"] and not handle.running

    run_in_background(None, "Now", lambda _p: (_ for _ in ()).throw(UserError("Try again later.")),
                      results.append)
    assert message_boxes[-1] == ("warning", "hhdesk", "Try again later.")

    def cancelled(_progress: Progress) -> None:
        raise Cancelled

    run_in_background(None, "Now", cancelled, results.append)
    assert results == ["done"]


def test_the_job_may_finish_while_its_progress_is_being_shown(qtbot: Any, threaded: None) -> None:
    """A window-modal progress dialog delivers pending events inside setValue; when the job's "finished" is
    one of them the dialog is gone before the progress update returns (batch printing ended with "Something
    went wrong" that way)."""
    results: list[str] = []
    release = threading.Event()

    def job(_progress: Progress) -> str:
        release.wait(5)
        return "printed"

    handle = run_in_background(None, "Printing packets", job, results.append)
    assert isinstance(handle, workers.Job) and handle.dialog is not None
    dialog = handle.dialog
    real_set_value = dialog.setValue

    def set_value_that_delivers_finished(value: int) -> None:
        real_set_value(value)
        handle._finished("printed")  # what the event loop does inside setValue

    dialog.setValue = set_value_that_delivers_finished  # type: ignore[method-assign]
    handle._show_progress(3, 5, "Packet 3 of 5")  # the slot the progress signal calls
    assert results == ["printed"] and handle.dialog is None and not handle.running
    release.set()
    workers.wait_for_all(5000)
