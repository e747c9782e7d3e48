"""The application's set-up: its look, its log file, and the provisional member summary."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from hhdesk.ui import main_window as main_window_module
from hhdesk.ui.app import make_application
from hhdesk.ui.dialogs.member_summary import MemberSummaryDialog
from hhdesk.ui.logs import configure_logging, log_file
from hhdesk.ui.member_view import open_member_summary
from tests.ui.conftest import ADMIN, UiStore


def test_the_application_is_named_and_styled(qapp: QApplication) -> None:
    sheet = qapp.styleSheet()
    qapp.setStyleSheet("")
    style = qapp.style().name()
    try:
        assert make_application() is qapp, "an existing QApplication is reused"
        assert qapp.applicationName() == "hhdesk"
        assert "QLabel[role=\"error\"]" in qapp.styleSheet()
        qapp.setStyleSheet("")  # a style sheet wraps the style in a proxy that has no name
        assert qapp.style().name() == "fusion"
    finally:
        if style:
            qapp.setStyle(style)
        qapp.setStyleSheet(sheet)


def test_the_log_goes_to_the_data_folder_once(_isolated_data_dir: Path) -> None:
    logger = logging.getLogger("hhdesk")
    before = list(logger.handlers)
    try:
        path = configure_logging()
        assert path == log_file() == _isolated_data_dir / "logs" / "hhdesk.log"
        configure_logging()
        added = [h for h in logger.handlers if h not in before]
        assert len(added) == 1
        logging.getLogger("hhdesk.ui").info("Window locked")
        added[0].flush()
        assert "Window locked" in path.read_text(encoding="utf-8")
    finally:
        for handler in [h for h in logger.handlers if h not in before]:
            logger.removeHandler(handler)
            handler.close()


def test_the_summary_shows_what_the_list_knew(qtbot: Any, ui_store_with_members: UiStore, login_as: Any,
                                              main_window: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(main_window_module, "MEMBER_VIEW_FACTORY", open_member_summary)
    window = main_window(login_as(ADMIN))
    caseload = window.show_section("caseload")
    row = next(r for r in caseload.model.rows if r.last_name == "Núñez")
    window.open_member(row.member_id, row=row)
    summary = window.member_views()[0]
    assert isinstance(summary, MemberSummaryDialog) and summary.isVisible()
    assert summary.windowTitle() == "Núñez, José (Pepe)"
    texts = [label.text() for label in summary.findChildren(type(caseload.count_label))]
    assert "AB12345C" in texts and "High risk/need" in texts and "Carla Martinez" in texts
    window.lock()
    assert not summary.isVisible(), "hidden while locked"
    window.log_out()  # from the lock screen: the member's window goes with the session
    qtbot.waitUntil(lambda: not window.member_views(), timeout=2000)
