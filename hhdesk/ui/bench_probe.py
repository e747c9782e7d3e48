"""The memory probe of `hhdesk bench`: the real window, offscreen, in a fresh process (docs/performance.md)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from hhdesk.process_memory import resident_memory_mb
from hhdesk.ui.app import Shell, make_application


def memory_probe(store_path: Path, username: str, password: str, member_ids: Sequence[int]) -> dict[str, Any]:
    """In a fresh process: log in through the login dialog, show the main window (the caseload section
    first), open a chart per member as the window does (its first tab), then show every tab of each chart;
    report resident memory (MB) after each step."""
    application = make_application()
    shell = Shell(store_path, username, quit=application.quit)
    shell.start()
    QApplication.processEvents()
    dialog = shell.login
    assert dialog is not None, "the login dialog did not open"
    dialog.username.setText(username)
    dialog.password.setText(password)
    if not dialog.try_login():
        raise SystemExit("the probe could not log in")
    QApplication.processEvents()
    window = shell.window
    assert window is not None, "the main window did not open"
    result: dict[str, Any] = {"caseload_rows": _row_count(window.section("caseload"))}
    result["after_login_mb"], _ = resident_memory_mb()
    for member_id in member_ids:
        window.open_member(member_id)
        QApplication.processEvents()
    result["charts"] = len(window.member_views())
    result["charts_opened_mb"], _ = resident_memory_mb()
    for view in window.member_views():
        for key in getattr(view, "tab_keys", list)():
            view.show_tab(key)
            QApplication.processEvents()
    result["every_tab_shown_mb"], _ = resident_memory_mb()
    from hhdesk.services import enrolment

    enrolment.suggest_icd10("diabetes")  # what the Conditions tab's code search asks
    result["after_code_search_mb"], result["peak_mb"] = resident_memory_mb()
    for view in window.member_views():
        view.close()
    window.close()
    QApplication.processEvents()
    return result


def _row_count(section: Any) -> int | None:
    model = getattr(section, "model", None)
    return len(model.rows) if model is not None and hasattr(model, "rows") else None
