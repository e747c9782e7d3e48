"""The window's log file: where it is, how it is set up, and how an unexpected error is written to it.

The log never carries member data. Messages written here name actions, roles and counts only, and an
unexpected exception is logged as its type and stack frames: the *message* of most exceptions may quote a
value (a SQL parameter, a dictionary key), so it is kept only for a few types whose messages name code,
never data.
"""

from __future__ import annotations

import logging
import logging.handlers
import traceback
from pathlib import Path

from hhdesk.config import log_dir
from hhdesk.private_files import make_private, private_folder

LOG_FILENAME = "hhdesk.log"

# Exception types whose messages describe the program (attribute, name or module names), not data.
_SAFE_MESSAGE_TYPES: tuple[type[BaseException], ...] = (
    AttributeError, NameError, ImportError, NotImplementedError, RecursionError, ZeroDivisionError, TypeError,
)

log = logging.getLogger("hhdesk.ui")


def log_file() -> Path:
    return log_dir() / LOG_FILENAME


def configure_logging(level: int = logging.INFO) -> Path:
    """Send hhdesk's log records to a rotating file in the platform log folder; returns its path.

    Safe to call twice (a second window in the same process, or a test): the handler is added once.
    """
    path = log_file()
    root = logging.getLogger("hhdesk")
    root.setLevel(level)
    for handler in root.handlers:
        if isinstance(handler, logging.FileHandler) and Path(handler.baseFilename) == path:
            return path
    try:
        private_folder(path.parent)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3,
                                                       encoding="utf-8")
        make_private(path)
    except OSError:
        # A read-only profile folder must not stop the window from opening; logs then go nowhere.
        return path
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    return path


def describe_exception(exc: BaseException) -> str:
    """The exception chain as types and stack frames, with messages only where they cannot hold data."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        header = type(current).__module__ + "." + type(current).__qualname__
        if isinstance(current, _SAFE_MESSAGE_TYPES):
            header += f": {current}"
        frames = traceback.format_tb(current.__traceback__)
        lines.append(header)
        lines.extend(frame.rstrip("\n") for frame in frames)
        current = current.__cause__ or current.__context__
        if current is not None:
            lines.append("caused by / while handling:")
    return "\n".join(lines)


def log_unexpected(exc: BaseException, where: str = "") -> None:
    log.error("Unexpected error%s:\n%s", f" in {where}" if where else "", describe_exception(exc))
