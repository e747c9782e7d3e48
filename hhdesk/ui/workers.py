"""One runner for slow work (backups, restores, PDF batches, billing exports, imports), off the UI thread.

Use it like this::

    def job(progress: Progress) -> Path:
        for done, member in enumerate(members, 1):
            if progress.cancelled:          # or: progress.check(), which raises Cancelled
                raise Cancelled
            ...
            progress.report(done, len(members), "Writing care plans")
        return out_file

    run_in_background(self, "Printing care plans", job, on_done=lambda path: ..., on_error=None)

- `job` runs on a thread of the global QThreadPool and must not touch widgets. It may call services: each
  service call opens its own unit of work (its own session), which is what "the worker has its own session"
  means here.
- `on_done(result)` and `on_error(exc)` run on the UI thread. Without `on_error`, `hhdesk.ui.errors.show_error`
  tells the user (their words for a UserError, the log file's place for anything else).
- A job stops early by raising `Cancelled` (neither callback runs then); if it returns normally after a
  cancel request, `on_done` gets what it returned.
- A window-modal progress dialog with a Cancel button appears only if the job is still running after
  `PROGRESS_DELAY_MS`, so quick jobs do not flash a dialog.
- Tests set `workers.SYNCHRONOUS = True` (the `synchronous_workers` fixture in tests/ui/conftest.py does):
  the job then runs at once in the caller's thread, callbacks included, before `run_in_background` returns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from hhdesk.ui.errors import show_error

T = TypeVar("T")

SYNCHRONOUS = False
"""Run every job in the caller's thread, at once (tests)."""

PROGRESS_DELAY_MS = 400

_running: set[Job[Any]] = set()


class Cancelled(Exception):  # reads as "raise Cancelled"
    """Raised by a job (or by `Progress.check`) to stop early at the user's request."""


class Progress:
    """What a job is handed: report how far it is, and see whether the user asked to stop."""

    def __init__(self, emit: Callable[[int, int, str], None] | None = None) -> None:
        self._cancel = threading.Event()
        self._emit = emit
        self.last: tuple[int, int, str] = (0, 0, "")

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def check(self) -> None:
        """Raise `Cancelled` if the user asked to stop; call it between steps."""
        if self._cancel.is_set():
            raise Cancelled

    def report(self, done: int, total: int, text: str = "") -> None:
        """`done` of `total` steps finished (total 0: unknown, a busy bar); `text` says what is happening."""
        self.last = (done, total, text)
        if self._emit is not None:
            self._emit(done, total, text)


class _Signals(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()


class _Runnable(QRunnable):
    def __init__(self, job: Callable[[Progress], Any], progress: Progress, signals: _Signals) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the Job keeps it until its signals have been delivered
        self._job = job
        self._progress = progress
        self._signals = signals

    def run(self) -> None:
        try:
            result = self._job(self._progress)
        except Cancelled:
            self._signals.cancelled.emit()
        except BaseException as exc:  # handed to the UI thread, which reports it
            self._signals.failed.emit(exc)
        else:
            self._signals.finished.emit(result)


class Job(QObject, Generic[T]):
    """A handle on one piece of background work: `cancel()`, `running`, and its `progress`."""

    def __init__(self, parent: QWidget | None, title: str, job: Callable[[Progress], T],
                 on_done: Callable[[T], None], on_error: Callable[[BaseException], None] | None,
                 cancellable: bool) -> None:
        super().__init__()
        self._parent = parent
        self._on_done = on_done
        self._on_error = on_error
        self._cancellable = cancellable
        self.running = True
        self.dialog: QProgressDialog | None = None
        self._signals = _Signals()
        self.progress = Progress(self._signals.progress.emit)
        self._signals.progress.connect(self._show_progress)
        self._signals.finished.connect(self._finished)
        self._signals.failed.connect(self._failed)
        self._signals.cancelled.connect(self._cancelled)
        self._runnable = _Runnable(job, self.progress, self._signals)
        self._make_dialog(parent, title, cancellable)

    def start(self) -> None:
        QThreadPool.globalInstance().start(self._runnable)

    def cancel(self) -> None:
        self.progress.cancel()

    def _make_dialog(self, parent: QWidget | None, title: str, cancellable: bool) -> None:
        dialog = QProgressDialog(title + "…", "Cancel" if cancellable else "", 0, 0, parent)
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(PROGRESS_DELAY_MS)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumWidth(360)
        if not cancellable:
            dialog.setCancelButton(None)
        dialog.canceled.connect(self._cancel_requested)
        self.dialog = dialog

    @Slot()
    def _cancel_requested(self) -> None:
        if self._cancellable:
            self.progress.cancel()
        if self.dialog is not None and self.running:
            # QProgressDialog hides itself on cancel; stay visible until the job has really stopped.
            if self._cancellable:
                self.dialog.setLabelText("Stopping…")
            self.dialog.show()

    @Slot(int, int, str)
    def _show_progress(self, done: int, total: int, text: str) -> None:
        dialog = self.dialog
        if dialog is None or self.progress.cancelled:
            return
        if text:
            dialog.setLabelText(text)
        dialog.setMaximum(max(total, 0))
        if total > 0:
            # Last: a window-modal progress dialog handles pending events inside setValue, and the job's
            # "finished" may be among them; that ends the job and closes this dialog, so nothing may follow.
            dialog.setValue(min(done, total))

    def _end(self) -> None:
        self.running = False
        if self.dialog is not None:
            self.dialog.canceled.disconnect(self._cancel_requested)
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
        _running.discard(self)

    @Slot(object)
    def _finished(self, result: T) -> None:
        self._end()
        self._on_done(result)

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        self._end()
        if self._on_error is not None:
            self._on_error(exc)
        else:
            show_error(self._parent, exc)

    @Slot()
    def _cancelled(self) -> None:
        self._end()


class _FinishedJob:
    """What `run_in_background` returns in synchronous mode: the same small interface as `Job`."""

    running = False
    dialog = None

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def cancel(self) -> None:
        self.progress.cancel()


def run_in_background(parent: QWidget | None, title: str, job: Callable[[Progress], T],
                      on_done: Callable[[T], None],
                      on_error: Callable[[BaseException], None] | None = None,
                      *, cancellable: bool = True) -> Job[T] | _FinishedJob:
    """Run `job(progress)` off the UI thread with a progress dialog; then `on_done(result)` on the UI thread.

    `title` names the work in the user's words ("Making a backup"). Returns a handle with `cancel()`,
    `running` and `progress`. See the module docstring for the rules a job follows.
    """
    if SYNCHRONOUS:
        progress = Progress()
        try:
            result = job(progress)
        except Cancelled:
            return _FinishedJob(progress)
        except BaseException as exc:  # reported like the threaded path does
            if on_error is not None:
                on_error(exc)
            else:
                show_error(parent, exc)
            return _FinishedJob(progress)
        on_done(result)
        return _FinishedJob(progress)
    handle: Job[T] = Job(parent, title, job, on_done, on_error, cancellable)
    _running.add(handle)
    handle.start()
    return handle


def active_jobs() -> int:
    """How many background jobs are still running (the inactivity lock waits for them)."""
    return len(_running)


def wait_for_all(timeout_ms: int = 30_000) -> bool:
    """Block until the pool's threads are idle (at exit). Callbacks still queued are not delivered."""
    return QThreadPool.globalInstance().waitForDone(timeout_ms)
