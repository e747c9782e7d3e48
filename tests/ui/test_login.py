"""The login dialog's bad input: one clear sentence each, never a traceback, the store file untouched."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from hhdesk.config import keyslots_path
from hhdesk.errors import StoreTooNew
from hhdesk.services import users
from hhdesk.ui.dialogs.login import LoginDialog
from tests.ui.conftest import ADMIN, ADMIN_PASSWORD, UiStore


def _attempt(qtbot: Any, path: Path, username: str, password: str) -> LoginDialog:
    dialog = LoginDialog(path, username)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.password.setText(password)
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    return dialog


@pytest.mark.parametrize(("username", "password", "expected"), [
    (ADMIN, "a wrong passphrase", users.WRONG_NAME_OR_PASSWORD),
    ("nobody", "a wrong passphrase", users.WRONG_NAME_OR_PASSWORD),  # nothing says whether "nobody" exists
    (ADMIN, "", "Type your password."),
    ("", "whatever it is", "Type your username."),
])
def test_a_failed_login_says_why_and_changes_nothing(qtbot: Any, ui_store: UiStore, username: str,
                                                     password: str, expected: str) -> None:
    before = ui_store.path.read_bytes()
    dialog = _attempt(qtbot, ui_store.path, username, password)
    assert dialog.message.text() == expected
    assert dialog.message.isVisible() and dialog.session is None and dialog.isVisible()
    assert ui_store.path.read_bytes() == before


def _last_refusals(login_as: Any) -> list[tuple[str, str]]:
    """The login failures the audit log holds, as (user name, reason), once an administrator logs in."""
    from hhdesk.services import maintenance

    return [(row.entity_id, row.detail) for row in maintenance.audit_log(login_as(ADMIN))
            if row.action == "login_failed"]


def test_a_disabled_user_is_told_what_a_stranger_is(qtbot: Any, ui_store: UiStore, login_as: Any) -> None:
    users.set_disabled(login_as(ADMIN), "cm1", True)
    before = ui_store.path.read_bytes()
    disabled = _attempt(qtbot, ui_store.path, "cm1", ui_store.passwords["cm1"])
    stranger = _attempt(qtbot, ui_store.path, "nobody", ui_store.passwords["cm1"])
    assert disabled.message.text() == stranger.message.text() == users.WRONG_NAME_OR_PASSWORD
    assert "disabled" not in disabled.message.text()
    assert ui_store.path.read_bytes() == before
    assert {("cm1", "disabled user"), ("nobody", "unknown user")} <= set(_last_refusals(login_as))


def test_five_wrong_passwords_lock_the_account_without_saying_it_exists(qtbot: Any, ui_store: UiStore,
                                                                       login_as: Any) -> None:
    wrong = [_attempt(qtbot, ui_store.path, "cm1", "wrong wrong wrong") for _ in range(5)]
    locked = _attempt(qtbot, ui_store.path, "cm1", ui_store.passwords["cm1"])
    stranger = [_attempt(qtbot, ui_store.path, "nobody", "wrong wrong wrong") for _ in range(6)]
    answers = {dialog.message.text() for dialog in [*wrong, locked, *stranger]}
    assert answers == {users.WRONG_NAME_OR_PASSWORD}
    assert locked.session is None
    assert "5 minutes" in locked.message.text(), "the owner still learns the rule, so waits"
    assert ("cm1", "account locked") in _last_refusals(login_as)


def test_not_a_store_and_missing_key_file(qtbot: Any, ui_store: UiStore, tmp_path: Path) -> None:
    keys = keyslots_path(ui_store.path)
    saved = keys.read_bytes()
    keys.unlink()
    before = ui_store.path.read_bytes()
    dialog = _attempt(qtbot, ui_store.path, ADMIN, ADMIN_PASSWORD)
    assert "key" in dialog.message.text().lower() and "\n" not in dialog.message.text()
    assert ui_store.path.read_bytes() == before
    keys.write_bytes(saved)

    garbage = tmp_path / "holiday-photos.hhdesk"
    garbage.write_bytes(b"\x89PNG not a store at all" * 100)
    keyslots_path(garbage).write_bytes(saved)
    dialog = _attempt(qtbot, garbage, ADMIN, ADMIN_PASSWORD)
    assert dialog.message.text() and dialog.session is None
    assert "Traceback" not in dialog.message.text()
    assert garbage.read_bytes() == b"\x89PNG not a store at all" * 100


def test_a_store_from_a_newer_version(qtbot: Any, ui_store: UiStore, monkeypatch: pytest.MonkeyPatch) -> None:
    def too_new(*_args: Any, **_kwargs: Any) -> None:
        raise StoreTooNew("This store was written by a newer version of hhdesk. Install the latest hhdesk to "
                          "open it; nothing was changed.")

    monkeypatch.setattr(users, "login", too_new)
    dialog = _attempt(qtbot, ui_store.path, ADMIN, ADMIN_PASSWORD)
    assert dialog.message.text().startswith("This store was written by a newer version of hhdesk.")


def test_an_unexpected_error_points_at_the_log_and_keeps_member_data_out(
        qtbot: Any, ui_store: UiStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    member_name = "".join(["Nú", "ñez"])  # a value at run time, as member data is; not a literal in the source

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise ValueError(f"invalid literal for int(): {member_name!r}")

    monkeypatch.setattr(users, "login", broken)
    with caplog.at_level(logging.ERROR, logger="hhdesk"):
        dialog = _attempt(qtbot, ui_store.path, ADMIN, ADMIN_PASSWORD)
    assert dialog.message.text().startswith("Something went wrong; the details are in the log file at ")
    assert "builtins.ValueError" in caplog.text and "broken" in caplog.text
    assert "Núñez" not in caplog.text


def test_enter_logs_in_and_remembers_the_username(qtbot: Any, ui_store: UiStore) -> None:
    dialog = LoginDialog(ui_store.path)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, "cm2")
    qtbot.keyClicks(dialog.password, ui_store.passwords["cm2"])
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.session is not None and dialog.session.actor.username == "cm2"
    dialog.session.close()
    assert LoginDialog(ui_store.path).username.text() == "cm2"


def test_forgotten_password_with_the_recovery_key(qtbot: Any, ui_store: UiStore) -> None:
    from hhdesk.ui.dialogs.recover import RecoverDialog

    dialog = LoginDialog(ui_store.path, ADMIN)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.forgot, Qt.MouseButton.LeftButton)
    recover = dialog.findChild(RecoverDialog)
    assert recover is not None and recover.isVisible()
    assert recover.username.text() == ADMIN
    recover.key.setText("AAAA-BBBB")
    recover.passwords.first.setText("a fresh start passphrase")
    recover.passwords.second.setText("a fresh start passphrase")
    recover.buttons.accepted.emit()
    assert recover.isVisible() and "recovery key" in recover.message.text()
    recover.key.setText(ui_store.recovery_key.lower().replace("-", " "))
    recover.buttons.accepted.emit()
    assert not recover.isVisible()
    assert "new password is set" in dialog.notice.text()
    dialog.password.setText("a fresh start passphrase")
    assert dialog.try_login()
    dialog.session.close()


def test_enter_logs_in_after_a_wrong_password(qtbot: Any, ui_store: UiStore) -> None:
    dialog = LoginDialog(ui_store.path, ADMIN)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitActive(dialog):
        dialog.activateWindow()
    dialog.password.setFocus()
    qtbot.keyClicks(dialog.password, "wrong once")
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)  # the button takes the focus
    for attempt in ("wrong twice", ADMIN_PASSWORD):
        assert dialog.login_button.isDefault() and not dialog.quit_button.isDefault()
        qtbot.keyClicks(QApplication.focusWidget(), attempt)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert dialog.session is not None, "the third Enter logged in; it never quit"
    assert dialog.result() == dialog.DialogCode.Accepted
    dialog.session.close()


def test_the_last_user_name_is_remembered_per_store(qtbot: Any, ui_store: UiStore, tmp_path: Path) -> None:
    other = tmp_path / "other" / "agency.hhdesk"
    other.parent.mkdir()
    users.create_store(other, users.AgencyInfo(name="Another agency"), "otheradmin", "another long passphrase")
    first = _attempt(qtbot, ui_store.path, "cm1", ui_store.passwords["cm1"])
    assert first.session is not None
    first.session.close()
    assert LoginDialog(ui_store.path).username.text() == "cm1"
    assert LoginDialog(other).username.text() == "", "another store does not offer this store's user"
