"""Named steps inside changes that span two files (the store and its key file).

Production code announces each step; nothing happens unless a fault test has installed a hook, which kills
the process right there (tests/faults/) to prove that every step leaves something that opens the store.
"""

from __future__ import annotations

from collections.abc import Callable

_hook: Callable[[str], None] | None = None


def reached(step: str) -> None:
    if _hook is not None:
        _hook(step)


def install(hook: Callable[[str], None] | None) -> None:
    global _hook
    _hook = hook
