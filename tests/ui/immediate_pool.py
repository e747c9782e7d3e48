"""A job pool for tests: each job runs at once, in the caller's thread, through the real runnable.

`hhdesk.ui.workers` is handed one with `use_pool`. The job's runnable, its signals and the callbacks are the
ones the window uses with its real thread; only the thread is left out, so a job and its callbacks have
finished when `run_in_background` returns and a test needs no waiting.
"""

from __future__ import annotations

from PySide6.QtCore import QRunnable


class ImmediatePool:
    """Runs each runnable when it is started; `started` counts them."""

    def __init__(self) -> None:
        self.started = 0

    def start(self, runnable: QRunnable) -> None:
        self.started += 1
        runnable.run()

    def waitForDone(self, msecs: int = -1) -> bool:
        return True
