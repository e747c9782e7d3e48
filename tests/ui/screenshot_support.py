"""What every screenshot script shares: the throwaway session, a demo store login, settling, grabbing, page images.

The scripts in tests/ui/*_screenshots.py run under a virtual display and write PNGs for docs/screenshots; each
one opens a scratch data folder and a Qt application, fills a store, logs in, waits for Qt to settle, and
grabs widgets. Key derivation is made fast here, before any store is opened, because the pictures do not
depend on it and the real cost would make each run take minutes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from hhdesk.db import keyslots
from hhdesk.services import caseload, users
from hhdesk.services.caseload import CaseloadRow
from hhdesk.services.context import AppSession
from hhdesk.tools.demo import DEMO_STAFF_PASSWORD, build_demo_store
from hhdesk.ui import workers
from hhdesk.ui.app import make_application
from hhdesk.ui.main_window import MainWindow

keyslots.set_new_slot_cost(keyslots.CHEAP_ARGON2)  # screenshots, not key derivation

DEFAULT_OUT_DIR = "docs/screenshots"


def settle(application: QApplication, rounds: int = 8, pause: float = 0.0) -> None:
    """Let Qt process pending events, `rounds` times, sleeping `pause` seconds between them."""
    for _ in range(rounds):
        application.processEvents()
        if pause:
            time.sleep(pause)  # some widgets (QPdfView) render on a thread of their own


def save(widget: QWidget, out: Path) -> None:
    """Grab `widget` as it is on screen and write it to `out` as a PNG."""
    widget.grab().save(str(out), "PNG")
    print(f"wrote {out} ({out.stat().st_size // 1024} KB)")


def save_first_page(pdf: bytes, scratch: Path, out_stem: Path) -> Path:
    """Page 1 of `pdf` as `out_stem`.png at 70 dpi (pdftoppm, from poppler-utils); returns the PDF's path."""
    document = scratch / f"{out_stem.name}.pdf"
    document.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "1", "-singlefile", str(document),
                    str(out_stem)], check=True)
    print(f"wrote {out_stem}.png")
    return document


@contextmanager
def screenshot_session(out_dir: Path) -> Iterator[tuple[QApplication, Path]]:
    """The Qt application and a scratch folder that holds the store and the app's data until the end."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["HHDESK_DATA_DIR"] = scratch
        yield make_application(), Path(scratch)


def demo_login(scratch: Path, username: str, *, members: int) -> AppSession:
    """A fresh demo store of `members` members in `scratch`, logged in as the demo user `username`."""
    path = scratch / "demo.hhdesk"
    build_demo_store(path, members=members)
    return users.login(path, username, DEMO_STAFF_PASSWORD)


def find_member(app: AppSession, text: str = "nunez jose") -> CaseloadRow:
    """The first caseload member the search `text` finds (the demo store always has José Núñez)."""
    return caseload.search(app, caseload.CaseloadQuery(text=text, limit=5))[0]


def show_main_window(application: QApplication, app: AppSession, width: int, height: int) -> MainWindow:
    """The main window for `app`, shown at `width` by `height` and settled."""
    window = MainWindow(app)
    window.resize(width, height)
    window.show()
    settle(application)
    return window


def close_main_window(application: QApplication, window: QWidget) -> None:
    """Close the main window and wait for the backup its close starts: it must finish before the scratch
    folder goes."""
    window.close()
    settle(application)
    workers.wait_for_all()
    settle(application)


def out_dir_argument() -> Path:
    """The output folder from the command line (the first argument not starting with --), else docs/."""
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    return Path(arguments[0] if arguments else DEFAULT_OUT_DIR)


def wants_extras() -> bool:
    """Whether the command line asks for the extra pictures (kept out of docs/)."""
    return "--extras" in sys.argv
