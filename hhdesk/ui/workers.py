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

- `job` runs on the store's one worker thread (`job_pool`) and must not touch widgets. Jobs run one at a time,
  in the order they were asked for, so two of them never race for the store (a restore cannot start under a
  running backup). A job may call services: each service call opens its own unit of work (its own session),
  which is what "the worker has its own session" means here.
- `on_done(result)` and `on_error(exc)` run on the UI thread. Without `on_error`, `hhdesk.ui.errors.show_error`
  tells the user (their words for a UserError, the log file's place for anything else). A `BaseException` that
  is no `Exception` (KeyboardInterrupt, SystemExit) is no failure to show: it is raised again on the UI thread.
- A job stops early by raising `Cancelled` (neither callback runs then); if it returns normally after a
  cancel request, `on_done` gets what it returned.
- A window-modal progress dialog with a Cancel button appears only if the job is still running after
  `PROGRESS_DELAY_MS`, so quick jobs do not flash a dialog.
- The pool is injectable (`use_pool`): window tests hand in one that runs each job at once in the caller's
  thread, through the same runnable, signals and callbacks as the real thread (tests/ui/conftest.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from hhdesk.ui.errors import show_error

T = TypeVar("T")

PROGRESS_DELAY_MS = 400

_running: set[Job[Any]] = set()


class Pool(Protocol):
    """What runs a job's runnable: a QThreadPool, or a test's stand-in."""

    def start(self, runnable: QRunnable) -> None: ...

    def waitForDone(self, msecs: int = ...) -> bool: ...


_pool: Pool | None = None


def job_pool() -> Pool:
    """The pool every job runs on: one thread, so store work runs one job after another."""
    global _pool
    if _pool is None:
        pool = QThreadPool()
        pool.setMaxThreadCount(1)
        _pool = pool
    return _pool


def use_pool(pool: Pool | None) -> Pool | None:
    """Run the jobs started from now on `pool` (None: the one-thread default); returns the pool used before."""
    global _pool
    previous, _pool = _pool, pool
    return previous


class Cancelled(Exception):
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
    interrupted = Signal(object)
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
        except Exception as exc:
            self._signals.failed.emit(exc)
        except BaseException as exc:
            self._signals.interrupted.emit(exc)
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
        self._signals.interrupted.connect(self._interrupted)
        self._signals.cancelled.connect(self._cancelled)
        self._runnable = _Runnable(job, self.progress, self._signals)
        self._make_dialog(parent, title, cancellable)

    def start(self) -> None:
        job_pool().start(self._runnable)

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

    @Slot(object)
    def _interrupted(self, exc: BaseException) -> None:
        self._end()
        raise exc

    @Slot()
    def _cancelled(self) -> None:
        self._end()


def run_in_background(parent: QWidget | None, title: str, job: Callable[[Progress], T],
                      on_done: Callable[[T], None],
                      on_error: Callable[[BaseException], None] | None = None,
                      *, cancellable: bool = True) -> Job[T]:
    """Run `job(progress)` off the UI thread with a progress dialog; then `on_done(result)` on the UI thread.

    `title` names the work in the user's words ("Making a backup"). Returns a handle with `cancel()`,
    `running` and `progress`. See the module docstring for the rules a job follows.
    """
    handle: Job[T] = Job(parent, title, job, on_done, on_error, cancellable)
    _running.add(handle)
    handle.start()
    return handle


def active_jobs() -> int:
    """How many background jobs are still running (the inactivity lock waits for them)."""
    return len(_running)


def wait_for_all(timeout_ms: int = 30_000) -> bool:
    """Block until the pool's thread is idle (at exit). Callbacks still queued are not delivered."""
    return job_pool().waitForDone(timeout_ms)
