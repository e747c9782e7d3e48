"""The background runner: results and errors come back on the UI thread; Cancel stops a job; store jobs run
one at a time; an interrupt is no error to show.

The `threaded` tests use the real one-thread pool; the others the `ImmediatePool` every window test uses.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QThread

from hhdesk.errors import UserError
from hhdesk.ui import workers
from hhdesk.ui.workers import Cancelled, Progress, run_in_background
from tests.ui.immediate_pool import ImmediatePool


@pytest.fixture
def threaded() -> Iterator[None]:
    previous = workers.use_pool(None)  # the program's own one-thread pool, made afresh
    yield
    workers.wait_for_all(5000)
    workers.use_pool(previous)


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


def test_window_tests_run_the_real_job_at_once(message_boxes: list, immediate_jobs: ImmediatePool) -> None:
    results: list[str] = []
    handle = run_in_background(None, "Now", lambda progress: progress.report(1, 1) or "done", results.append)
    assert isinstance(handle, workers.Job) and immediate_jobs.started == 1
    assert results == ["done"] and not handle.running and handle.dialog is None
    assert handle.progress.last == (1, 1, "") and workers.active_jobs() == 0

    run_in_background(None, "Now", lambda _p: (_ for _ in ()).throw(UserError("Try again later.")),
                      results.append)
    assert message_boxes[-1] == ("warning", "hhdesk", "Try again later.")

    def cancelled(_progress: Progress) -> None:
        raise Cancelled

    run_in_background(None, "Now", cancelled, results.append)
    assert results == ["done"] and immediate_jobs.started == 3


def test_store_jobs_run_one_at_a_time_in_order(qtbot: Any, threaded: None) -> None:
    running: list[int] = []
    most_at_once: list[int] = []
    finished: list[int] = []
    lock = threading.Lock()

    def job_number(number: int):
        def job(_progress: Progress) -> int:
            with lock:
                running.append(number)
                most_at_once.append(len(running))
            time.sleep(0.05)
            with lock:
                running.remove(number)
            return number
        return job

    for number in range(4):
        run_in_background(None, "Saving", job_number(number), finished.append)
    qtbot.waitUntil(lambda: len(finished) == 4, timeout=5000)
    assert max(most_at_once) == 1 and finished == [0, 1, 2, 3]


def test_an_interrupt_is_raised_again_on_the_ui_thread_and_not_shown(qtbot: Any, threaded: None,
                                                                       message_boxes: list) -> None:
    errors: list[BaseException] = []

    def job(_progress: Progress) -> None:
        raise KeyboardInterrupt

    with qtbot.capture_exceptions() as raised:
        handle = run_in_background(None, "Interrupted", job, lambda _r: pytest.fail("no result expected"),
                                   errors.append)
        qtbot.waitUntil(lambda: not handle.running, timeout=5000)
    assert [type(exc) for _kind, exc, _tb in raised] == [KeyboardInterrupt]
    assert errors == [] and message_boxes == [] and workers.active_jobs() == 0


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
