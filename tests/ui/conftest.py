"""Fixtures for window tests: jobs that run at once, recorded message boxes, scripted answers, a store.

- `immediate_jobs` (autouse): `hhdesk.ui.workers` runs each background job on an `ImmediatePool`, so the job
  (through its real runnable and signals) and its callbacks finish before `run_in_background` returns.
- `no_unexpected_modal_dialogs` (autouse): a modal dialog nobody scripted (`QDialog.exec`, QFileDialog's and
  QInputDialog's static functions) fails the test at once instead of waiting for a click that never comes.
  A test that means to meet one patches it after this fixture (or uses `answers`).
- `message_boxes` (autouse): QMessageBox's static functions record `(kind, title, text)` instead of opening a
  modal box (a modal box would hang the test).
- `answers` (autouse): what `hhdesk.ui.dialogs.common` asks returns `answers.confirm`,
  `answers.save_discard_cancel` ("save", "discard" or "cancel"), `answers.password`,
  `answers.save_path`, `answers.open_path`, `answers.export_path`; `answers.informed` collects what `inform` said.
- `ui_store`: a store in tmp_path with an admin and two care managers (cm1, cm2) and no members;
  `ui_store_with_members` adds `tests.factories.SAMPLE_MEMBERS`.
- `login_as(username)`: an AppSession for one of those users (closed at the end).
- `main_window(session)`: a shown MainWindow for a session, closed at the end. Closing skips the daily
  automatic backup (a second per test); tests/ui/test_shell.py checks that backup through the real flow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtPrintSupport import QPageSetupDialog, QPrintDialog
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QErrorMessage,
    QFileDialog,
    QFontDialog,
    QInputDialog,
    QMessageBox,
    QProgressDialog,
)

from hhdesk.db.store import Store
from hhdesk.services import users
from hhdesk.services.context import AppSession
from hhdesk.services.settings import AgencyInfo
from hhdesk.ui import workers
from hhdesk.ui.dialogs import common
from tests.factories import SAMPLE_MEMBERS, add_members
from tests.ui.immediate_pool import ImmediatePool

ADMIN = "director"
ADMIN_PASSWORD = "a long admin passphrase"
CM_PASSWORD = "care manager passphrase"


@dataclass
class UiStore:
    path: Path
    recovery_key: str
    passwords: dict[str, str]


@dataclass
class Answers:
    confirm: bool = True
    save_discard_cancel: str = "save"
    password: str | None = None
    save_path: Path | None = None
    open_path: Path | None = None
    export_path: Path | None = None
    asked: list[str] = field(default_factory=list)
    informed: list[str] = field(default_factory=list)


@pytest.fixture(autouse=True)
def immediate_jobs() -> Iterator[ImmediatePool]:
    pool = ImmediatePool()
    previous = workers.use_pool(pool)
    yield pool
    workers.use_pool(previous)


_MODAL_DIALOG_CLASSES = (QDialog, QMessageBox, QFileDialog, QInputDialog, QProgressDialog, QPrintDialog,
                         QPageSetupDialog, QColorDialog, QFontDialog, QErrorMessage)
_MODAL_STATIC_FUNCTIONS = {
    QFileDialog: ("getExistingDirectory", "getExistingDirectoryUrl", "getOpenFileName", "getOpenFileNames",
                  "getOpenFileUrl", "getOpenFileUrls", "getSaveFileName", "getSaveFileUrl"),
    QInputDialog: ("getText", "getMultiLineText", "getInt", "getDouble", "getItem"),
    QColorDialog: ("getColor",),
    QFontDialog: ("getFont",),
}


@pytest.fixture(autouse=True)
def no_unexpected_modal_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(what: str) -> Callable[..., Any]:
        def modal(*_args: Any, **_kwargs: Any) -> Any:
            pytest.fail(f"The test opened a modal dialog ({what}) that nobody answers: script it (the `answers` "
                        "fixture) or patch it in the test.")
        return modal

    for kind in _MODAL_DIALOG_CLASSES:
        monkeypatch.setattr(kind, "exec", refuse(f"{kind.__name__}.exec"))
    for kind, names in _MODAL_STATIC_FUNCTIONS.items():
        for name in names:
            monkeypatch.setattr(kind, name, staticmethod(refuse(f"{kind.__name__}.{name}")))


@pytest.fixture(autouse=True)
def message_boxes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    shown: list[tuple[str, str, str]] = []

    def recorder(kind: str, result: Any) -> Callable[..., Any]:
        def record(_parent: Any, title: str, text: str, *args: Any, **kwargs: Any) -> Any:
            shown.append((kind, title, text))
            return result
        return staticmethod(record)

    for kind, result in (("warning", QMessageBox.StandardButton.Ok), ("critical", QMessageBox.StandardButton.Ok),
                         ("information", QMessageBox.StandardButton.Ok),
                         ("question", QMessageBox.StandardButton.Yes), ("about", None)):
        monkeypatch.setattr(QMessageBox, kind, recorder(kind, result))
    return shown


@pytest.fixture(autouse=True)
def answers(monkeypatch: pytest.MonkeyPatch) -> Answers:
    scripted = Answers()

    def confirm(_parent: Any, title: str, text: str, yes: str = "OK") -> bool:
        scripted.asked.append(text)
        return scripted.confirm

    def ask_password(_parent: Any, title: str, text: str) -> str | None:
        scripted.asked.append(text)
        return scripted.password

    def ask_save_discard_cancel(_parent: Any, title: str, text: str) -> str:
        scripted.asked.append(text)
        return scripted.save_discard_cancel

    monkeypatch.setattr(common, "confirm", confirm)
    monkeypatch.setattr(common, "ask_save_discard_cancel", ask_save_discard_cancel)
    monkeypatch.setattr(common, "ask_password", ask_password)
    monkeypatch.setattr(common, "ask_save_path", lambda *_args: scripted.save_path)
    monkeypatch.setattr(common, "ask_open_path", lambda *_args: scripted.open_path)
    monkeypatch.setattr(common, "ask_export_path", lambda *_args: scripted.export_path)
    monkeypatch.setattr(common, "inform", lambda _parent, _title, text: scripted.informed.append(text))
    return scripted


@pytest.fixture
def ui_store(tmp_path: Path) -> UiStore:
    path = tmp_path / "agency.hhdesk"
    key = users.create_store(path, AgencyInfo(name="Hudson Valley Health Home", city="Albany", state="NY"),
                             ADMIN, ADMIN_PASSWORD, "Dana Director")
    app = users.login(path, ADMIN, ADMIN_PASSWORD)
    try:
        users.add_user(app, "cm1", "care_manager", CM_PASSWORD, full_name="Carla Martinez")
        users.add_user(app, "cm2", "care_manager", CM_PASSWORD, full_name="Marcus Hall")
    finally:
        users.logout(app)
    return UiStore(path, key, {ADMIN: ADMIN_PASSWORD, "cm1": CM_PASSWORD, "cm2": CM_PASSWORD})


@pytest.fixture
def ui_store_with_members(ui_store: UiStore) -> UiStore:
    store = Store.open(ui_store.path, ADMIN, ADMIN_PASSWORD)
    try:
        add_members(store, SAMPLE_MEMBERS)
    finally:
        store.close()
    return ui_store


@pytest.fixture
def login_as(ui_store: UiStore) -> Iterator[Callable[[str], AppSession]]:
    sessions: list[AppSession] = []

    def login(username: str = ADMIN) -> AppSession:
        session = users.login(ui_store.path, username, ui_store.passwords[username])
        sessions.append(session)
        return session

    yield login
    for session in sessions:
        session.close()


@pytest.fixture
def main_window(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[AppSession], Any]]:
    from hhdesk.services import maintenance
    from hhdesk.ui.main_window import MainWindow

    monkeypatch.setattr(maintenance, "auto_backup", lambda app, today=None: None)

    windows: list[MainWindow] = []

    def make(session: AppSession) -> MainWindow:
        window = MainWindow(session)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        if window.isVisible():
            window.close()
